//! Verification keys: SPKI / PKCS#1 PEM and JWKS, parsed once into a [`KeySet`].
//!
//! D4: the key decides the algorithm. PEM keys verify RS256 only (as Clerk's PEM-derived JWK is
//! pinned to RS256); a JWKS key verifies the algorithm its `alg` names (RS256 when absent).
//! `kid` only picks among configured keys; with a single key it is not consulted (parity §3.5).

use std::fmt;

use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::der;
use crate::rsa_fast::{Hash, RsaPublicKey};
use crate::util::{b64_standard_lenient, b64url_loose};

/// Smallest RSA modulus we accept (bits).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus we accept (bits).
pub const MAX_RSA_BITS: usize = 8192;
/// Most keys one configuration may hold.
pub const MAX_KEYS: usize = 32;
/// Largest PEM or JWKS text accepted.
pub const MAX_KEY_TEXT_BYTES: usize = 256 * 1024;

/// An RSA PKCS#1 v1.5 signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
}

impl Alg {
    /// Parses a JOSE `alg` name (exact, case-sensitive).
    pub fn from_name(name: &str) -> Option<Alg> {
        match name {
            "RS256" => Some(Alg::Rs256),
            "RS384" => Some(Alg::Rs384),
            "RS512" => Some(Alg::Rs512),
            _ => None,
        }
    }

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
        }
    }
}

/// Why key material was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Neither `CLERK_JWT_KEY` nor `CLERK_JWKS` holds a key.
    Missing,
    /// The key text is larger than [`MAX_KEY_TEXT_BYTES`].
    TooLarge,
    /// More than [`MAX_KEYS`] keys.
    TooManyKeys,
    /// PEM block `index` (1-based) is not valid base64 or its framing is broken.
    PemEncoding {
        /// 1-based block number.
        index: usize,
    },
    /// PEM block `index` has a label other than `PUBLIC KEY` / `RSA PUBLIC KEY`.
    PemLabel {
        /// 1-based block number.
        index: usize,
        /// The label found.
        label: String,
    },
    /// Key `index` is not a DER-encoded RSA public key.
    NotRsa {
        /// 1-based key number.
        index: usize,
        /// What the parser said.
        detail: String,
    },
    /// Key `index` has a modulus outside 2048–8192 bits.
    KeySize {
        /// 1-based key number.
        index: usize,
        /// The modulus size.
        bits: usize,
    },
    /// The JWKS text is not a JSON object with a `keys` array.
    JwksShape(String),
    /// JWKS key `index` is unusable (wrong `kty`, `use`, `alg`, bad `n`/`e`).
    JwksKey {
        /// 1-based key number.
        index: usize,
        /// What is wrong.
        detail: String,
    },
    /// Two keys share a `kid`.
    DuplicateKid(String),
    /// Build-time prepared keys ([`KeySet::from_prepared`]) that do not decode.
    Prepared,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str(
                "no verification key: set CLERK_JWT_KEY (PEM) or CLERK_JWKS (JWKS JSON)",
            ),
            Self::TooLarge => write!(f, "key text is larger than {MAX_KEY_TEXT_BYTES} bytes"),
            Self::TooManyKeys => write!(f, "more than {MAX_KEYS} keys configured"),
            Self::PemEncoding { index } => {
                write!(f, "PEM key {index}: invalid PEM framing or base64 body")
            }
            Self::PemLabel { index, label } => write!(
                f,
                "PEM key {index}: unsupported PEM label \"{label}\" (expected PUBLIC KEY or RSA PUBLIC KEY)"
            ),
            Self::NotRsa { index, detail } => {
                write!(f, "key {index}: not an RSA public key ({detail})")
            }
            Self::KeySize { index, bits } => write!(
                f,
                "key {index}: RSA modulus of {bits} bits is outside {MIN_RSA_BITS}–{MAX_RSA_BITS} bits"
            ),
            Self::JwksShape(detail) => write!(f, "CLERK_JWKS: {detail}"),
            Self::JwksKey { index, detail } => write!(f, "CLERK_JWKS key {index}: {detail}"),
            Self::DuplicateKid(kid) => write!(f, "two keys share kid \"{kid}\""),
            Self::Prepared => f.write_str(
                "the build-time prepared keys are damaged: rebuild the component",
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// One RSA public key with the single algorithm it may verify.
#[derive(Clone)]
pub(crate) struct VerifyKey {
    kid: Option<String>,
    alg: Alg,
    key: RsaPublicKey,
}

impl fmt::Debug for VerifyKey {
    // Security: key material is never printed; the size and kid identify the key enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("bits", &self.key.bits())
            .finish()
    }
}

