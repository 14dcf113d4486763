//! wake_one_of_n: N children, each awaiting its own oneshot (`u32`); one iteration makes 256
//! wakes: each fires the child at slot `splitmix64() % N` (seed 42), takes that child's item
//! from the set, and pushes a fresh child on a fresh oneshot into the slot (N stays constant).
//! The loop is experiment 03's `wake_driver` (experiments/03-futures-unordered/workloads.hpp):
//! fire; loop { next item; refill its slot; stop after 256; fire }. The set, its children and
//! the senders are kept across iterations (filled at the first iteration, inside it), so the
//! set is warm.
//!
//! Variants:
//!   - `tokio/api=join_set`: `tokio::task::JoinSet<u32>` of spawned tasks, each awaiting a
//!     `tokio::sync::oneshot::Receiver<u32>`; the driver is the `block_on` future.
//!   - `futures/api=futures_unordered;exec=tokio_current_thread`: a
//!     `futures::stream::FuturesUnordered` of `tokio::sync::oneshot::Receiver<u32>`, polled by
//!     the `block_on` future of tokio's `current_thread` runtime.
//!   - `futures/api=futures_unordered;exec=local_pool`: a `FuturesUnordered` of
//!     `futures::channel::oneshot::Receiver<u32>`, polled by `futures::executor::LocalPool`'s
//!     `run_until` future.
//!
//! Allocations: `allocs_per_unit` (the harness's pass) counts the wake, poll and completion
//! path only: making the oneshot and pushing the child run with counting paused, as in
//! experiment 03's `refill`. The extras count everything (`allocs_per_iteration`, per wake
//! despite its name, as experiment 03 reports it) and the push alone (`allocs_per_push`), and
//! the polls of children (`polls_per_wake`) and of the driver (`parent_polls_per_wake`).

use crate::alloc::{allocation_count, AllocationPause, AllocationProbe};
use crate::harness::{metric, Metric, Workload};
use crate::util::{
    child_polls, driver_polls, runtime_with, CountedChild, CountedDriver, Drivers, SplitMix64,
};
use futures::executor::LocalPool;
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

pub const WAKES_PER_ITERATION: usize = 256;

/// What every variant's state has.
struct Common {
    rng: SplitMix64,
    n: usize,
    /// The untimed pass of the extras: count the push's allocations on their own.
    measure_push: bool,
    push_allocations: u64,
}

impl Common {
    fn new(n: usize) -> Self {
        Common {
            rng: SplitMix64::new(),
            n,
            measure_push: false,
            push_allocations: 0,
        }
    }
    #[inline]
    fn next_slot(&mut self) -> u32 {
        (self.rng.next() % self.n as u64) as u32
    }
    /// Counting paused around making the channel and pushing, unless the extras measure them.
    #[inline]
    fn pause(&self) -> Option<AllocationPause> {
        if self.measure_push {
            None
        } else {
            Some(AllocationPause::new())
        }
    }
    /// Runs `push`, adding its allocations to `push_allocations` in the extras' pass.
    #[inline]
    fn push<R>(&mut self, push: impl FnOnce() -> R) -> R {
        if self.measure_push {
            let before = allocation_count();
            let r = push();
            self.push_allocations += allocation_count() - before;
            r
        } else {
            push()
        }
    }
}

/// The driver loop (experiment 03's `wake_driver::poll`), over a state `$st` with `senders`,
/// `refill(slot)` and `fire()`; `$next` awaits the next item (a slot) of the set.
macro_rules! wake_driver {
    ($st:ident, $next:expr) => {
        async move {
            if $st.senders.is_empty() {
                let n = $st.c.n;
                $st.senders.resize_with(n, || None);
                for i in 0..n {
                    $st.refill(i as u32);
                }
            }
            $st.fire();
            let mut done = 0usize;
            loop {
                let slot: u32 = $next;
                $st.refill(slot);
                done += 1;
                if done == WAKES_PER_ITERATION {
                    break;
                }
                $st.fire();
            }
        }
    };
}

/// Fires the child at the next slot: sends its slot on its oneshot.
macro_rules! fire {
    ($st:ident) => {{
        let slot = $st.c.next_slot();
        let tx = $st.senders[slot as usize]
            .take()
            .expect("wake_one_of_n: slot not armed");
        if tx.send(slot).is_err() {
            panic!("wake_one_of_n: a child is gone");
        }
    }};
}

trait WakeCase: Workload {
    fn common(&mut self) -> &mut Common;
}

