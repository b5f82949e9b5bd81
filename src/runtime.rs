//! The one tokio runtime that owns every listener and connection.
//!
//! On this 2-core machine the JS thread already keeps one core busy, so the
//! default is a single worker; `RHTTP_WORKER_THREADS` overrides it (the
//! benchmark picks the default, see benchmark/README.md).
//!
//! One worker is tokio's current-thread scheduler on a thread of ours: it
//! runs woken tasks first in, first out, as libuv runs ready handles. The
//! multi-thread scheduler runs the task woken last first (its LIFO slot),
//! so of two connections that became readable together the later one's
//! request reached JS first in a third of the runs, where core always
//! keeps their order (socket.io's polling client depends on it).

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Runtime};

/// Default worker count, chosen by `npm run bench` on the reference machine.
pub const DEFAULT_WORKER_THREADS: usize = 1;

const THREAD_NAME: &str = "rhttp-io";

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    let workers = std::env::var("RHTTP_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or(DEFAULT_WORKER_THREADS);
    let mut builder = if workers == 1 {
        Builder::new_current_thread()
    } else {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(workers).thread_name(THREAD_NAME);
        b
    };
    builder
        .enable_io()
        .enable_time()
        .build()
        .expect("rhttp: cannot start the tokio runtime")
});

/// The shared runtime, started on first use.
pub fn runtime() -> &'static Runtime {
    static DRIVER: Lazy<()> = Lazy::new(|| {
        let rt: &'static Runtime = &RUNTIME;
        if rt.handle().runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
            // The current-thread scheduler runs its tasks and drivers only
            // inside `block_on`: this thread does that for the process's life.
            std::thread::Builder::new()
                .name(THREAD_NAME.into())
                .spawn(move || rt.block_on(std::future::pending::<()>()))
                .expect("rhttp: cannot start the io thread");
        }
    });
    Lazy::force(&DRIVER);
    &RUNTIME
}