/// Outcome of one signature check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SigCheck {
    /// The signature verifies.
    Valid,
    /// The signature does not verify (wrong key, tampered data, malformed signature).
    Invalid,
    /// The key is pinned to another algorithm (Clerk: import error).
    AlgMismatch,
}

impl VerifyKey {
    /// The key's `kid`, if configured.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm the key is pinned to.
    pub(crate) fn alg(&self) -> Alg {
        self.alg
    }

    /// RSASSA-PKCS1-v1_5 verification of `signature` over `data` with `alg`.
    pub(crate) fn verify(&self, alg: Alg, data: &[u8], signature: &[u8]) -> SigCheck {
        if alg != self.alg {
            return SigCheck::AlgMismatch;
        }
        let ok = match alg {
            Alg::Rs256 => self
                .key
                .verify_pkcs1v15(Hash::Sha256, &Sha256::digest(data), signature),
            Alg::Rs384 => self
                .key
                .verify_pkcs1v15(Hash::Sha384, &Sha384::digest(data), signature),
            Alg::Rs512 => self
                .key
                .verify_pkcs1v15(Hash::Sha512, &Sha512::digest(data), signature),
        };
        if ok {
            SigCheck::Valid
        } else {
            SigCheck::Invalid
        }
    }
}

/// The configured verification keys, parsed once.
#[derive(Debug, Clone)]
pub struct KeySet {
    keys: Vec<VerifyKey>,
    /// Verified-signature cache (long-lived verifiers only; shared by clones).
    pub(crate) cache: Option<std::sync::Arc<crate::token::cache::SignatureCache>>,
}

/// Which keys a token may be checked against.
pub(crate) enum Candidates<'a> {
    /// Try these keys in order.
    Keys(Vec<&'a VerifyKey>),
    /// Several keys are configured and none matches the token's `kid`.
    KidMismatch,
}

impl KeySet {
    /// Parses `CLERK_JWT_KEY` (one or more PEM blocks, or a bare base64 DER body) and/or
    /// `CLERK_JWKS` (a JWKS JSON document). At least one key is required.
    pub fn parse(pem: Option<&str>, jwks: Option<&str>) -> Result<KeySet, KeyError> {
        let mut keys = Vec::new();
        if let Some(pem) = pem.filter(|p| !p.trim().is_empty()) {
            if pem.len() > MAX_KEY_TEXT_BYTES {
                return Err(KeyError::TooLarge);
            }
            parse_pem_keys(pem, &mut keys)?;
        }
        if let Some(jwks) = jwks.filter(|j| !j.trim().is_empty()) {
            if jwks.len() > MAX_KEY_TEXT_BYTES {
                return Err(KeyError::TooLarge);
            }
            parse_jwks(jwks, &mut keys)?;
        }
        Self::from_keys(keys)
    }

