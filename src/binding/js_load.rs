//! Whether the JS thread hands its writes to the io thread.
//!
//! A write normally goes to the kernel on the JS thread (`try_write`): no
//! hand-off, the cheapest path while the JS thread has time to spare. When
//! the JS thread itself is the bottleneck (a framework's handler: Express
//! spends ~80 µs of JS per request; a client's request loop), the kernel
//! work of a send over loopback (~6 µs) is better done by the io thread on
//! another core: writes are queued and the connection task sends them
//! ("write-behind"). With spare JS time, or little JS per write, the
//! hand-off costs more than it saves (hello world, 4 headers, 4 KiB echo:
//! −23 to −27 % req/s forced behind), so writes go behind only when the JS
//! thread is busy *and* spends long per write, sampled at event drains;
//! and a switch is a trial, kept only if writes per second rose.

use std::cell::Cell;
use std::time::{Duration, Instant};

use napi_derive::napi;
use once_cell::sync::Lazy;

/// Shortest span one load sample covers.
const SAMPLE: Duration = Duration::from_millis(20);
/// Load (CPU time / wall time) above which writes go behind, and below
/// which they come back: apart, so the mode does not flap.
const BUSY: f64 = 0.80;
const NOT_BUSY: f64 = 0.65;
/// JS CPU time per write, the write calls left out, above which one
/// io-thread wake-up per write costs less than the send it takes off the
/// JS thread, and below which writes come back. A hello-world handler that
/// burns X µs of JS first (wrk -c50), forced behind vs direct: X = 3:
/// −17 %, 6: −14 %, 8: +5 %, 10: +37 %, 15: +29 %; that is ~7.4, ~12.5,
/// ~13 and ~14.7 µs per write at X = 3, 6, 8, 10. The 4 KiB echo spends
/// ~12 µs and lost 27 % forced behind; a client's keep-alive GETs ~16 µs
/// and gain 13 %; Express's hello world ~80 µs. The direct send itself is
/// ~6 µs over loopback.
const SLOW_WRITER: Duration = Duration::from_micros(14);
const FAST_WRITER: Duration = Duration::from_micros(12);
/// A thread's first writes run cold code: a bare handler's JS per write
/// falls from ~70 µs to ~5 µs over its first ~8,000 responses as V8
/// compiles it, which looks like a slow writer (a pipelined bare handler
/// went behind at start-up on a loaded machine). No verdict before then.
const WARM_UP_WRITES: u64 = 8_000;
/// Fewer writes than this in a sample say too little about their cost (a
/// GC pause, a burst of new connections); at 1 ms of JS per write the send
/// is under 1 % of it and going behind cannot pay anyway.
const MIN_SAMPLE_WRITES: u64 = 20;
/// Samples in a row that must ask for writing behind (see `confirm`).
const CONFIRM: u8 = 2;
/// A switch to writing behind is a trial (see `Trial`): the samples it
/// skips (the hand-over) and judges, the gain in writes per second it must
/// show, and how long direct writes then hold before the next trial
/// (doubling after each failed one).
const TRIAL_SKIP: u8 = 1;
const TRIAL_SAMPLES: u8 = 3;
const TRIAL_GAIN: f64 = 1.03;
const MIN_HOLD: Duration = Duration::from_secs(1);
const MAX_HOLD: Duration = Duration::from_secs(60);
/// Writing behind is tried the other way this often (a trial of direct
/// writes): a trial's verdict can be noise, and the load can change.
const RECHECK: Duration = Duration::from_secs(2);

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
    /// Time spent in the write calls themselves (the send, or the queueing).
    in_writes: Duration,
}

thread_local! {
    static LAST: Cell<Option<Sample>> = const { Cell::new(None) };
    static BEHIND: Cell<bool> = const { Cell::new(false) };
    /// Samples in a row that asked for writing behind.
    static STREAK: Cell<u8> = const { Cell::new(0) };
    static WRITES: Cell<u64> = const { Cell::new(0) };
    static IN_WRITES: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    /// A direct write's cost (the send), as last measured.
    static SEND_COST: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    /// Writes per second of the last two samples outside trials.
    static RATES: Cell<[f64; 2]> = const { Cell::new([0.0; 2]) };
    /// When writing behind was last confirmed (by a trial either way).
    static CONFIRMED_AT: Cell<Option<Instant>> = const { Cell::new(None) };
    static TRIAL: Cell<Option<Trial>> = const { Cell::new(None) };
    /// No trial before this (a failed one holds direct writes).
    static HOLD_UNTIL: Cell<Option<Instant>> = const { Cell::new(None) };
    static HOLD: Cell<Duration> = const { Cell::new(MIN_HOLD) };
}

