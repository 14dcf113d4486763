//! post_to_run and post_throughput (experiment 06's UI-invoke workloads,
//! experiments/06-ui-invoke/workloads.cpp): tokio's remote spawn, `Handle::spawn` from another
//! thread, onto a `current_thread` runtime whose thread (the benchmark's) plays the UI thread.
//!
//! The posted unit of work is a spawned task: each `Handle::spawn` allocates the task (header,
//! future and output in one block), as gentask's `ui_handle::post` allocates its call. In tokio
//! 1.24 the spawning thread then links the task into the runtime's owned-task list (under its
//! mutex; the runtime thread takes the same mutex to unlink it when it completes), pushes it on
//! the inject queue (a mutex-guarded `VecDeque`; the runtime thread pops it under that mutex)
//! and unparks the runtime thread (a mutex and a condition variable when it is parked; an
//! atomic swap alone when it is not). The `JoinHandle` is dropped at once (a detached task, as
//! a post has no handle): one more atomic transition of the task's state word.
//!
//! The record (the C++ side's `ui_record`) lives in thread-local cells of the runtime thread:
//! the tasks run there, so plain cells are the UI thread's own state, as in C++ (an
//! `Rc<Cell<_>>` cannot be captured by a `Send` future). The task that reaches the target wakes
//! the root's stored waker from the runtime thread itself: no second cross-thread hop, no
//! `Notify` or channel; one cross-thread hop per post, the spawn's.

use crate::harness::{Metric, Workload};
use crate::idle::{latency_metrics, PACING};
use crate::util::{runtime, store_waker, wake_slot};
use futures::future::poll_fn;
use std::cell::{Cell, RefCell};
use std::task::{Poll, Waker};
use std::time::Instant;
use tokio::runtime::Runtime;

thread_local! {
    /// Tasks that ran in this round, and the round's target (the runtime thread's).
    static POST_COUNT: Cell<u64> = const { Cell::new(0) };
    static POST_TARGET: Cell<u64> = const { Cell::new(0) };
    /// post_to_run's samples (ns), reserved once per case.
    static POST_SAMPLES: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    /// The root's waker, woken by the task that reaches the target.
    static POST_ROOT: RefCell<Option<Waker>> = const { RefCell::new(None) };
}

/// A new round of `target` tasks.
fn start_round(target: u64) {
    POST_COUNT.with(|c| c.set(0));
    POST_TARGET.with(|t| t.set(target));
    POST_SAMPLES.with(|s| s.borrow_mut().clear());
}

/// The body of every posted task, on the runtime thread: count; the last wakes the root.
#[inline]
fn count_one() {
    let count = POST_COUNT.with(|c| {
        let v = c.get() + 1;
        c.set(v);
        v
    });
    if count == POST_TARGET.with(|t| t.get()) {
        wake_slot(&POST_ROOT);
    }
}

/// post_to_run's task body: record `Instant::now()` minus the sender's `sent`, then count.
#[inline]
fn record(sent: Instant) {
    let ns = Instant::now().saturating_duration_since(sent).as_nanos() as u64;
    POST_SAMPLES.with(|s| s.borrow_mut().push(ns));
    count_one();
}

/// Runs the runtime (the benchmark's thread) until the round's target ran; the count.
fn run_round(rt: &Runtime) -> u64 {
    rt.block_on(poll_fn(|cx| {
        let count = POST_COUNT.with(|c| c.get());
        if count >= POST_TARGET.with(|t| t.get()) {
            Poll::Ready(count)
        } else {
            store_waker(&POST_ROOT, cx);
            Poll::Pending
        }
    }))
}

// ---------------------------------------------------------------------------------------------
// post_to_run

/// Latency of a post into an idle runtime (experiment 06's `post_to_run`). Per iteration a
/// sender `std::thread` (started and joined by the iteration, as the C++ side does) holds a
/// clone of the runtime's `Handle`; per post it sleeps 100 us, takes `Instant::now()` and
/// `handle.spawn(async move { record(sent) })`s. The root completes when N tasks ran. Between
/// posts the runtime thread parks on tokio's condition variable (no I/O driver).
pub struct PostToRun {
    rt: Runtime,
    n: u64,
}

impl PostToRun {
    pub fn new(n: u64) -> Self {
        POST_SAMPLES.with(|s| s.borrow_mut().reserve(n as usize));
        PostToRun { rt: runtime(), n }
    }
}

impl Workload for PostToRun {
    fn iteration(&mut self) {
        let n = self.n;
        start_round(n);
        let handle = self.rt.handle().clone();
        let sender = std::thread::spawn(move || {
            for _ in 0..n {
                std::thread::sleep(PACING);
                let sent = Instant::now();
                drop(handle.spawn(async move { record(sent) }));
            }
        });
        let ran = run_round(&self.rt);
        sender.join().expect("post_to_run: the sender panicked");
        assert_eq!(ran, n, "post_to_run: not all ran");
        let samples = POST_SAMPLES.with(|s| s.borrow().len() as u64);
        assert_eq!(samples, n, "post_to_run: wrong sample count");
    }

    /// `latency_p10_ns` ... `latency_p99_ns` over the N samples of one (untimed) iteration.
    fn extras(&mut self) -> Vec<Metric> {
        self.iteration();
        POST_SAMPLES.with(|s| latency_metrics(&s.borrow()))
    }
}

// ---------------------------------------------------------------------------------------------
// post_throughput

/// Throughput of posts (experiment 06's `post_throughput`): P producer `std::thread`s (started
/// and joined by the iteration, as the C++ side does) each `handle.spawn` N / P tasks as fast
/// as they can; each task counts on the runtime thread, and the root completes when all N ran.
pub struct PostThroughput {
    rt: Runtime,
    n: u64,
    producers: u64,
}

impl PostThroughput {
    pub fn new(n: u64, producers: u64) -> Self {
        assert!(producers > 0 && n % producers == 0);
        PostThroughput {
            rt: runtime(),
            n,
            producers,
        }
    }
}

impl Workload for PostThroughput {
    fn iteration(&mut self) {
        let n = self.n;
        let each = n / self.producers;
        start_round(n);
        let threads: Vec<_> = (0..self.producers)
            .map(|_| {
                let handle = self.rt.handle().clone();
                std::thread::spawn(move || {
                    for _ in 0..each {
                        drop(handle.spawn(async { count_one() }));
                    }
                })
            })
            .collect();
        let ran = run_round(&self.rt);
        for t in threads {
            t.join().expect("post_throughput: a producer panicked");
        }
        assert_eq!(ran, n, "post_throughput: not all ran");
    }
}