    /// The set of `keys` after the checks every key set passes: at least one key, at most
    /// [`MAX_KEYS`], no repeated `kid`.
    fn from_keys(keys: Vec<VerifyKey>) -> Result<KeySet, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::Missing);
        }
        if keys.len() > MAX_KEYS {
            return Err(KeyError::TooManyKeys);
        }
        for (i, a) in keys.iter().enumerate() {
            if let Some(kid) = a.kid() {
                if keys.iter().skip(i + 1).any(|b| b.kid() == Some(kid)) {
                    return Err(KeyError::DuplicateKid(kid.to_owned()));
                }
            }
        }
        Ok(KeySet { keys, cache: None })
    }

    /// The keys in ready-to-use form (modulus limbs and Montgomery constants), for a build
    /// script to embed: [`KeySet::from_prepared`] then skips PEM/JWKS parsing and the
    /// Montgomery set-up that every fresh component instance would otherwise repeat.
    /// Format (little-endian): `CEK1`, key count (u8), then per key: alg (u8: 0 RS256,
    /// 1 RS384, 2 RS512), kid length (u16, `0xFFFF` = none) and UTF-8 bytes, e (u32), limb
    /// count k (u16), n (k × u32), −n⁻¹ mod 2³² (u32), R² mod n (k × u32).
    /// `None` for a `kid` of 65,535 bytes or more (the text form still works).
    pub fn to_prepared(&self) -> Option<Vec<u8>> {
        let mut out = PREPARED_MAGIC.to_vec();
        out.push(u8::try_from(self.keys.len()).ok()?);
        for key in &self.keys {
            let (n, n0inv, rr, e) = key.key.to_parts()?;
            out.push(match key.alg {
                Alg::Rs256 => 0,
                Alg::Rs384 => 1,
                Alg::Rs512 => 2,
            });
            let kid_len = match &key.kid {
                None => u16::MAX,
                Some(kid) => u16::try_from(kid.len()).ok().filter(|&l| l != u16::MAX)?,
            };
            out.extend_from_slice(&kid_len.to_le_bytes());
            out.extend_from_slice(key.kid.as_deref().unwrap_or("").as_bytes());
            out.extend_from_slice(&e.to_le_bytes());
            out.extend_from_slice(&u16::try_from(n.len()).ok()?.to_le_bytes());
            n.iter()
                .for_each(|l| out.extend_from_slice(&l.to_le_bytes()));
            out.extend_from_slice(&n0inv.to_le_bytes());
            rr.iter()
                .for_each(|l| out.extend_from_slice(&l.to_le_bytes()));
        }
        Some(out)
    }

    /// Loads keys written by [`KeySet::to_prepared`]. Every field is checked (lengths, an odd
    /// modulus of 2048–8192 bits, the Montgomery constant, R² mod n < n, the key-set rules);
    /// anything else is [`KeyError::Prepared`].
    pub fn from_prepared(bytes: &[u8]) -> Result<KeySet, KeyError> {
        let mut r = Reader(bytes);
        if r.take(PREPARED_MAGIC.len()) != Some(PREPARED_MAGIC.as_slice()) {
            return Err(KeyError::Prepared);
        }
        let count = r.u8().ok_or(KeyError::Prepared)?;
        let mut keys = Vec::with_capacity(usize::from(count).min(MAX_KEYS));
        for _ in 0..count {
            keys.push(r.key().ok_or(KeyError::Prepared)?);
        }
        if !r.0.is_empty() {
            return Err(KeyError::Prepared);
        }
        Self::from_keys(keys)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false: a `KeySet` holds at least one key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// D4: the keys a token with (untrusted) `kid` may be verified with.
    pub(crate) fn candidates(&self, kid: Option<&str>) -> Candidates<'_> {
        if let [only] = self.keys.as_slice() {
            // Parity §3.5: with one key, `kid` is neither required nor checked.
            return Candidates::Keys(vec![only]);
        }
        if let Some(kid) = kid {
            if let Some(key) = self.keys.iter().find(|k| k.kid() == Some(kid)) {
                return Candidates::Keys(vec![key]);
            }
        }
        let unnamed: Vec<&VerifyKey> = self.keys.iter().filter(|k| k.kid().is_none()).collect();
        if unnamed.is_empty() {
            Candidates::KidMismatch
        } else {
            Candidates::Keys(unnamed)
        }
    }

    /// The key at `index`.
    pub(crate) fn get(&self, index: usize) -> Option<&VerifyKey> {
        self.keys.get(index)
    }

    /// The index of `key` in this set (identity, not equality).
    pub(crate) fn index_of(&self, key: &VerifyKey) -> Option<usize> {
        self.keys.iter().position(|k| std::ptr::eq(k, key))
    }

    /// The `kid`s configured, for the kid-mismatch message.
    pub(crate) fn kids(&self) -> Vec<&str> {
        self.keys.iter().filter_map(VerifyKey::kid).collect()
    }
}

