//! Component composition: `wac plug` as a library call (and the `plug` subcommand).
//!
//! [`plug`] does what `wac plug --plug P1 [--plug P2]... SOCKET` (wac-cli, built on the same
//! `wac-graph` 0.12) does: every export of a plug whose name matches an import of the socket
//! (exactly, or a semver-compatible version of it) and whose type is a subtype of that import
//! satisfies it; the socket's other imports stay imports of the result, and all the socket's
//! exports are exported. The output is validated before it is returned.

use anyhow::{Context as _, Result};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

/// Plugs the exports of `plugs` into the imports of `socket`; returns the composed component.
///
/// Fails when an input is not a component, when no plug export matches any socket import
/// (as `wac plug` does), or when the composition does not validate.
pub fn plug(socket: &[u8], plugs: &[&[u8]]) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes("socket", None, socket, graph.types_mut())
        .context("reading the socket component")?;
    let socket = graph
        .register_package(socket)
        .context("registering the socket component")?;
    let mut ids = Vec::with_capacity(plugs.len());
    for (i, bytes) in plugs.iter().enumerate() {
        let name = format!("plug{i}");
        let package = Package::from_bytes(&name, None, *bytes, graph.types_mut())
            .with_context(|| format!("reading plug #{} (of {})", i + 1, plugs.len()))?;
        ids.push(
            graph
                .register_package(package)
                .with_context(|| format!("registering plug #{}", i + 1))?,
        );
    }
    wac_graph::plug(&mut graph, ids, socket).context("plugging")?;
    graph
        .encode(EncodeOptions::default())
        .context("encoding the composed component")
}