/// The untimed extras of every variant (experiment 03's `options.extra_metrics`).
fn wake_extras(w: &mut dyn WakeCase) -> Vec<Metric> {
    const ITERATIONS: usize = 16;
    w.iteration(); // warm
    let polls0 = child_polls();
    let drivers0 = driver_polls();
    w.common().measure_push = true;
    w.common().push_allocations = 0;
    let total = {
        let probe = AllocationProbe::new();
        for _ in 0..ITERATIONS {
            w.iteration();
        }
        probe.count()
    };
    w.common().measure_push = false;
    let wakes = (ITERATIONS * WAKES_PER_ITERATION) as f64;
    vec![
        metric(
            "polls_per_wake",
            "polls",
            (child_polls() - polls0) as f64 / wakes,
        ),
        metric(
            "parent_polls_per_wake",
            "polls",
            (driver_polls() - drivers0) as f64 / wakes,
        ),
        metric("allocs_per_iteration", "allocations", total as f64 / wakes),
        metric(
            "allocs_per_push",
            "allocations",
            w.common().push_allocations as f64 / wakes,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// tokio JoinSet

struct JoinSetState {
    set: JoinSet<u32>,
    senders: Vec<Option<tokio::sync::oneshot::Sender<u32>>>,
    c: Common,
}

impl JoinSetState {
    fn refill(&mut self, slot: u32) {
        let _pause = self.c.pause();
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        self.senders[slot as usize] = Some(tx);
        let set = &mut self.set;
        // `JoinSet::spawn` returns an `AbortHandle`, dropped at once.
        self.c.push(|| {
            set.spawn(async move {
                CountedChild(rx)
                    .await
                    .expect("wake_one_of_n: sender dropped")
            })
        });
    }
    fn fire(&mut self) {
        fire!(self)
    }
}

pub struct JoinSetWake {
    rt: Runtime,
    st: JoinSetState,
}

impl JoinSetWake {
    pub fn new(n: usize, drivers: Drivers) -> Self {
        JoinSetWake {
            rt: runtime_with(drivers),
            st: JoinSetState {
                set: JoinSet::new(),
                senders: Vec::new(),
                c: Common::new(n),
            },
        }
    }
}

impl Workload for JoinSetWake {
    fn iteration(&mut self) {
        let st = &mut self.st;
        self.rt.block_on(CountedDriver(wake_driver!(
            st,
            st.set
                .join_next()
                .await
                .expect("wake_one_of_n: the set is empty")
                .expect("wake_one_of_n: a child failed")
        )));
    }
    fn extras(&mut self) -> Vec<Metric> {
        wake_extras(self)
    }
}

impl WakeCase for JoinSetWake {
    fn common(&mut self) -> &mut Common {
        &mut self.st.c
    }
}

// ---------------------------------------------------------------------------------------------
// FuturesUnordered of tokio oneshot receivers, on tokio's current_thread runtime

struct FuTokioState {
    set: FuturesUnordered<CountedChild<tokio::sync::oneshot::Receiver<u32>>>,
    senders: Vec<Option<tokio::sync::oneshot::Sender<u32>>>,
    c: Common,
}

impl FuTokioState {
    fn refill(&mut self, slot: u32) {
        let _pause = self.c.pause();
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        self.senders[slot as usize] = Some(tx);
        let set = &mut self.set;
        self.c.push(|| set.push(CountedChild(rx)));
    }
    fn fire(&mut self) {
        fire!(self)
    }
}

pub struct FuTokioWake {
    rt: Runtime,
    st: FuTokioState,
}

impl FuTokioWake {
    pub fn new(n: usize, drivers: Drivers) -> Self {
        FuTokioWake {
            rt: runtime_with(drivers),
            st: FuTokioState {
                set: FuturesUnordered::new(),
                senders: Vec::new(),
                c: Common::new(n),
            },
        }
    }
}

impl Workload for FuTokioWake {
    fn iteration(&mut self) {
        let st = &mut self.st;
        self.rt.block_on(CountedDriver(wake_driver!(
            st,
            st.set
                .next()
                .await
                .expect("wake_one_of_n: the set is empty")
                .expect("wake_one_of_n: sender dropped")
        )));
    }
    fn extras(&mut self) -> Vec<Metric> {
        wake_extras(self)
    }
}

impl WakeCase for FuTokioWake {
    fn common(&mut self) -> &mut Common {
        &mut self.st.c
    }
}

// ---------------------------------------------------------------------------------------------
// FuturesUnordered of futures-rs oneshot receivers, on futures' LocalPool

struct FuLocalState {
    set: FuturesUnordered<CountedChild<futures::channel::oneshot::Receiver<u32>>>,
    senders: Vec<Option<futures::channel::oneshot::Sender<u32>>>,
    c: Common,
}

impl FuLocalState {
    fn refill(&mut self, slot: u32) {
        let _pause = self.c.pause();
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        self.senders[slot as usize] = Some(tx);
        let set = &mut self.set;
        self.c.push(|| set.push(CountedChild(rx)));
    }
    fn fire(&mut self) {
        fire!(self)
    }
}

pub struct FuLocalPoolWake {
    pool: LocalPool,
    st: FuLocalState,
}

impl FuLocalPoolWake {
    pub fn new(n: usize) -> Self {
        FuLocalPoolWake {
            pool: LocalPool::new(),
            st: FuLocalState {
                set: FuturesUnordered::new(),
                senders: Vec::new(),
                c: Common::new(n),
            },
        }
    }
}

impl Workload for FuLocalPoolWake {
    fn iteration(&mut self) {
        let st = &mut self.st;
        self.pool.run_until(CountedDriver(wake_driver!(
            st,
            st.set
                .next()
                .await
                .expect("wake_one_of_n: the set is empty")
                .expect("wake_one_of_n: sender dropped")
        )));
    }
    fn extras(&mut self) -> Vec<Metric> {
        wake_extras(self)
    }
}

impl WakeCase for FuLocalPoolWake {
    fn common(&mut self) -> &mut Common {
        &mut self.st.c
    }
}
