//! Serving WASI 0.3 (p3) HTTP components: anything exporting `wasi:http/handler@0.3.0`
//! (world `wasi:http/service@0.3.0`), one fresh instance per request from a pre-instantiated
//! component, like [`crate::serve::Server`] does for `wasi:http/incoming-handler@0.2`.
//!
//! The linker holds both generations of WASI: the p2 interfaces (`wasi:cli@0.2.x`,
//! `wasi:clocks@0.2.x`, ..., `wasi:http@0.2.x`) that Rust std on `wasm32-wasip2` imports, and
//! the p3 ones (`wasi:cli@0.3.0`, ..., `wasi:http@0.3.0`). Stores come from [`Host::store`], so
//! the environment (`CLERK_*`), the fixed clock, stderr capture and the egress refusal are the
//! same as on the p2 path: `wasi:http/client#send` goes through the same
//! [`crate::DenyEgress`] hook and answers `HTTP-request-denied`, and no socket address is
//! allowed.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::{anyhow, Context as _, Result};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::oneshot;
use wasmtime::component::{Component, Linker};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi_http::p3::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::p3::bindings::ServicePre;
use wasmtime_wasi_http::{WasiBody, WasiHttpView as _};

use crate::serve::Collected;
use crate::{Host, InstanceOptions, State};

/// How long the guest may keep running (logging, trailers) after its response body has ended.
const AFTER_BODY_GRACE: Duration = Duration::from_secs(5);

/// A response from a p3 handler whose body the guest may still be writing.
pub struct P3Handled {
    /// The response; its body streams from the guest.
    pub response: http::Response<WasiBody>,
    /// The guest's stderr, when captured (complete once `task` has finished).
    pub stderr: Option<MemoryOutputPipe>,
    /// Drives the instance: finishes once the body has been read (or dropped) and the guest's
    /// tasks have exited (at most five seconds after the body ended).
    pub task: tokio::task::JoinHandle<Result<()>>,
}

/// A pre-instantiated `wasi:http/service@0.3.0` component and the instance settings.
#[derive(Clone)]
pub struct P3Server {
    pre: ServicePre<State>,
    host: Host,
    opts: InstanceOptions,
}