/// First bytes of [`KeySet::to_prepared`]'s format (version 1).
const PREPARED_MAGIC: &[u8; 4] = b"CEK1";

/// Cursor over [`KeySet::to_prepared`] bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn limbs(&mut self, k: usize) -> Option<Vec<u32>> {
        (0..k).map(|_| self.u32()).collect()
    }

    fn key(&mut self) -> Option<VerifyKey> {
        let alg = match self.u8()? {
            0 => Alg::Rs256,
            1 => Alg::Rs384,
            2 => Alg::Rs512,
            _ => return None,
        };
        let kid = match self.u16()? {
            u16::MAX => None,
            len => Some(String::from_utf8(self.take(usize::from(len))?.to_vec()).ok()?),
        };
        let e = self.u32()?;
        let k = usize::from(self.u16()?);
        if k > MAX_RSA_BITS / 32 {
            return None;
        }
        let n = self.limbs(k)?;
        let n0inv = self.u32()?;
        let rr = self.limbs(k)?;
        let key = RsaPublicKey::from_parts(n, n0inv, rr, e)?;
        Some(VerifyKey { kid, alg, key })
    }
}

/// Bit length of a big-endian unsigned integer.
fn bit_length(be: &[u8]) -> usize {
    let trimmed: &[u8] = {
        let start = be.iter().position(|&b| b != 0).unwrap_or(be.len());
        be.get(start..).unwrap_or(&[])
    };
    match trimmed.first() {
        None => 0,
        Some(&top) => (trimmed.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
    }
}

/// Builds the prepared key from modulus and exponent, naming what is wrong.
fn prepare(index: usize, n: &[u8], e: &[u8]) -> Result<RsaPublicKey, KeyError> {
    let bits = bit_length(n);
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(KeyError::KeySize { index, bits });
    }
    let key = RsaPublicKey::new(n, e).ok_or_else(|| KeyError::NotRsa {
        index,
        detail: "the modulus must be odd and the public exponent odd, ≥ 3 and < 2^32".into(),
    })?;
    // Keys are parsed once per configuration: finish the Montgomery set-up now.
    key.precompute();
    Ok(key)
}

fn parse_der(
    index: usize,
    der_bytes: &[u8],
    pkcs1_only: Option<bool>,
) -> Result<RsaPublicKey, KeyError> {
    let parsed = match pkcs1_only {
        Some(true) => der::rsa_public_key_from_pkcs1(der_bytes),
        Some(false) => der::rsa_public_key_from_spki(der_bytes),
        None => der::rsa_public_key_from_spki(der_bytes)
            .or_else(|_| der::rsa_public_key_from_pkcs1(der_bytes)),
    };
    let (n, e) = parsed.map_err(|e| KeyError::NotRsa {
        index,
        detail: e.to_string(),
    })?;
    prepare(index, &n, &e)
}

