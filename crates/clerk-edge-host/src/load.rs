//! A small bounded load generator for the served component: a mix of valid, expired, forged
//! and malformed requests over keep-alive HTTP/1.1 connections to a loopback address, with
//! latency percentiles and a count of unexpected answers.

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper::client::conn::http1;
use wasmtime_wasi_http::io::TokioIo;

/// One kind of request in the mix and the answer it must get.
#[derive(Debug, Clone)]
pub struct Kind {
    /// Label.
    pub name: &'static str,
    /// Path.
    pub path: &'static str,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Expected status.
    pub expect: u16,
    /// What else the answer must carry (so a 401 for the wrong reason is unexpected too).
    pub answer: Answer,
}

/// The part of an answer, besides its status, that says it was decided for the right reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `x-clerk-user-id` with this value.
    User(String),
    /// A JSON body with this Clerk `reason`.
    Reason(&'static str),
    /// A `location` header starting with this.
    Location(&'static str),
}

impl Answer {
    /// Whether a response's headers and body carry this answer.
    pub fn matches(&self, headers: &hyper::HeaderMap, body: &[u8]) -> bool {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        match self {
            Answer::User(user) => header("x-clerk-user-id") == Some(user.as_str()),
            Answer::Reason(reason) => {
                let needle = format!("\"reason\":\"{reason}\"");
                body.windows(needle.len()).any(|w| w == needle.as_bytes())
            }
            Answer::Location(prefix) => header("location").is_some_and(|l| l.starts_with(prefix)),
        }
    }
}

/// The standard mix against the DEMO configuration (tokens minted by the caller; `user` is
/// the valid token's `sub`).
pub fn mix(valid: &str, expired: &str, user: &str) -> Vec<Kind> {
    let forged = {
        let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
        if let Some(sig) = parts.get_mut(2) {
            let flipped = if sig.starts_with('A') { "B" } else { "A" };
            sig.replace_range(0..1, flipped);
        }
        parts.join(".")
    };
    let bearer = |t: &str| vec![("authorization".to_owned(), format!("Bearer {t}"))];
    vec![
        Kind {
            name: "valid-bearer",
            path: "/api/me",
            headers: bearer(valid),
            expect: 200,
            answer: Answer::User(user.to_owned()),
        },
        Kind {
            name: "valid-bearer",
            path: "/dashboard",
            headers: bearer(valid),
            expect: 200,
            answer: Answer::User(user.to_owned()),
        },
        Kind {
            name: "expired-bearer",
            path: "/api/me",
            headers: bearer(expired),
            expect: 401,
            answer: Answer::Reason("session-token-expired-refresh-non-eligible-no-refresh-cookie"),
        },
        Kind {
            name: "forged-bearer",
            path: "/api/me",
            headers: bearer(&forged),
            expect: 401,
            answer: Answer::Reason("token-invalid-signature"),
        },
        Kind {
            name: "malformed-bearer",
            path: "/api/me",
            headers: bearer("not.a.jwt%%%"),
            expect: 401,
            answer: Answer::Reason("token-invalid"),
        },
        Kind {
            name: "page-no-session",
            path: "/dashboard",
            headers: vec![("sec-fetch-dest".into(), "document".into())],
            expect: 307,
            // DEMO is a development instance: no dev-browser token means a handshake first.
            answer: Answer::Location("https://clerk.demo-app.example.com/v1/client/handshake?"),
        },
        Kind {
            name: "oversized-cookie",
            path: "/api/me",
            headers: vec![(
                "cookie".into(),
                format!("__session={}", "x".repeat(70 * 1024)),
            )],
            expect: 400,
            answer: Answer::Reason("invalid-request"),
        },
    ]
}

/// Results of a run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Requests completed.
    pub requests: u64,
    /// Answers with an unexpected status.
    pub unexpected: u64,
    /// Transport errors.
    pub errors: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Latency percentiles in µs: p50, p90, p99, p99.9, max.
    pub percentiles: [u64; 5],
}