/// The load model picks when writing behind may pay; only the outcome
/// tells whether it does: a 4 KiB echo server, its JS thread as busy and
/// as slow per write as a client's GET loop, loses 27 % of its req/s
/// behind where the client gains 13 %. So a switch is kept only if writes
/// per second rose over the two samples before it, and writing behind is
/// checked against direct writes every `RECHECK`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Trial {
    /// Writes per second before the trial, in the other mode.
    base_rate: f64,
    samples: u8,
    rate_sum: f64,
    /// Writing behind is on trial (else direct writes are).
    behind: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum TrialStep {
    Continue(Trial),
    Keep,
    Revert,
}

fn trial_step(mut t: Trial, rate: f64) -> TrialStep {
    t.samples += 1;
    if t.samples > TRIAL_SKIP {
        t.rate_sum += rate;
    }
    if t.samples < TRIAL_SKIP + TRIAL_SAMPLES {
        return TrialStep::Continue(t);
    }
    let rate = t.rate_sum / f64::from(TRIAL_SAMPLES);
    // Writing behind must win by `TRIAL_GAIN`, either way round.
    let behind_wins = if t.behind {
        rate >= t.base_rate * TRIAL_GAIN
    } else {
        t.base_rate >= rate * TRIAL_GAIN
    };
    if behind_wins == t.behind {
        TrialStep::Keep
    } else {
        TrialStep::Revert
    }
}

fn write_rate(from: Sample, to: Sample) -> f64 {
    let wall = to.wall.duration_since(from.wall).as_secs_f64();
    if wall > 0.0 {
        to.writes.wrapping_sub(from.writes) as f64 / wall
    } else {
        0.0
    }
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
        in_writes: IN_WRITES.get(),
    };
    LAST.set(Some(now));
    if let Some(last) = last {
        decide(last, now);
    }
}

fn decide(last: Sample, now: Sample) {
    let rate = write_rate(last, now);
    if let Some(trial) = TRIAL.get() {
        let step = trial_step(trial, rate);
        if let TrialStep::Continue(t) = step {
            TRIAL.set(Some(t));
            return;
        }
        TRIAL.set(None);
        // Whichever mode won, writing behind is settled for a while.
        let behind = (step == TrialStep::Keep) == trial.behind;
        BEHIND.set(behind);
        if behind {
            CONFIRMED_AT.set(Some(now.wall));
            HOLD.set(MIN_HOLD);
        } else {
            HOLD_UNTIL.set(Some(now.wall + HOLD.get()));
            HOLD.set((HOLD.get() * 2).min(MAX_HOLD));
        }
        return;
    }
    let [_, prev] = RATES.get();
    RATES.set([prev, rate]);
    let behind = BEHIND.get();
    if !behind {
        if let Some(cost) = write_call_cost(last, now) {
            SEND_COST.set(cost);
        }
    }
    let verdict = next_mode(behind, last, now, SEND_COST.get());
    let (to_behind, streak) = confirm(behind, verdict, STREAK.get());
    STREAK.set(streak);
    let trial = |behind| Trial {
        base_rate: (prev + rate) / 2.0,
        samples: 0,
        rate_sum: 0.0,
        behind,
    };
    if to_behind && !behind {
        if HOLD_UNTIL.get().is_some_and(|until| now.wall < until) {
            return;
        }
        TRIAL.set(Some(trial(true)));
    } else if to_behind
        && CONFIRMED_AT
            .get()
            .is_some_and(|at| now.wall.duration_since(at) >= RECHECK)
    {
        TRIAL.set(Some(trial(false)));
        BEHIND.set(false);
        return;
    }
    BEHIND.set(to_behind);
}

/// What one sample says about the mode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Verdict {
    Keep,
    /// Switch once `CONFIRM` samples in a row say so: start-up (loading,
    /// compiling), a GC pause and a stall of the other threads (2 cores
    /// shared with the peer) each look busy, or idle, for one sample.
    Switch,
    /// Back to direct writes at once: JS spends little per write, so a
    /// mistaken switch costs one sample.
    SwitchNow,
}