/// Parses every PEM block in `text`; a text without `-----BEGIN` is a bare base64 DER body
/// (SPKI or PKCS#1), as Clerk also accepts. Literal `\n` escapes (common when a PEM is pasted
/// into a one-line environment variable) are read as newlines.
fn parse_pem_keys(text: &str, out: &mut Vec<VerifyKey>) -> Result<(), KeyError> {
    let text = text.replace("\\n", "\n");
    if !text.contains("-----BEGIN") {
        let der = b64_standard_lenient(&text).ok_or(KeyError::PemEncoding { index: 1 })?;
        let key = parse_der(1, &der, None)?;
        out.push(VerifyKey {
            kid: None,
            alg: Alg::Rs256,
            key,
        });
        return Ok(());
    }
    let mut rest = text.as_str();
    let mut index = 0;
    while let Some(start) = rest.find("-----BEGIN ") {
        index += 1;
        let after = rest.get(start + "-----BEGIN ".len()..).unwrap_or("");
        let label_end = after.find("-----").ok_or(KeyError::PemEncoding { index })?;
        let label = after.get(..label_end).unwrap_or("").to_owned();
        let body_start = after.get(label_end + 5..).unwrap_or("");
        let end_marker = format!("-----END {label}-----");
        let body_end = body_start
            .find(&end_marker)
            .ok_or(KeyError::PemEncoding { index })?;
        let body = body_start.get(..body_end).unwrap_or("");
        let pkcs1 = match label.as_str() {
            "PUBLIC KEY" => false,
            "RSA PUBLIC KEY" => true,
            _ => return Err(KeyError::PemLabel { index, label }),
        };
        let der = b64_standard_lenient(body).ok_or(KeyError::PemEncoding { index })?;
        let key = parse_der(index, &der, Some(pkcs1))?;
        out.push(VerifyKey {
            kid: None,
            alg: Alg::Rs256,
            key,
        });
        rest = body_start.get(body_end + end_marker.len()..).unwrap_or("");
        if out.len() > MAX_KEYS {
            return Err(KeyError::TooManyKeys);
        }
    }
    if index == 0 {
        return Err(KeyError::PemEncoding { index: 1 });
    }
    Ok(())
}

fn parse_jwks(text: &str, out: &mut Vec<VerifyKey>) -> Result<(), KeyError> {
    let doc: serde_json::Value = crate::json::parse(text)
        .map_err(|e| KeyError::JwksShape(format!("not valid JSON ({e})")))?;
    let keys = doc
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or_else(|| KeyError::JwksShape("expected an object with a \"keys\" array".into()))?;
    if keys.is_empty() {
        return Err(KeyError::JwksShape("the \"keys\" array is empty".into()));
    }
    if keys.len() > MAX_KEYS {
        return Err(KeyError::TooManyKeys);
    }
    for (i, jwk) in keys.iter().enumerate() {
        let index = i + 1;
        let bad = |detail: &str| KeyError::JwksKey {
            index,
            detail: detail.to_owned(),
        };
        let field = |name: &str| jwk.get(name).and_then(|v| v.as_str());
        match field("kty") {
            Some("RSA") => {}
            Some(other) => return Err(bad(&format!("unsupported kty \"{other}\" (RSA only)"))),
            None => return Err(bad("missing kty")),
        }
        if let Some(usage) = field("use") {
            if usage != "sig" {
                return Err(bad(&format!("use \"{usage}\" is not \"sig\"")));
            }
        }
        let alg = match field("alg") {
            None => Alg::Rs256,
            Some(name) => Alg::from_name(name)
                .ok_or_else(|| bad(&format!("unsupported alg \"{name}\" (RS256/RS384/RS512)")))?,
        };
        let n = field("n")
            .and_then(b64url_loose)
            .ok_or_else(|| bad("missing or invalid \"n\""))?;
        let e = field("e")
            .and_then(b64url_loose)
            .ok_or_else(|| bad("missing or invalid \"e\""))?;
        let key = prepare(index, &n, &e)?;
        let kid = match jwk.get("kid") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(bad("kid is not a string")),
        };
        out.push(VerifyKey { kid, alg, key });
    }
    Ok(())
}

#[cfg(test)]
mod crosscheck;
#[cfg(test)]
mod tests;
