//! The one tokio runtime that owns every listener and connection.
//!
//! On this 2-core machine the JS thread already keeps one core busy, so the
//! default is a single worker; `RHTTP_WORKER_THREADS` overrides it (the
//! benchmark picks the default, see benchmark/README.md).

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Runtime};

/// Default worker count, chosen by `npm run bench` on the reference machine.
pub const DEFAULT_WORKER_THREADS: usize = 1;

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    let workers = std::env::var("RHTTP_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or(DEFAULT_WORKER_THREADS);
    Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("rhttp-io")
        .enable_io()
        .enable_time()
        .build()
        .expect("rhttp: cannot start the tokio runtime")
});

/// The shared runtime, started on first use.
pub fn runtime() -> &'static Runtime {
    &RUNTIME
}
