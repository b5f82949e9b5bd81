//! Whether the JS thread hands its writes to the io thread.
//!
//! A write normally goes to the kernel on the JS thread (`try_write`): no
//! hand-off, the cheapest path while the JS thread has time to spare. When
//! the JS thread itself is the bottleneck (a framework's handler: Express
//! spends ~90 µs of JS per request), the kernel work of a send over
//! loopback, a fifth of that thread's time, is better done by the io
//! thread on another core: writes are queued and the connection task sends
//! them ("write-behind"). With spare JS time the hand-off costs more than
//! it saves (hello world, 4 headers, 4 KiB echo: −23 to −27 % req/s, even
//! with the JS thread as busy), so writes go behind only when the JS thread
//! is busy *and* spends long per write: its CPU time over wall time, and
//! per write made, sampled at event drains.

use std::cell::Cell;
use std::time::{Duration, Instant};

use napi_derive::napi;
use once_cell::sync::Lazy;

/// Shortest span one load sample covers.
const SAMPLE: Duration = Duration::from_millis(20);
/// Load (CPU time / wall time) above which writes go behind, and below
/// which they come back: apart, so the mode does not flap.
const BUSY: f64 = 0.92;
const NOT_BUSY: f64 = 0.80;
/// JS CPU time per write above which one io-thread wake-up per write costs
/// less than the send it takes off the JS thread, and below which writes
/// come back (measured without the send, so lower). A hello-world handler
/// that burns X µs of JS first, req/s forced behind vs direct (wrk -c50, 2
/// rounds): X = 3: −17 %, 6: −7 %, 10: +30 %, 15: +29 %, 25: +19 %, 50:
/// +12 %; per write that is ~17, ~23 and ~29 µs direct at X = 6, 10, 15.
/// The 4 KiB echo spends ~17 µs per write and lost 27 % forced behind, so
/// the switch sits above it. Express's hello world: ~90 µs.
const SLOW_WRITER: Duration = Duration::from_micros(25);
const FAST_WRITER: Duration = Duration::from_micros(18);
/// Samples in a row that must ask for writing behind (see `confirm`).
const CONFIRM: u8 = 2;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Policy {
    /// Follow the JS thread's load.
    Auto,
    Always,
    Never,
}

