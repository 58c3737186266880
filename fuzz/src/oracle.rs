//! Invariant helpers: header-value hygiene and the redirect-origin allow-list.

use std::collections::BTreeSet;

use url::Url;

/// No CR, LF or NUL: a value that can be written on the wire without injecting a header.
pub fn header_value_clean(v: &str) -> bool {
    !v.contains(['\r', '\n', '\0'])
}

/// A header name that is an RFC 9110 token.
pub fn header_name_ok(n: &str) -> bool {
    !n.is_empty()
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `scheme://host:port` of an absolute URL with a host (special or not), port made explicit;
/// `scheme:(no host)` for a URL without one (so a request that arrived at a host-less URL may
/// be sent back to a host-less URL of the same scheme: its own "origin").
pub fn origin_key(url: &Url) -> Option<String> {
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Some(format!("{}:(no host)", url.scheme()));
    };
    let port = url.port_or_known_default().unwrap_or(0);
    Some(format!("{}://{}:{}", url.scheme(), host, port))
}

/// [`origin_key`] of a URL text.
pub fn origin_key_str(s: &str) -> Option<String> {
    Url::parse(s).ok().as_ref().and_then(origin_key)
}

/// Origins a redirect may point to: a set of origin keys, plus the request's host and
/// protocol candidates, whose combinations are only parsed when a location is not in the set
/// (the full cross product cost seconds on inputs with many forwarded headers).
#[derive(Debug, Clone, Default)]
pub struct Origins {
    keys: BTreeSet<String>,
    urls: Vec<String>,
    hosts: Vec<String>,
    protos: Vec<String>,
}

impl Origins {
    /// Adds the origin of an absolute URL text (ignored when it does not parse).
    pub fn add_url(&mut self, s: &str) {
        if let Some(k) = origin_key_str(s) {
            self.keys.insert(k);
        }
    }

    /// Adds `https://<host>` for a bare host or an absolute URL.
    pub fn add_host_or_url(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if s.starts_with("http") {
            self.add_url(s);
        } else {
            self.add_url(&format!("https://{s}"));
        }
    }

    /// Whether `location` parses as an absolute URL whose origin is allowed.
    pub fn allows(&self, location: &str) -> Result<(), String> {
        let url = Url::parse(location)
            .map_err(|e| format!("location {location:?} does not parse: {e}"))?;
        let key = origin_key(&url).ok_or_else(|| format!("location {location:?} has no host"))?;
        if self.keys.contains(&key) || self.request_claims(&key) {
            Ok(())
        } else {
            Err(format!(
                "location {location:?} (origin {key}) is not an allowed origin {:?} \
                 nor any of protocols {:?} with hosts {:?}",
                self.keys, self.protos, self.hosts
            ))
        }
    }

    /// Whether one of the request's URL candidates, or some `<proto>://<host>` (or with a
    /// trailing `/`) of it, has this key.
    fn request_claims(&self, key: &str) -> bool {
        let parsed: Vec<Url> = self
            .urls
            .iter()
            .filter_map(|u| Url::parse(u).ok())
            .collect();
        if parsed.iter().any(|u| origin_key(u).as_deref() == Some(key)) {
            return true;
        }
        let mut protos = self.protos.clone();
        protos.extend(parsed.iter().map(|u| u.scheme().to_owned()));
        // `<p>://<h>` can only have this key's scheme when `p`, as the URL parser reads it
        // (tab/CR/LF removed, leading C0 and space trimmed, up to its first `:`), is that
        // scheme: an exact filter that skips most of the parses.
        let key_scheme = key.split(':').next().unwrap_or("");
        protos.retain(|p| {
            let read: String = p
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .skip_while(|c| *c <= ' ')
                .take_while(|c| *c != ':')
                .collect();
            read.eq_ignore_ascii_case(key_scheme)
        });
        protos.sort();
        protos.dedup();
        self.hosts.iter().any(|h| {
            protos.iter().any(|p| {
                [format!("{p}://{h}"), format!("{p}://{h}/")]
                    .iter()
                    .any(|u| origin_key_str(u).as_deref() == Some(key))
            })
        })
    }

    /// Adds every origin the request itself can claim: the URL candidates' origins, and every
    /// combination of a `Host`/`X-Forwarded-Host` value (whole, trimmed, each comma item) with
    /// a protocol (`http`, `https`, the URL's scheme, each `X-Forwarded-Proto` item). A superset
    /// of what Clerk's `clerkUrl` derivation can produce from headers.
    pub fn add_request(&mut self, url_candidates: &[String], headers: &[(String, String)]) {
        self.urls.extend(url_candidates.iter().cloned());
        let values = |name: &str| -> Vec<String> {
            let raw: Vec<&str> = headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect();
            let mut out: Vec<String> = Vec::new();
            let trimmed: Vec<&str> = raw
                .iter()
                .map(|v| v.trim_matches([' ', '\t', '\r', '\n']))
                .collect();
            let joined = trimmed.join(", ");
            for v in raw.iter().copied().chain(trimmed.iter().copied()) {
                out.push(v.to_owned());
                for item in v.split(',') {
                    out.push(item.to_owned());
                    out.push(item.trim().to_owned());
                }
            }
            out.push(joined.split(',').next().unwrap_or("").to_owned());
            // `Host` is not split on commas (only forwarded values are): repeated `Host`
            // headers reach the core as one joined value, exactly as `headers.get('host')`.
            out.push(joined.clone());
            out.sort();
            out.dedup();
            out
        };
        let mut hosts = values("host");
        hosts.extend(values("x-forwarded-host"));
        let mut protos: Vec<String> = vec!["http".into(), "https".into()];
        protos.extend(values("x-forwarded-proto"));
        protos.sort();
        protos.dedup();
        hosts.sort();
        hosts.dedup();
        self.hosts.extend(hosts);
        self.protos.extend(protos);
    }
}