impl Report {
    /// Requests per second.
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `concurrency` connections against `addr` (must be a loopback address) for `duration`.
pub async fn run(
    addr: &str,
    duration: Duration,
    concurrency: usize,
    kinds: Vec<Kind>,
) -> Result<Report> {
    let sock: std::net::SocketAddr = addr.parse().context("--addr must be ip:port")?;
    if !sock.ip().is_loopback() {
        bail!("load is only ever sent to a loopback address, not {addr}");
    }
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for worker in 0..concurrency.max(1) {
        let kinds = kinds.clone();
        tasks.push(tokio::spawn(async move {
            worker_loop(sock, deadline, worker, kinds).await
        }));
    }
    let (mut lat, mut requests, mut unexpected, mut errors) = (Vec::new(), 0u64, 0u64, 0u64);
    for t in tasks {
        let (l, r, u, e) = t.await.context("worker")?;
        lat.extend(l);
        requests += r;
        unexpected += u;
        errors += e;
    }
    lat.sort_unstable();
    let pct = |p: f64| -> u64 {
        if lat.is_empty() {
            return 0;
        }
        let i = ((lat.len() as f64 - 1.0) * p).round() as usize;
        lat.get(i).copied().unwrap_or(0)
    };
    Ok(Report {
        requests,
        unexpected,
        errors,
        elapsed: started.elapsed(),
        percentiles: [
            pct(0.5),
            pct(0.9),
            pct(0.99),
            pct(0.999),
            lat.last().copied().unwrap_or(0),
        ],
    })
}

async fn worker_loop(
    addr: std::net::SocketAddr,
    deadline: Instant,
    worker: usize,
    kinds: Vec<Kind>,
) -> (Vec<u64>, u64, u64, u64) {
    let (mut lat, mut requests, mut unexpected, mut errors) = (Vec::new(), 0u64, 0u64, 0u64);
    let mut i = worker;
    'outer: while Instant::now() < deadline {
        let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
            errors += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let Ok((mut sender, conn)) =
            http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream)).await
        else {
            errors += 1;
            continue;
        };
        tokio::spawn(conn);
        while Instant::now() < deadline {
            let Some(kind) = kinds.get(i % kinds.len().max(1)) else {
                break 'outer;
            };
            i += 1;
            let mut b = hyper::Request::builder()
                .uri(kind.path)
                .header("host", addr.to_string());
            for (n, v) in &kind.headers {
                b = b.header(n.as_str(), v.as_str());
            }
            let Ok(req) = b.body(Empty::<Bytes>::new()) else {
                errors += 1;
                continue;
            };
            let t0 = Instant::now();
            match sender.send_request(req).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    let body = match resp.into_body().collect().await {
                        Ok(b) => b.to_bytes(),
                        Err(_) => Bytes::new(),
                    };
                    lat.push(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX));
                    requests += 1;
                    if status != kind.expect || !kind.answer.matches(&headers, &body) {
                        unexpected += 1;
                    }
                }
                Err(_) => {
                    errors += 1;
                    continue 'outer;
                }
            }
        }
    }
    (lat, requests, unexpected, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> hyper::HeaderMap {
        let mut h = hyper::HeaderMap::new();
        for (n, v) in pairs {
            h.append(*n, hyper::header::HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn an_answer_for_the_wrong_reason_does_not_match() {
        let user = Answer::User("user_load".into());
        assert!(user.matches(&headers(&[("x-clerk-user-id", "user_load")]), b""));
        assert!(!user.matches(&headers(&[("x-clerk-user-id", "user_other")]), b""));
        assert!(!user.matches(&headers(&[]), b"user_load"));

        let reason = Answer::Reason("token-invalid");
        assert!(reason.matches(
            &headers(&[]),
            br#"{"reason":"token-invalid","status":"signed-out"}"#
        ));
        assert!(!reason.matches(&headers(&[]), br#"{"reason":"token-invalid-signature"}"#));
        assert!(!reason.matches(&headers(&[]), b""));

        let location = Answer::Location("https://clerk.demo-app.example.com/v1/client/handshake?");
        assert!(location.matches(
            &headers(&[(
                "location",
                "https://clerk.demo-app.example.com/v1/client/handshake?x=1"
            )]),
            b""
        ));
        assert!(!location.matches(&headers(&[("location", "https://evil.example/")]), b""));
    }

    #[test]
    fn every_kind_of_the_mix_says_what_it_expects() {
        let kinds = mix("a.b.c", "d.e.f", "user_x");
        assert_eq!(kinds.len(), 7);
        assert!(kinds
            .iter()
            .filter(|k| k.expect == 200)
            .all(|k| k.answer == Answer::User("user_x".into())));
        assert!(kinds
            .iter()
            .filter(|k| k.expect != 200)
            .all(|k| !matches!(k.answer, Answer::User(_))));
    }
}