impl P3Server {
    /// The linker: p2 WASI and `wasi:http@0.2`, p3 WASI and `wasi:http@0.3.0`.
    pub fn linker(host: &Host) -> Result<Linker<State>> {
        let mut linker: Linker<State> = Linker::new(host.engine_ref());
        let linked = |r: wasmtime::Result<()>, what: &str| {
            r.map_err(anyhow::Error::from)
                .with_context(|| format!("linking {what}"))
        };
        linked(
            wasmtime_wasi::p2::add_to_linker_async(&mut linker),
            "WASI 0.2",
        )?;
        linked(
            wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker),
            "wasi:http 0.2",
        )?;
        linked(wasmtime_wasi::p3::add_to_linker(&mut linker), "WASI 0.3")?;
        linked(
            wasmtime_wasi_http::p3::add_to_linker(&mut linker),
            "wasi:http 0.3",
        )?;
        Ok(linker)
    }

    /// Prepares a component exporting `wasi:http/handler@0.3.0`.
    pub fn with_component(
        host: &Host,
        component: &Component,
        opts: InstanceOptions,
    ) -> Result<P3Server> {
        let linker = Self::linker(host)?;
        let pre = linker
            .instantiate_pre(component)
            .map_err(anyhow::Error::from)
            .context("linking the component (p2 + p3 WASI)")?;
        let pre = ServicePre::new(pre)
            .map_err(anyhow::Error::from)
            .context("the component does not export wasi:http/handler@0.3.0")?;
        Ok(P3Server {
            pre,
            host: host.clone(),
            opts,
        })
    }

    /// Compiles and prepares the component at `path`.
    pub fn from_file(
        host: &Host,
        path: &std::path::Path,
        opts: InstanceOptions,
    ) -> Result<P3Server> {
        let component = Component::from_file(host.engine_ref(), path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compiling {}", path.display()))?;
        Self::with_component(host, &component, opts)
    }

    /// Handles one request in a fresh instance; the response body streams from the guest.
    ///
    /// A URI without an authority takes the `host` header's (as the p2 path does); one
    /// without a scheme is `http`.
    pub async fn handle<B>(&self, req: http::Request<B>) -> Result<P3Handled>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let req = absolute(req)?;
        let (mut store, pipe) = self.host.store(&self.opts);
        let (request, request_io) =
            wasmtime_wasi_http::p3::Request::from_http(store.data_mut().http().hooks, req);
        let pre = self.pre.clone();
        let (tx, rx) = oneshot::channel::<Result<http::Response<WasiBody>>>();
        let task = tokio::task::spawn(async move {
            let service = pre
                .instantiate_async(&mut store)
                .await
                .map_err(anyhow::Error::from)
                .context("instantiating")?;
            store
                .run_concurrent(async move |acc| -> Result<()> {
                    let res = match service.handle(acc, request).await {
                        Ok(Ok(res)) => res,
                        Ok(Err(code)) => {
                            let _ = tx.send(Err(error_code(&code)));
                            return Ok(());
                        }
                        Err(e) => {
                            let e = anyhow::Error::from(e).context("component trapped");
                            let _ = tx.send(Err(anyhow!("{e:#}")));
                            return Err(e);
                        }
                    };
                    let res = acc
                        .with(|mut access| res.into_http(&mut access, request_io))
                        .map_err(anyhow::Error::from)
                        .context("converting the response")?;
                    let (ended_tx, ended_rx) = oneshot::channel();
                    let res = res.map(|body| {
                        NotifyOnEnd {
                            inner: body,
                            ended: Some(ended_tx),
                        }
                        .boxed_unsync()
                    });
                    if tx.send(Ok(res)).is_err() {
                        return Ok(());
                    }
                    // Keep the event loop running while the body is read (the guest writes it),
                    // then let the guest finish what follows (a log line, trailers).
                    let _ = ended_rx.await;
                    let _ = tokio::time::timeout(
                        AFTER_BODY_GRACE,
                        std::future::poll_fn(|cx| acc.poll_no_interesting_tasks(cx)),
                    )
                    .await;
                    Ok(())
                })
                .await
                .map_err(anyhow::Error::from)?
        });
        match rx.await {
            Ok(Ok(response)) => Ok(P3Handled {
                response,
                stderr: pipe,
                task,
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => match task.await {
                Ok(Ok(())) => Err(anyhow!("component never answered")),
                Ok(Err(e)) => Err(e),
                Err(e) => Err(anyhow!("handler task failed: {e}")),
            },
        }
    }

    /// Sends a request through the handler and collects the whole response.
    pub async fn request(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Collected> {
        let mut b = http::Request::builder().method(method).uri(uri);
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        let req = b
            .body(
                Full::new(Bytes::from(body))
                    .map_err(|e: Infallible| -> wasmtime_wasi_http::Error { match e {} }),
            )
            .context("building request")?;
        let P3Handled {
            response,
            stderr: pipe,
            task,
        } = self.handle(req).await?;
        let mut collected = Collected::read(response).await?;
        // The whole body was read; now let the guest finish (a log line may follow the body).
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e.context("after the response body")),
            Err(e) => return Err(anyhow!("handler task failed: {e}")),
        }
        collected.stderr = Collected::stderr_of(pipe);
        Ok(collected)
    }

    /// Serves HTTP/1.1 on `listener` until `shutdown` resolves: one fresh instance per
    /// request, its response body streamed to the client while the guest writes it.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<()> {
        let server = Arc::new(self);
        crate::serve::serve_http1(listener, shutdown, move |req| {
            let server = server.clone();
            async move {
                let P3Handled { response, task, .. } = server.handle(req).await?;
                // The instance's task writes the body while hyper reads it, and ends once the
                // body has been read or dropped: never await it before answering (a body over
                // the stream's buffer would deadlock). It runs on its own; watch it only to
                // report a failure after the response.
                tokio::task::spawn(async move {
                    match task.await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => eprintln!("clerk-edge-host: after the response: {e:#}"),
                        Err(e) => eprintln!("clerk-edge-host: handler task failed: {e}"),
                    }
                });
                Ok(response)
            }
        })
        .await
    }
}

/// The error for a handler that answered `Err(error-code)`.
fn error_code(code: &ErrorCode) -> anyhow::Error {
    anyhow!("component answered with an error code: {code:?}")
}

/// Gives a relative URI the `host` header's authority and the `http` scheme.
fn absolute<B>(req: http::Request<B>) -> Result<http::Request<B>> {
    let (mut parts, body) = req.into_parts();
    if parts.uri.authority().is_none() || parts.uri.scheme().is_none() {
        let authority = match parts.uri.authority() {
            Some(a) => a.as_str().to_owned(),
            None => parts
                .headers
                .get(http::header::HOST)
                .context("invalid HTTP request: no authority in the URI and no host header")?
                .to_str()
                .context("host header is not text")?
                .to_owned(),
        };
        let path = parts
            .uri
            .path_and_query()
            .map_or("/", http::uri::PathAndQuery::as_str)
            .to_owned();
        parts.uri = http::Uri::builder()
            .scheme(
                parts
                    .uri
                    .scheme()
                    .cloned()
                    .unwrap_or(http::uri::Scheme::HTTP),
            )
            .authority(authority)
            .path_and_query(path)
            .build()
            .context("building the request URI")?;
    }
    Ok(http::Request::from_parts(parts, body))
}

