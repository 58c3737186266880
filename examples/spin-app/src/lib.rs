//! Example Spin app: the edge version of a protected Remix route (`rootAuthLoader` + `getAuth`).
//!
//! It imports `clerk-edge:auth/verify-session` — supplied by the clerk-edge verifier component,
//! wired in as a Spin component dependency (`spin.toml`) or composed with `wac plug` — and asks
//! it about every request:
//! - signed in: a page with the user, session and organization (`200`, HTML);
//! - handshake: Clerk's `307` to refresh the session (with its headers);
//! - signed out: a `307` to the sign-in URL (`redirect_url` = this page);
//! - a request that cannot be decided: `400`/`500` with the reason.
#![cfg(target_arch = "wasm32")]

mod bindings {
    #![allow(
        unsafe_code,
        missing_docs,
        unreachable_pub,
        clippy::all,
        reason = "generated bindings"
    )]
    wit_bindgen::generate!({
        path: ["../../wit", "wit"],
        world: "example:clerk-spin-app/app",
        generate_all,
    });
    use super::App;
    export!(App with_types_in self);
}

use bindings::clerk_edge::auth::types::{AuthStatus, Header, Request, Session};
use bindings::clerk_edge::auth::verify_session::{authenticate, sign_in_url};
use bindings::exports::wasi::http::incoming_handler::Guest;
use bindings::wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam, Scheme,
};

struct App;

impl Guest for App {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let req = to_clerk_request(&request);
        let state = authenticate(&req);
        let signed_in = state.status == AuthStatus::SignedIn
            && state.session.as_ref().is_some_and(|s| s.is_authenticated);
        // Clerk's headers (Set-Cookie of a resolved handshake, x-clerk-auth-*, location) go on
        // every answer, as Clerk's Remix loader does.
        let clerk_headers = state
            .headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()));
        // Clerk's own redirect first (handshake, or the clean-up after a development
        // handshake), as Clerk's loaders do: whatever the status, follow its `location`.
        if state.headers.iter().any(|h| h.name == "location") {
            respond(out, 307, &clerk_headers.collect::<Vec<_>>(), b"");
            return;
        }
        match (&state.status, &state.session) {
            (AuthStatus::SignedIn, Some(session)) if signed_in => {
                let page = signed_in_page(session);
                let mut headers = vec![
                    ("content-type", "text/html; charset=utf-8"),
                    ("cache-control", "private, no-store"),
                ];
                headers.extend(clerk_headers.filter(|(n, _)| *n != "cache-control"));
                respond(out, 200, &headers, page.as_bytes());
            }
            (AuthStatus::Error, _) => {
                let reason = state.reason.as_deref().unwrap_or("error");
                let status = if reason == "invalid-request" {
                    400
                } else {
                    500
                };
                let text = format!("cannot decide this request: {reason}\n");
                respond(
                    out,
                    status,
                    &[("content-type", "text/plain")],
                    text.as_bytes(),
                );
            }
            // Signed out (a pending session counts as signed out): to the sign-in page.
            _ => match sign_in_url(&req) {
                Some(location) => {
                    let mut headers: Vec<(&str, &str)> = clerk_headers.collect();
                    headers.push(("location", &location));
                    respond(out, 307, &headers, b"");
                }
                None => {
                    let reason = state.reason.as_deref().unwrap_or("signed-out");
                    let text = format!("signed out: {reason}\n");
                    respond(out, 401, &[("content-type", "text/plain")], text.as_bytes());
                }
            },
        }
    }
}

/// The request as the verifier wants it: method, absolute URL, headers.
fn to_clerk_request(request: &IncomingRequest) -> Request {
    let headers: Vec<Header> = request
        .headers()
        .entries()
        .into_iter()
        // Security: the edge runtime is the first hop here, so client-sent X-Forwarded-*
        // must not decide the URL the session is checked (and redirects are built) for.
        .filter(|(name, _)| !name.to_ascii_lowercase().starts_with("x-forwarded-"))
        .map(|(name, value)| Header {
            name,
            value: String::from_utf8_lossy(&value).into_owned(),
        })
        .collect();
    let scheme = match request.scheme() {
        Some(Scheme::Http) => "http".to_owned(),
        Some(Scheme::Other(s)) => s,
        Some(Scheme::Https) | None => "https".to_owned(),
    };
    let host = request
        .authority()
        .filter(|a| !a.is_empty())
        .or_else(|| {
            headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("host"))
                .map(|h| h.value.clone())
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let path = request.path_with_query().unwrap_or_else(|| "/".to_owned());
    let method = match request.method() {
        Method::Get => "GET".to_owned(),
        Method::Head => "HEAD".to_owned(),
        Method::Post => "POST".to_owned(),
        Method::Put => "PUT".to_owned(),
        Method::Delete => "DELETE".to_owned(),
        Method::Connect => "CONNECT".to_owned(),
        Method::Options => "OPTIONS".to_owned(),
        Method::Trace => "TRACE".to_owned(),
        Method::Patch => "PATCH".to_owned(),
        Method::Other(m) => m,
    };
    Request {
        method,
        url: format!("{scheme}://{host}{path}"),
        headers,
    }
}

fn signed_in_page(session: &Session) -> String {
    let field = |v: Option<&str>| escape(v.unwrap_or("—"));
    let org = session.organization.as_ref();
    format!(
        "<!doctype html>\n<title>Dashboard</title>\n<h1>Signed in</h1>\n<dl>\n\
         <dt>User</dt><dd id=\"user\">{}</dd>\n\
         <dt>Session</dt><dd id=\"session\">{}</dd>\n\
         <dt>Organization</dt><dd id=\"org\">{}</dd>\n\
         <dt>Slug</dt><dd id=\"org-slug\">{}</dd>\n\
         <dt>Role</dt><dd id=\"org-role\">{}</dd>\n</dl>\n",
        field(session.user_id.as_deref()),
        field(session.session_id.as_deref()),
        field(org.map(|o| o.id.as_str())),
        field(org.and_then(|o| o.slug.as_deref())),
        field(org.and_then(|o| o.role.as_deref())),
    )
}

/// HTML text escaping: ids come from a verified token, but the page must not trust them.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn respond(out: ResponseOutparam, status: u16, headers: &[(&str, &str)], body: &[u8]) {
    let fields = Fields::new();
    for (name, value) in headers {
        // A value the runtime refuses is skipped: never a trap.
        let _ = fields.append(name, value.as_bytes());
    }
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(status);
    let outgoing = response.body();
    ResponseOutparam::set(out, Ok(response));
    if let Ok(outgoing) = outgoing {
        if let Ok(stream) = outgoing.write() {
            for chunk in body.chunks(4096) {
                if stream.blocking_write_and_flush(chunk).is_err() {
                    break;
                }
            }
            drop(stream);
        }
        let _ = OutgoingBody::finish(outgoing, None);
    }
}
