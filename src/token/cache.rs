//! Verified-signature cache for long-lived verifiers (host-library mode).
//!
//! When a host keeps one verifier alive, the same session token usually arrives many times
//! (every request of a session until it is refreshed, ~60 s). The RSA operation is the
//! dominant cost, and its result depends only on the signed bytes, the signature and the key,
//! so it can be remembered: an entry records that `sha256(signing input || "." || signature)`
//! verified under the key at index `key`. Everything else — `typ`/`alg`/`crit`, `kid`
//! selection and every claim including `exp`/`nbf`/`iat` against the current clock — still
//! runs on every call. Only valid signatures are remembered; entries leave at the token's
//! `exp` + clock skew, and the cache never holds more than its capacity.

use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::time::UnixMillis;

/// Default number of entries of a verifier resource's cache.
pub const DEFAULT_CAPACITY: usize = 1024;

/// A bounded map from signed-token digests to the key that verified them.
///
/// A plain vector in insertion order: a lookup compares at most `capacity` 32-byte digests
/// (~1 µs for 1,024 entries, against ~80 µs for the RSA operation it saves), and the oldest
/// entry is the first. Smaller in the component than a tree or hash map.
pub struct SignatureCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Oldest first.
    entries: Vec<Entry>,
    hits: u64,
    misses: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    digest: [u8; 32],
    key: usize,
    until_ms: i64,
}

/// Counters of a cache, for benchmarks and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache (RSA skipped).
    pub hits: u64,
    /// Lookups that needed the RSA operation.
    pub misses: u64,
    /// Entries held.
    pub len: usize,
}

impl std::fmt::Debug for SignatureCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureCache")
            .field("capacity", &self.capacity)
            .field("stats", &self.stats())
            .finish()
    }
}

impl SignatureCache {
    /// An empty cache holding at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> SignatureCache {
        SignatureCache {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The cache key of a token: its signed bytes and its signature.
    pub(crate) fn digest(signing_input: &str, signature: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(signing_input.as_bytes());
        h.update(b".");
        h.update(signature);
        h.finalize().into()
    }

    /// The index of the key that verified this digest, if remembered and not expired.
    pub(crate) fn get(&self, digest: &[u8; 32], now: UnixMillis) -> Option<usize> {
        let mut inner = self.inner.lock().ok()?;
        let at = inner.entries.iter().position(|e| e.digest == *digest);
        let found = match at.and_then(|i| inner.entries.get(i).copied().map(|e| (i, e))) {
            Some((_, e)) if e.until_ms >= now.0 => Some(e.key),
            Some((i, _)) => {
                inner.entries.remove(i);
                None
            }
            None => None,
        };
        match found {
            Some(_) => inner.hits += 1,
            None => inner.misses += 1,
        }
        found
    }

    /// Remembers that `digest` verified under key `key`, until `until_ms`.
    pub(crate) fn insert(&self, digest: [u8; 32], key: usize, until_ms: i64, now: UnixMillis) {
        if until_ms < now.0 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.entries.retain(|e| e.digest != digest);
        if inner.entries.len() >= self.capacity {
            inner.entries.retain(|e| e.until_ms >= now.0);
        }
        if inner.entries.len() >= self.capacity {
            inner.entries.remove(0);
        }
        inner.entries.push(Entry {
            digest,
            key,
            until_ms,
        });
    }

    /// Hit/miss counters and size.
    pub fn stats(&self) -> CacheStats {
        match self.inner.lock() {
            Ok(inner) => CacheStats {
                hits: inner.hits,
                misses: inner.misses,
                len: inner.entries.len(),
            },
            Err(_) => CacheStats {
                hits: 0,
                misses: 0,
                len: 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u8) -> [u8; 32] {
        [n; 32]
    }

    #[test]
    fn remembers_until_expiry_and_stays_bounded() {
        let c = SignatureCache::new(2);
        let now = UnixMillis(1_000);
        assert_eq!(c.get(&d(1), now), None);
        c.insert(d(1), 0, 5_000, now);
        assert_eq!(c.get(&d(1), now), Some(0));
        assert_eq!(c.get(&d(1), UnixMillis(5_000)), Some(0));
        assert_eq!(
            c.get(&d(1), UnixMillis(5_001)),
            None,
            "expired entries leave"
        );
        c.insert(d(2), 1, 9_000, now);
        c.insert(d(3), 1, 9_000, now);
        c.insert(d(4), 1, 9_000, now);
        let s = c.stats();
        assert_eq!(s.len, 2, "never more than the capacity");
        assert_eq!(c.get(&d(2), now), None, "the oldest entry was evicted");
        assert_eq!(c.get(&d(4), now), Some(1));
        c.insert(d(5), 0, 500, now);
        assert_eq!(
            c.get(&d(5), now),
            None,
            "an already expired token is not stored"
        );
        let s = c.stats();
        assert_eq!((s.hits, s.misses), (3, 4));
    }

    #[test]
    fn digest_covers_signed_bytes_and_signature() {
        let a = SignatureCache::digest("h.p", b"sig");
        assert_ne!(a, SignatureCache::digest("h.q", b"sig"));
        assert_ne!(a, SignatureCache::digest("h.p", b"sih"));
        assert_eq!(a, SignatureCache::digest("h.p", b"sig"));
    }
}
