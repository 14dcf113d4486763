//! timer_arm_cancel and timer_fire (experiment 05's timers) on tokio's `current_thread` runtime
//! with its timer driver: `tokio::time::sleep_until` futures, made and dropped per iteration.
//!
//! Each iteration's root is one future (no task per timer) run under `task::unconstrained`:
//! tokio's `Sleep::poll` takes a unit of the coop budget first, and with the budget spent
//! (128 polls in one task poll) it returns `Pending` without registering, which a root polling
//! 1e5 sleeps in one poll would hit. gentask's `sleep_future` takes no budget, so this is like
//! for like. The sleeps live in a vector reserved once per case and are pinned in place
//! (`Pin::new_unchecked`: every push comes before the first poll, so nothing moves after it),
//! as gentask's `std::vector<sleep_future>`; tokio's `Sleep` holds its timer entry inline, so
//! making one allocates nothing.
//!
//! - `timer_arm_cancel`: the real clock (`enable_time`). Deadlines `t0 + 1 h + off_i us`,
//!   `off_i = splitmix64() % N` (seed 42, drawn once per case), `t0 = Instant::now()` at the
//!   iteration's start; each sleep is polled once (it registers in the wheel: `Pending`), then
//!   all are dropped in the order made (each removes its entry under the driver's lock).
//! - `timer_fire`: a paused clock (`start_paused`, the `test-util` feature: tokio's only way to
//!   move time by hand, the counterpart of gentask's manual clock). Deadlines
//!   `t0 + 1 ms + off_i us`; each sleep is polled once, then `tokio::time::advance(1 ms + N us)`
//!   moves the clock past every deadline and yields, so the runtime turns its driver, which
//!   fires every entry (each a wake of the root); the root then polls every sleep, which must be
//!   `Ready`, and drops them.

use crate::harness::Workload;
use crate::util::SplitMix64;
use futures::future::poll_fn;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::time::{sleep_until, Instant, Sleep};

/// The deadline offsets of a case: splitmix64 (seed 42) % n, in microseconds, drawn once.
fn draw_offsets(n: u64) -> Vec<Duration> {
    let mut rng = SplitMix64::new();
    (0..n).map(|_| Duration::from_micros(rng.next() % n)).collect()
}

/// Polls every sleep of `sleeps` once with the root's context; true when all were pending.
fn poll_all_pending(sleeps: &mut [Sleep], cx: &mut std::task::Context<'_>) -> bool {
    let mut all = true;
    for s in sleeps.iter_mut() {
        // SAFETY: the vector is not pushed to (nor moved) between the first poll and the
        // clear that drops its sleeps in place.
        let p = unsafe { Pin::new_unchecked(s) };
        all &= p.poll(cx).is_pending();
    }
    all
}

// ---------------------------------------------------------------------------------------------
// timer_arm_cancel

pub struct TimerArmCancel {
    rt: Runtime,
    sleeps: Vec<Sleep>,
    offsets: Vec<Duration>,
}

impl TimerArmCancel {
    pub fn new(n: u64) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("cannot build the tokio runtime");
        TimerArmCancel {
            rt,
            sleeps: Vec::with_capacity(n as usize),
            offsets: draw_offsets(n),
        }
    }
}

impl Workload for TimerArmCancel {
    fn iteration(&mut self) {
        let TimerArmCancel {
            rt,
            sleeps,
            offsets,
        } = self;
        let all_pending = rt.block_on(tokio::task::unconstrained(poll_fn(|cx| {
            let t0 = Instant::now();
            let base = t0 + Duration::from_secs(3600);
            for off in offsets.iter() {
                sleeps.push(sleep_until(base + *off));
            }
            let all = poll_all_pending(sleeps, cx);
            sleeps.clear(); // drops in the order made: each cancels its registration
            Poll::Ready(all)
        })));
        assert!(all_pending, "timer_arm_cancel: a sleep was ready");
    }
}

// ---------------------------------------------------------------------------------------------
// timer_fire

pub struct TimerFire {
    rt: Runtime,
    sleeps: Vec<Sleep>,
    offsets: Vec<Duration>,
    span: Duration,
}

impl TimerFire {
    pub fn new(n: u64) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("cannot build the tokio runtime");
        TimerFire {
            rt,
            sleeps: Vec::with_capacity(n as usize),
            offsets: draw_offsets(n),
            span: Duration::from_millis(1) + Duration::from_micros(n),
        }
    }
}

impl Workload for TimerFire {
    fn iteration(&mut self) {
        let TimerFire {
            rt,
            sleeps,
            offsets,
            span,
        } = self;
        let span = *span;
        let n = offsets.len();
        let ready = rt.block_on(tokio::task::unconstrained(async move {
            let t0 = Instant::now();
            let base = t0 + Duration::from_millis(1);
            for off in offsets.iter() {
                sleeps.push(sleep_until(base + *off));
            }
            let all_pending = poll_fn(|cx| Poll::Ready(poll_all_pending(sleeps, cx))).await;
            assert!(all_pending, "timer_fire: a sleep was ready");
            tokio::time::advance(span).await;
            // Every sleep is due; one that the driver has not processed yet wakes the root
            // again, and the root goes on from where it stopped.
            let mut next = 0usize;
            poll_fn(|cx| {
                while next < sleeps.len() {
                    // SAFETY: as in poll_all_pending.
                    let p = unsafe { Pin::new_unchecked(&mut sleeps[next]) };
                    if p.poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    next += 1;
                }
                Poll::Ready(())
            })
            .await;
            sleeps.clear();
            next
        }));
        assert_eq!(ready, n, "timer_fire: not every timer fired");
    }
}