fn confirm(behind: bool, verdict: Verdict, streak: u8) -> (bool, u8) {
    match verdict {
        Verdict::Keep => (behind, 0),
        Verdict::SwitchNow => (!behind, 0),
        Verdict::Switch if streak + 1 >= CONFIRM => (!behind, 0),
        Verdict::Switch => (behind, streak + 1),
    }
}

/// Make one write on this thread: `write(behind)`, told whether it goes
/// through the io thread. Counted, and direct ones in automatic mode timed:
/// the load measure leaves the sends out (see `js_per_write`).
pub fn write<T>(write: impl FnOnce(bool) -> T) -> T {
    WRITES.set(WRITES.get().wrapping_add(1));
    if *POLICY != Policy::Auto || BEHIND.get() {
        // Behind, the calls' time is not used (see `js_per_write`), and a
        // span never mixes modes: the mode changes only between samples.
        return write(write_behind_active());
    }
    let start = Instant::now();
    let result = write(false);
    IN_WRITES.set(IN_WRITES.get() + start.elapsed());
    result
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

/// JS CPU time per write over the span, direct sends left out; `None`
/// when nothing was written. Without the sends it is about the same in
/// either mode: going behind takes them off this thread, and counting them
/// would make the mode flap (a client's GETs: on, then off a sample
/// later). Behind, the write calls are not subtracted: they are short, and
/// their wall time can be a wait for the connection's lock, not CPU.
fn js_per_write(behind: bool, from: Sample, to: Sample) -> Option<Duration> {
    let writes = to.writes.wrapping_sub(from.writes);
    let mut cpu = to.cpu.saturating_sub(from.cpu);
    if !behind {
        cpu = cpu.saturating_sub(to.in_writes.saturating_sub(from.in_writes));
    }
    match u32::try_from(writes) {
        Ok(0) => None,
        Ok(n) => Some(cpu / n),
        Err(_) => Some(Duration::ZERO),
    }
}

/// Time per write spent in the write calls over the span.
fn write_call_cost(from: Sample, to: Sample) -> Option<Duration> {
    let writes = u32::try_from(to.writes.wrapping_sub(from.writes)).ok()?;
    (writes > 0).then(|| to.in_writes.saturating_sub(from.in_writes) / writes)
}

/// `send_cost`: a direct write's, so that behind, the load is judged as it
/// would be with the sends back on this thread (going behind lowers it).
fn next_mode(behind: bool, from: Sample, to: Sample, send_cost: Duration) -> Verdict {
    let mut load = load(from, to);
    if behind {
        let wall = to.wall.duration_since(from.wall).as_secs_f64();
        let writes = to.writes.wrapping_sub(from.writes) as f64;
        if wall > 0.0 {
            load += writes * send_cost.as_secs_f64() / wall;
        }
    }
    // A span without writes says nothing about what they cost.
    let Some(per_write) = js_per_write(behind, from, to) else {
        return Verdict::Keep;
    };
    if behind {
        if per_write < FAST_WRITER {
            Verdict::SwitchNow
        } else if load < NOT_BUSY {
            Verdict::Switch
        } else {
            Verdict::Keep
        }
    } else if load > BUSY
        && per_write > SLOW_WRITER
        && to.writes >= WARM_UP_WRITES
        && to.writes.wrapping_sub(from.writes) >= MIN_SAMPLE_WRITES
    {
        Verdict::Switch
    } else {
        Verdict::Keep
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

    /// 20 ms in which the thread ran `busy_us` µs of CPU and wrote
    /// `writes` times, `in_writes_us` of it inside the write calls.
    fn span(busy_us: u64, writes: u64, in_writes_us: u64) -> (Sample, Sample) {
        let wall = Instant::now();
        let from = Sample {
            wall,
            cpu: Duration::from_millis(500),
            writes: 1_000_000,
            in_writes: Duration::from_millis(100),
        };
        let to = Sample {
            wall: wall + Duration::from_millis(20),
            cpu: from.cpu + Duration::from_micros(busy_us),
            writes: from.writes + writes,
            in_writes: from.in_writes + Duration::from_micros(in_writes_us),
        };
        (from, to)
    }

    const SEND: Duration = Duration::from_micros(6);

    #[test]
    fn writes_go_behind_only_when_busy_and_slow_per_write() {
        // Busy, 100 µs of JS per write (a framework's handler).
        let (a, b) = span(19_000, 190, 190 * 6);
        assert_eq!(next_mode(false, a, b, SEND), Verdict::Switch);
        // Busy, 4 µs of JS and a 6 µs send per write (a bare handler): the
        // hand-off would cost more than the send.
        let (a, b) = span(19_000, 1900, 1900 * 6);
        assert_eq!(next_mode(false, a, b, SEND), Verdict::Keep);
        // Slow per write but not busy.
        let (a, b) = span(10_000, 100, 100 * 6);
        assert_eq!(next_mode(false, a, b, SEND), Verdict::Keep);
        // Too few writes to judge what they cost, or still warming up.
        let (a, b) = span(19_000, 19, 19 * 6);
        assert_eq!(next_mode(false, a, b, SEND), Verdict::Keep);
        let (a, b) = span(19_000, 190, 190 * 6);
        // (The span ends one write short of the warm-up.)
        let cold = |s: Sample| Sample {
            writes: s.writes - 1_000_000 + WARM_UP_WRITES - 191,
            ..s
        };
        assert_eq!(next_mode(false, cold(a), cold(b), SEND), Verdict::Keep);
        // Nothing written (a long computation): the mode stays.
        let (a, b) = span(20_000, 0, 0);
        assert_eq!(next_mode(false, a, b, SEND), Verdict::Keep);
        assert_eq!(next_mode(true, a, b, SEND), Verdict::Keep);
    }

    #[test]
    fn the_send_does_not_count_as_js_time_per_write() {
        // 20 µs per write in all, 8 of them in the send: 12 µs of JS, below
        // the switch (the send's share used to decide it).
        let (a, b) = span(19_000, 950, 950 * 8);
        assert_eq!(js_per_write(false, a, b), Some(Duration::from_micros(12)));
        assert_eq!(next_mode(false, a, b, SEND), Verdict::Keep);
        // Behind, the write calls' time stays in: it may be a wait for the
        // connection's lock, which is not CPU time.
        assert_eq!(js_per_write(true, a, b), Some(Duration::from_micros(20)));
    }

    #[test]
    fn behind_the_load_counts_the_sends_it_took_off() {
        // 15 µs of JS per write behind, the thread at 60 %: with its sends
        // (6 µs each) back it would be at 84 %, still busy.
        let (a, b) = span(12_000, 800, 800);
        assert!((load(a, b) - 0.6).abs() < 1e-9);
        assert_eq!(next_mode(true, a, b, SEND), Verdict::Keep);
        // Idle even so: back, once confirmed.
        let (a, b) = span(8_000, 400, 400);
        assert_eq!(next_mode(true, a, b, SEND), Verdict::Switch);
        // Cheap per write: back at once.
        let (a, b) = span(19_000, 1900, 1900);
        assert_eq!(next_mode(true, a, b, SEND), Verdict::SwitchNow);
    }

    #[test]
    fn mode_switches_back_with_hysteresis() {
        // 13 µs of JS per write: between the two thresholds, the mode stays.
        let (a, b) = span(19_000, 1000, 1000 * 6);
        assert_eq!(next_mode(true, a, b, SEND), Verdict::Keep);
        assert_eq!(next_mode(false, a, b, SEND), Verdict::Keep);
    }

    #[test]
    fn switching_takes_two_samples_in_a_row_unless_it_is_now() {
        assert_eq!(confirm(false, Verdict::Switch, 0), (false, 1));
        assert_eq!(confirm(false, Verdict::Switch, 1), (true, 0));
        assert_eq!(confirm(true, Verdict::Switch, 0), (true, 1));
        assert_eq!(confirm(true, Verdict::Switch, 1), (false, 0));
        // A sample that does not ask for it starts the count again.
        assert_eq!(confirm(false, Verdict::Keep, 1), (false, 0));
        assert_eq!(confirm(true, Verdict::SwitchNow, 0), (false, 0));
    }

    #[test]
    fn a_trial_is_kept_only_if_writes_per_second_rose() {
        let start = Trial {
            base_rate: 50_000.0,
            samples: 0,
            rate_sum: 0.0,
            behind: true,
        };
        let run = |rates: &[f64]| {
            let mut t = start;
            for (i, &r) in rates.iter().enumerate() {
                match trial_step(t, r) {
                    TrialStep::Continue(next) => t = next,
                    done => {
                        assert_eq!(i + 1, rates.len(), "judged early");
                        return done;
                    }
                }
            }
            panic!("not judged after {} samples", rates.len());
        };
        // The first sample is the hand-over and does not count.
        assert_eq!(run(&[1.0, 56_000.0, 55_000.0, 57_000.0]), TrialStep::Keep);
        assert_eq!(run(&[1e9, 50_000.0, 51_000.0, 50_500.0]), TrialStep::Revert);
        assert_eq!(
            run(&[60_000.0, 40_000.0, 38_000.0, 41_000.0]),
            TrialStep::Revert
        );
        // A trial of direct writes (behind at 50k before it): kept unless
        // writing behind was faster by the same margin.
        let start = Trial {
            behind: false,
            ..start
        };
        let mut t = start;
        for r in [1.0, 49_000.0, 50_000.0] {
            let TrialStep::Continue(next) = trial_step(t, r) else {
                panic!("judged early")
            };
            t = next;
        }
        assert_eq!(trial_step(t, 49_500.0), TrialStep::Keep);
        assert_eq!(trial_step(t, 40_000.0), TrialStep::Revert);
    }

    #[test]
    fn a_failed_trial_holds_direct_writes_longer_each_time() {
        // Thread-locals: this test's thread starts fresh.
        let (a, b) = span(19_000, 190, 190 * 6);
        let step = |(a, b): (Sample, Sample)| {
            let shift = |s: Sample| Sample {
                wall: s.wall + (b.wall - a.wall),
                ..s
            };
            (shift(a), shift(b))
        };
        let mut spanned = (a, b);
        // Two busy, slow samples: a trial starts, writing behind.
        for _ in 0..2 {
            decide(spanned.0, spanned.1);
            spanned = step(spanned);
        }
        assert!(BEHIND.get() && TRIAL.get().is_some());
        // No more writes per second behind: back to direct, held.
        for _ in 0..(TRIAL_SKIP + TRIAL_SAMPLES) {
            decide(spanned.0, spanned.1);
            spanned = step(spanned);
        }
        assert!(!BEHIND.get() && TRIAL.get().is_none());
        assert_eq!(HOLD.get(), MIN_HOLD * 2);
        // Within the hold, busy samples do not start another trial.
        for _ in 0..4 {
            decide(spanned.0, spanned.1);
            spanned = step(spanned);
        }
        assert!(!BEHIND.get());
    }

    #[test]
    fn writing_behind_is_checked_against_direct_writes_every_recheck() {
        let (a, b) = span(19_000, 190, 190 * 6);
        let mut spanned = (a, b);
        let mut next = |rate_writes: u64| {
            let (a, b) = spanned;
            let d = b.wall - a.wall;
            let to = Sample {
                wall: b.wall + d,
                cpu: b.cpu + Duration::from_millis(19),
                writes: b.writes + rate_writes,
                in_writes: b.in_writes + Duration::from_micros(rate_writes * 6),
            };
            decide(b, to);
            spanned = (b, to);
        };
        // Direct at 190 writes a sample, then behind at 250: kept.
        next(190);
        next(190);
        assert!(TRIAL.get().is_some_and(|t| t.behind));
        for _ in 0..4 {
            next(250);
        }
        assert!(BEHIND.get() && TRIAL.get().is_none());
        // Until `RECHECK` has passed (100 samples of 20 ms), it stays.
        for _ in 0..98 {
            next(250);
        }
        assert!(BEHIND.get() && TRIAL.get().is_none());
        next(250);
        next(250);
        assert!(TRIAL.get().is_some_and(|t| !t.behind) && !BEHIND.get());
        // Direct writes do as well now: they stay, and hold.
        for _ in 0..4 {
            next(250);
        }
        assert!(!BEHIND.get() && TRIAL.get().is_none());
        assert!(HOLD_UNTIL.get().is_some());
    }

    #[test]
    fn load_is_cpu_over_wall_time() {
        let (a, b) = span(15_000, 0, 0);
        assert!((load(a, b) - 0.75).abs() < 1e-9);
        assert_eq!(load(a, a), 0.0);
    }

    /// This thread's load while it runs `f`.
    fn load_of(f: impl FnOnce()) -> f64 {
        let sample = || Sample {
            wall: Instant::now(),
            cpu: thread_cpu_time().unwrap(),
            writes: 0,
            in_writes: Duration::ZERO,
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
