//! `NativeClient`: the one event queue (and doorbell) for every client
//! connection of the process, and connecting. Argument conversion only.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use napi::bindgen_prelude::{Function, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

use super::batch::RawValue;
use super::js_callback::{doorbell_fn, set_ref, DoorbellFn, TsfnDoorbell};
use super::server::drain_events;
use crate::client::connect::{self, Target};
use crate::server::{ServerOptions, ServerShared};

/// Added to the errno of a socket that could not be made or bound, so JS
/// tells a `bind` error (net's, at once) from a connect's.
const BIND_FAILED: i64 = 1 << 32;

/// What `connectTcp` started.
#[napi(object)]
pub struct StartedConnect {
    /// The connection id, -22 (EINVAL) for a bad address, or
    /// `-(BIND_FAILED + errno)` when the socket cannot be made or bound.
    pub id: i64,
    /// `[address, family, port]` the socket is bound to: net's
    /// `localAddress` while connecting.
    pub local: Option<Vec<String>>,
}

#[napi]
pub struct NativeClient {
    shared: Arc<ServerShared>,
    doorbell: Arc<DoorbellFn>,
}

#[napi]
impl NativeClient {
    #[napi(constructor, catch_unwind)]
    pub fn new(on_events: Function<'_, (), Unknown<'static>>) -> Result<Self> {
        // Client connections run raw: no request parsing, no server timeouts.
        let options = ServerOptions {
            headers_timeout: None,
            request_timeout: None,
            ..ServerOptions::default()
        };
        let doorbell = Arc::new(doorbell_fn(on_events)?);
        let shared = Arc::new(ServerShared::new(
            options,
            Box::new(TsfnDoorbell(doorbell.clone())),
        ));
        Ok(NativeClient { shared, doorbell })
    }

    /// Connect to `ip:port` (a literal address: JS resolves names first, as
    /// net does).
    #[napi(catch_unwind)]
    pub fn connect_tcp(
        &self,
        ip: String,
        port: u32,
        local_address: Option<String>,
        local_port: Option<u32>,
        no_delay: bool,
    ) -> StartedConnect {
        let failed = |id| StartedConnect { id, local: None };
        let Ok(ip) = ip.parse::<IpAddr>() else {
            return failed(-22);
        };
        let local = match (local_address, local_port) {
            (None, None) => None,
            (addr, port) => {
                let unspecified = if ip.is_ipv4() { "0.0.0.0" } else { "::" };
                match addr.as_deref().unwrap_or(unspecified).parse::<IpAddr>() {
                    Ok(a) => Some(SocketAddr::new(a, port.unwrap_or(0) as u16)),
                    Err(_) => return failed(-22),
                }
            }
        };
        let addr = SocketAddr::new(ip, port as u16);
        match connect::start_tcp(addr, local, no_delay) {
            Ok(started) => {
                let local = started.local.map(|a| {
                    let family = if a.is_ipv4() { "IPv4" } else { "IPv6" };
                    vec![a.ip().to_string(), family.to_string(), a.port().to_string()]
                });
                let id = connect::connect(self.shared.clone(), Target::Tcp(started)) as i64;
                StartedConnect { id, local }
            }
            Err(e) => failed(-(BIND_FAILED + e.raw_os_error().unwrap_or(22) as i64)),
        }
    }

    /// `pad_abstract`: the running libuv pads abstract names (before 1.48).
    #[napi(catch_unwind)]
    pub fn connect_unix(&self, path: String, pad_abstract: bool) -> i64 {
        let target = Target::Unix { path, pad_abstract };
        connect::connect(self.shared.clone(), target) as i64
    }

    /// Whether client connections keep the event loop alive (core: a ref'd
    /// socket does, a pooled one is unref'd).
    #[napi(catch_unwind)]
    pub fn set_ref(&self, env: Env, on: bool) -> Result<()> {
        set_ref(&env, &self.doorbell, on)
    }

    /// Every waiting event, as `NativeServer::drain`.
    #[napi(catch_unwind)]
    pub fn drain(&self, env: Env) -> Result<RawValue> {
        drain_events(&env, &self.shared)
    }

    /// As `NativeServer::ring`, but always: JS may hold events of its own
    /// for the next turn.
    #[napi(catch_unwind)]
    pub fn ring(&self) {
        self.shared.events.ring();
    }
}
