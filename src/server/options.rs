//! Per-server settings, fixed when the server is created (core reads the
//! same options once, in `http.createServer`).

use std::time::Duration;

/// Core's defaults (DESIGN.md, "The contract").
pub const DEFAULT_MAX_HEADER_SIZE: usize = 16 * 1024;
pub const DEFAULT_HEADERS_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
pub const DEFAULT_BACKLOG: u32 = 511;

#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub max_header_size: usize,
    pub insecure_parser: bool,
    /// `None` disables the check, as 0 does in core.
    pub headers_timeout: Option<Duration>,
    pub request_timeout: Option<Duration>,
    pub no_delay: bool,
    /// TCP keep-alive on accepted sockets, with its initial delay.
    pub keep_alive: Option<Duration>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_header_size: DEFAULT_MAX_HEADER_SIZE,
            insecure_parser: false,
            headers_timeout: Some(DEFAULT_HEADERS_TIMEOUT),
            request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
            no_delay: true,
            keep_alive: None,
        }
    }
}
