//! `clerk-edge`: native command line for the core.
//!
//! - `clerk-edge conformance < cases.jsonl > results.jsonl` runs conformance cases.
//! - `clerk-edge demo` authenticates a few demo requests with the embedded demo configuration.

use std::io::{BufRead, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("conformance") => conformance(),
        Some("demo") | None => demo::run(),
        Some(other) => {
            eprintln!("unknown command {other:?}; use `conformance` or `demo`");
            ExitCode::from(2)
        }
    }
}

fn conformance() -> ExitCode {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let Ok(line) = line else {
            eprintln!("stdin is not UTF-8 text");
            return ExitCode::FAILURE;
        };
        if let Some(result) = clerk_edge::conformance::run_line(&line) {
            if writeln!(out, "{result}").is_err() {
                return ExitCode::FAILURE;
            }
        }
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

mod demo;