/// `RHTTP_WRITE_BEHIND=1|0` forces the mode (tests, A/B runs); with one
/// CPU there is no other core to hand the work to.
static POLICY: Lazy<Policy> = Lazy::new(|| {
    match std::env::var("RHTTP_WRITE_BEHIND").as_deref() {
        Ok("1") => return Policy::Always,
        Ok("0") => return Policy::Never,
        _ => {}
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cpus >= 2 {
        Policy::Auto
    } else {
        Policy::Never
    }
});

#[derive(Clone, Copy)]
struct Sample {
    wall: Instant,
    cpu: Duration,
    writes: u64,
}

thread_local! {
    static LAST: Cell<Option<Sample>> = const { Cell::new(None) };
    static BEHIND: Cell<bool> = const { Cell::new(false) };
    /// Samples in a row that asked for writing behind.
    static STREAK: Cell<u8> = const { Cell::new(0) };
    static WRITES: Cell<u64> = const { Cell::new(0) };
}

/// Called on the JS thread at every drain of an event queue.
pub fn on_drain() {
    if *POLICY != Policy::Auto {
        return;
    }
    let wall = Instant::now();
    let last = LAST.get();
    if let Some(last) = last {
        if wall.duration_since(last.wall) < SAMPLE {
            return;
        }
    }
    let Some(cpu) = thread_cpu_time() else {
        return;
    };
    let now = Sample {
        wall,
        cpu,
        writes: WRITES.get(),
    };
    LAST.set(Some(now));
    if let Some(last) = last {
        let wants = next_mode(BEHIND.get(), last, now);
        let (behind, streak) = confirm(BEHIND.get(), wants, STREAK.get());
        BEHIND.set(behind);
        STREAK.set(streak);
    }
}

/// Going behind takes `CONFIRM` samples in a row asking for it: start-up
/// (loading, compiling) and a GC pause each look busy and slow per write
/// for one sample. Coming back takes one.
fn confirm(behind: bool, wants: bool, streak: u8) -> (bool, u8) {
    if behind || !wants {
        return (wants, 0);
    }
    let streak = streak + 1;
    if streak >= CONFIRM {
        (true, 0)
    } else {
        (false, streak)
    }
}

/// Whether a write made now on this thread goes through the io thread
/// (counted: call once per write).
pub fn write_behind() -> bool {
    WRITES.set(WRITES.get().wrapping_add(1));
    write_behind_active()
}

/// Whether writes go behind now, without counting a write (an uncork, whose
/// writes were counted as they were corked; tests).
#[napi(catch_unwind)]
pub fn write_behind_active() -> bool {
    match *POLICY {
        Policy::Auto => BEHIND.get(),
        Policy::Always => true,
        Policy::Never => false,
    }
}

fn load(from: Sample, to: Sample) -> f64 {
    let wall = to.wall.duration_since(from.wall).as_secs_f64();
    let cpu = to.cpu.saturating_sub(from.cpu).as_secs_f64();
    if wall > 0.0 {
        cpu / wall
    } else {
        0.0
    }
}

/// JS CPU time per write over the span; `None` when nothing was written.
fn cpu_per_write(from: Sample, to: Sample) -> Option<Duration> {
    let writes = to.writes.wrapping_sub(from.writes);
    let cpu = to.cpu.saturating_sub(from.cpu);
    match u32::try_from(writes) {
        Ok(0) => None,
        Ok(n) => Some(cpu / n),
        Err(_) => Some(Duration::ZERO),
    }
}

fn next_mode(behind: bool, from: Sample, to: Sample) -> bool {
    let load = load(from, to);
    // A span without writes says nothing about what they cost.
    let Some(per_write) = cpu_per_write(from, to) else {
        return behind;
    };
    if behind {
        load >= NOT_BUSY && per_write >= FAST_WRITER
    } else {
        load > BUSY && per_write > SLOW_WRITER
    }
}

/// CPU time of the calling thread (a syscall: sampled, not per call).
#[cfg(unix)]
fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 20 ms in which the thread ran `busy_ms` and wrote `writes` times.
    fn span(busy_ms: u64, writes: u64) -> (Sample, Sample) {
        let wall = Instant::now();
        let from = Sample {
            wall,
            cpu: Duration::from_millis(500),
            writes: 1000,
        };
        let to = Sample {
            wall: wall + Duration::from_millis(20),
            cpu: from.cpu + Duration::from_millis(busy_ms),
            writes: from.writes + writes,
        };
        (from, to)
    }

    #[test]
    fn writes_go_behind_only_when_busy_and_slow_per_write() {
        // Busy, 100 µs per write (a framework's handler).
        let (a, b) = span(19, 190);
        assert!(next_mode(false, a, b));
        // Busy, 10 µs per write (a bare handler): the hand-off would cost more.
        let (a, b) = span(19, 1900);
        assert!(!next_mode(false, a, b));
        // Slow per write but not busy.
        let (a, b) = span(10, 100);
        assert!(!next_mode(false, a, b));
        // Nothing written (a long computation): the mode stays.
        let (a, b) = span(20, 0);
        assert!(!next_mode(false, a, b));
        assert!(next_mode(true, a, b));
    }

    #[test]
    fn mode_switches_back_with_hysteresis() {
        // Between the two thresholds the mode stays as it is.
        let (a, b) = span(17, 170);
        assert!(next_mode(true, a, b));
        assert!(!next_mode(false, a, b));
        let (a, b) = span(19, 19 * 1000 / 21);
        assert!(next_mode(true, a, b));
        assert!(!next_mode(false, a, b));
        // Below either, writes come back to the JS thread.
        let (a, b) = span(14, 140);
        assert!(!next_mode(true, a, b));
        let (a, b) = span(19, 1900);
        assert!(!next_mode(true, a, b));
    }

    #[test]
    fn going_behind_takes_two_samples_in_a_row_coming_back_one() {
        assert_eq!(confirm(false, true, 0), (false, 1));
        assert_eq!(confirm(false, true, 1), (true, 0));
        // A sample that does not ask for it starts the count again.
        assert_eq!(confirm(false, false, 1), (false, 0));
        assert_eq!(confirm(true, true, 0), (true, 0));
        assert_eq!(confirm(true, false, 0), (false, 0));
    }

    #[test]
    fn load_is_cpu_over_wall_time() {
        let (a, b) = span(15, 0);
        assert!((load(a, b) - 0.75).abs() < 1e-9);
        assert_eq!(load(a, a), 0.0);
    }

    /// This thread's load while it runs `f`.
    fn load_of(f: impl FnOnce()) -> f64 {
        let sample = || Sample {
            wall: Instant::now(),
            cpu: thread_cpu_time().unwrap(),
            writes: 0,
        };
        let from = sample();
        f();
        load(from, sample())
    }

    #[test]
    fn a_busy_thread_measures_busy() {
        let busy = load_of(|| {
            let t0 = Instant::now();
            while t0.elapsed() < Duration::from_millis(30) {
                std::hint::black_box(0u64);
            }
        });
        assert!(busy > 0.5, "a spinning thread measured {busy}");
        let idle = load_of(|| std::thread::sleep(Duration::from_millis(30)));
        assert!(idle < 0.5, "a sleeping thread measured {idle}");
    }
}
