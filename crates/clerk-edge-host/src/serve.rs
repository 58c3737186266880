//! Serving the `http-verifier` component over HTTP/1.1 on a local address: one fresh instance
//! per request from a pre-instantiated component (pooling allocator), like `wasmtime serve`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{anyhow, Context as _, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use wasmtime::component::Linker;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiBody, WasiHttpView as _};

use crate::{Host, InstanceOptions, State};

/// A response collected in memory (tests, `authenticate` subcommand).
#[derive(Debug, Clone)]
pub struct Collected {
    /// Status code.
    pub status: u16,
    /// Headers, lower-case names, in order.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// What the component wrote to stderr (when captured).
    pub stderr: String,
}

impl Collected {
    /// First value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).context("body is not JSON")
    }

    /// Reads a whole response (status, headers, body); `stderr` is left empty.
    pub(crate) async fn read(resp: hyper::Response<HyperOutgoingBody>) -> Result<Collected> {
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| anyhow!("reading body: {e:?}"))?
            .to_bytes()
            .to_vec();
        Ok(Collected {
            status,
            headers,
            body,
            stderr: String::new(),
        })
    }

    /// What a captured guest wrote to stderr (empty when not captured).
    pub(crate) fn stderr_of(pipe: Option<wasmtime_wasi::p2::pipe::MemoryOutputPipe>) -> String {
        pipe.map(|p| String::from_utf8_lossy(&p.contents()).into_owned())
            .unwrap_or_default()
    }
}

/// A response whose body the guest may still be writing.
pub struct Handled {
    /// The response; its body streams from the guest.
    pub response: hyper::Response<HyperOutgoingBody>,
    /// The guest's stderr, when captured (complete once `task` has finished).
    pub stderr: Option<wasmtime_wasi::p2::pipe::MemoryOutputPipe>,
    /// The guest's task: finishes after the body is written.
    pub task: tokio::task::JoinHandle<wasmtime::Result<()>>,
}

/// The HTTP server state: the pre-instantiated handler and instance settings.
#[derive(Clone)]
pub struct Server {
    pre: ProxyPre<State>,
    host: Host,
    opts: InstanceOptions,
}

impl Server {
    /// Prepares the handler component.
    pub fn new(host: &Host, opts: InstanceOptions) -> Result<Server> {
        let component = host.http_component()?;
        Self::with_component(host, component, opts)
    }

    /// Prepares any component exporting `wasi:http/incoming-handler`.
    pub fn with_component(
        host: &Host,
        component: &wasmtime::component::Component,
        opts: InstanceOptions,
    ) -> Result<Server> {
        let mut linker: Linker<State> = Linker::new(host.engine_ref());
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        let pre = ProxyPre::new(linker.instantiate_pre(component)?)?;
        Ok(Server {
            pre,
            host: host.clone(),
            opts,
        })
    }

    /// Handles one request in a fresh instance.
    pub async fn handle<B>(&self, req: hyper::Request<B>) -> Result<Handled>
    where
        B: hyper::body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let (mut store, pipe) = self.host.store(&self.opts);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let req = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        let pre = self.pre.clone();
        let task = tokio::task::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, req, out)
                .await
        });
        match receiver.await {
            // The guest may still be writing the body: it must be read while the task runs
            // (awaiting the task first would deadlock on bodies over the stream's buffer).
            Ok(Ok(response)) => Ok(Handled {
                response,
                stderr: pipe,
                task,
            }),
            Ok(Err(e)) => Err(anyhow!("component answered with an error code: {e:?}")),
            Err(_) => match task.await {
                Ok(Ok(())) => Err(anyhow!("component never set a response")),
                Ok(Err(e)) => Err(anyhow::Error::from(e).context("component trapped")),
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
    ) -> Result<Collected> {
        let mut b = hyper::Request::builder().method(method).uri(uri);
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        let req = b
            .body(
                Full::new(Bytes::new())
                    .map_err(|e: Infallible| -> wasmtime_wasi_http::Error { match e {} }),
            )
            .context("building request")?;
        let Handled {
            response: resp,
            stderr: pipe,
            task,
        } = self.handle(req).await?;
        let mut collected = Collected::read(resp).await?;
        // The whole body was read; now let the guest finish (its log line follows the body).
        let _ = task.await;
        collected.stderr = Collected::stderr_of(pipe);
        Ok(collected)
    }

    /// Serves HTTP/1.1 on `addr` until the process ends (or `shutdown` resolves).
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<()> {
        let server = Arc::new(self);
        serve_http1(listener, shutdown, move |req| {
            let server = server.clone();
            async move { Ok(server.handle(req).await?.response) }
        })
        .await
    }
}

/// Accepts HTTP/1.1 connections on `listener` until `shutdown` resolves; `handle` answers
/// each request, and an error becomes a 500 `{"status":"error","reason":"host-error"}`.
pub(crate) async fn serve_http1<F, Fut>(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
    handle: F,
) -> Result<()>
where
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<hyper::Response<WasiBody>>> + Send + 'static,
{
    let handle = Arc::new(handle);
    tokio::pin!(shutdown);
    loop {
        let (client, _addr): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
            accepted = listener.accept() => accepted?,
            () = &mut shutdown => return Ok(()),
        };
        let handle = handle.clone();
        tokio::task::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let response = handle(req);
                async move { Ok::<_, Infallible>(response.await.unwrap_or_else(host_error)) }
            });
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(client), service)
                .await;
        });
    }
}

/// The answer to a request the host failed to handle (the error goes to stderr).
fn host_error(e: anyhow::Error) -> hyper::Response<WasiBody> {
    eprintln!("clerk-edge-host: {e:#}");
    let body = Full::new(Bytes::from_static(
        b"{\"status\":\"error\",\"reason\":\"host-error\"}",
    ))
    .map_err(|e: Infallible| -> wasmtime_wasi_http::Error { match e {} })
    .boxed_unsync();
    let mut resp = hyper::Response::new(body);
    *resp.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
    resp
}