/// A response body that reports when it has ended or was dropped (the instance's event loop
/// must keep running until then: the guest writes the body from inside it).
struct NotifyOnEnd {
    inner: WasiBody,
    ended: Option<oneshot::Sender<()>>,
}

impl Body for NotifyOnEnd {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            if let Some(tx) = self.ended.take() {
                let _ = tx.send(());
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "test")]

    use std::path::PathBuf;

    use super::*;

    /// The hello-p3 component: `$HELLO_P3_WASM`, else the first that exists of
    /// `<dist>/hello_p3.wasm`, the workspace build and the standalone build.
    fn hello_p3() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("HELLO_P3_WASM") {
            return Some(PathBuf::from(p)).filter(|p| p.exists());
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let release = "wasm32-wasip2/release/hello_p3.wasm";
        [
            crate::dist_dir().join("hello_p3.wasm"),
            root.join("target").join(release),
            root.join("crates/hello-p3/target").join(release),
        ]
        .into_iter()
        .find(|p| p.exists())
    }

    // A current-thread runtime (as the integration tests use): the instance's event loop runs
    // in a spawned task on the same thread as the caller reading the body.
    #[tokio::test(flavor = "current_thread")]
    async fn serves_hello_p3() {
        let Some(path) = hello_p3() else {
            eprintln!(
                "skipped: hello_p3.wasm not found (build crates/hello-p3 for wasm32-wasip2, \
                 or set HELLO_P3_WASM)"
            );
            return;
        };
        let host = Host {
            engine: Host::engine().unwrap(),
            verifier: None,
            http: None,
            verifier_pre: None,
        };
        let opts = InstanceOptions {
            env: vec![("CLERK_TEST".into(), "1".into())],
            clock_ms: Some(1_700_000_000_000),
            capture_stderr: true,
            ..InstanceOptions::default()
        };
        let server = P3Server::from_file(&host, &path, opts).unwrap();
        let resp = server
            .request(
                "GET",
                "http://localhost/x?q=1",
                &[
                    ("x-clerk-user-id", "u"),
                    ("x-auth-request-user", "someone"),
                    ("x-other", "not shown"),
                ],
                Vec::new(),
            )
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&resp.body).into_owned();
        eprintln!("{} {:?}\n{body}", resp.status, resp.headers);
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("x-hello"), Some("p3"));
        assert_eq!(resp.header("content-type"), Some("text/plain"));
        assert!(body.contains("GET /x"), "{body}");
        assert!(body.contains("x-clerk-user-id: u"), "{body}");
        assert!(body.contains("x-auth-request-user: someone"), "{body}");
        assert!(!body.contains("x-other"), "{body}");

        // A relative URI takes the host header's authority (what a hyper server hands over).
        let resp = server
            .request(
                "POST",
                "/y",
                &[("host", "example.test")],
                b"ignored".to_vec(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status, 200);
        assert!(String::from_utf8_lossy(&resp.body).contains("POST /y"));

        // Many instances in a row (the pooling allocator recycles slots).
        for _ in 0..20 {
            let r = server.request("GET", "http://h/z", &[], Vec::new()).await;
            assert_eq!(r.unwrap().status, 200);
        }
    }

    // `run` over real TCP: a hyper client sends one GET, the body streams back.
    #[tokio::test(flavor = "current_thread")]
    async fn runs_hello_p3_over_tcp() {
        let Some(path) = hello_p3() else {
            eprintln!("skipped: hello_p3.wasm not found (see serves_hello_p3)");
            return;
        };
        let host = Host {
            engine: Host::engine().unwrap(),
            verifier: None,
            http: None,
            verifier_pre: None,
        };
        let server = P3Server::from_file(&host, &path, InstanceOptions::default()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = tokio::task::spawn(server.run(listener, async {
            let _ = stopped.await;
        }));

        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(wasmtime_wasi_http::io::TokioIo::new(stream))
                .await
                .unwrap();
        let conn = tokio::task::spawn(conn);
        let req = http::Request::get("/")
            .header(http::header::HOST, addr.to_string())
            .body(http_body_util::Empty::<Bytes>::new())
            .unwrap();
        let resp = sender.send_request(req).await.unwrap();
        let status = resp.status();
        let hello = resp.headers().get("x-hello").cloned();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&body).into_owned();
        eprintln!("{status} x-hello: {hello:?}\n{body}");
        assert_eq!(status, 200);
        assert_eq!(hello.as_ref().map(|v| v.as_bytes()), Some(&b"p3"[..]));
        assert!(body.starts_with("hello from p3: GET /"), "{body}");

        drop(sender);
        conn.await.unwrap().unwrap();
        stop.send(()).unwrap();
        serving.await.unwrap().unwrap();
    }
}
