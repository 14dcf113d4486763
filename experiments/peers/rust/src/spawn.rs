//! spawn_complete, spawn_detached and cross_thread_spawn on tokio's `current_thread` runtime.

use crate::harness::Workload;
use crate::util::{runtime, runtime_with, store_waker, wake_slot, Drivers};
use futures::future::poll_fn;
use std::cell::{Cell, RefCell};
use std::task::{Poll, Waker};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

// ---------------------------------------------------------------------------------------------
// spawn_complete

/// The root (the `block_on` future) spawns N trivial tasks (each returns its index, a `u64`) in
/// batches of B, keeps the handles (a vector reserved once and kept, as experiment 02 does),
/// and after each batch awaits them in order; the sum is checked.
pub struct SpawnComplete {
    rt: Runtime,
    handles: Vec<JoinHandle<u64>>,
    n: u64,
    batch: u64,
}

impl SpawnComplete {
    pub fn new(n: u64, batch: u64, drivers: Drivers) -> Self {
        assert!(n % batch == 0);
        SpawnComplete {
            rt: runtime_with(drivers),
            handles: Vec::with_capacity(batch as usize),
            n,
            batch,
        }
    }
}

impl Workload for SpawnComplete {
    fn iteration(&mut self) {
        let (n, batch) = (self.n, self.batch);
        let handles = &mut self.handles;
        let sum = self.rt.block_on(async move {
            let mut sum = 0u64;
            let mut spawned = 0u64;
            while spawned < n {
                let count = batch.min(n - spawned);
                for i in spawned..spawned + count {
                    handles.push(tokio::spawn(async move { i }));
                }
                spawned += count;
                for h in handles.drain(..) {
                    sum += h.await.expect("spawn_complete: a task failed");
                }
            }
            sum
        });
        assert_eq!(sum, n * (n - 1) / 2, "spawn_complete: wrong sum");
    }
}

// ---------------------------------------------------------------------------------------------
// spawn_detached

thread_local! {
    // The shared counter and the root's waker: tasks run on the runtime thread, so a
    // thread-local cell is the plain `uint64_t` of the C++ side (an `Rc<Cell<u64>>` would make
    // the tasks `!Send`, hence `LocalSet`, another scheduler; an `Arc` would add two atomic
    // RMWs per task).
    static DETACHED_SUM: Cell<u64> = const { Cell::new(0) };
    static DETACHED_LEFT: Cell<u64> = const { Cell::new(0) };
    static ROOT_WAKER: RefCell<Option<Waker>> = const { RefCell::new(None) };
}

/// The root stores its waker, then spawns N tasks and drops their handles (detached); task i
/// adds i to a shared counter and the last one wakes the root's stored waker; the root checks
/// the sum, N(N-1)/2 (experiment 04's `detached_root`).
pub struct SpawnDetached {
    rt: Runtime,
    n: u64,
}

impl SpawnDetached {
    pub fn new(n: u64) -> Self {
        SpawnDetached { rt: runtime(), n }
    }
}

impl Workload for SpawnDetached {
    fn iteration(&mut self) {
        let n = self.n;
        DETACHED_SUM.with(|s| s.set(0));
        DETACHED_LEFT.with(|l| l.set(n));
        let mut spawned = false;
        let sum = self.rt.block_on(poll_fn(move |cx| {
            if !spawned {
                spawned = true;
                store_waker(&ROOT_WAKER, cx);
                for i in 0..n {
                    drop(tokio::spawn(async move {
                        DETACHED_SUM.with(|s| s.set(s.get() + i));
                        let left = DETACHED_LEFT.with(|l| {
                            l.set(l.get() - 1);
                            l.get()
                        });
                        if left == 0 {
                            wake_slot(&ROOT_WAKER);
                        }
                    }));
                }
            }
            if DETACHED_LEFT.with(|l| l.get()) != 0 {
                return Poll::Pending;
            }
            Poll::Ready(DETACHED_SUM.with(|s| s.get()))
        }));
        assert_eq!(sum, n * (n - 1) / 2, "spawn_detached: wrong sum");
    }
}

// ---------------------------------------------------------------------------------------------
// cross_thread_spawn

thread_local! {
    static CROSS_DONE: Cell<u64> = const { Cell::new(0) };
    static CROSS_TARGET: Cell<u64> = const { Cell::new(0) };
    static CROSS_ROOT: RefCell<Option<Waker>> = const { RefCell::new(None) };
}

/// Another thread (a new one per iteration, its start and join inside the time, as in
/// experiment 02) spawns N trivial tasks through a `Handle` into the single-threaded runtime,
/// keeping the handles in a vector (reserved once); the runtime thread runs a root that
/// completes when all N ran (the last one wakes it); then the handles are dropped.
pub struct CrossThreadSpawn {
    rt: Runtime,
    handles: Option<Vec<JoinHandle<()>>>,
    n: u64,
}

impl CrossThreadSpawn {
    pub fn new(n: u64) -> Self {
        CrossThreadSpawn {
            rt: runtime(),
            handles: Some(Vec::with_capacity(n as usize)),
            n,
        }
    }
}

impl Workload for CrossThreadSpawn {
    fn iteration(&mut self) {
        let n = self.n;
        // The counters live on this thread, the runtime's: the tasks run here.
        CROSS_DONE.with(|d| d.set(0));
        CROSS_TARGET.with(|t| t.set(n));
        let mut handles = self.handles.take().expect("handles");
        let remote = self.rt.handle().clone();
        let producer = std::thread::spawn(move || {
            for _ in 0..n {
                handles.push(remote.spawn(async {
                    let done = CROSS_DONE.with(|d| {
                        d.set(d.get() + 1);
                        d.get()
                    });
                    if done == CROSS_TARGET.with(|t| t.get()) {
                        wake_slot(&CROSS_ROOT);
                    }
                }));
            }
            handles
        });
        let ran = self.rt.block_on(poll_fn(|cx| {
            let done = CROSS_DONE.with(|d| d.get());
            if done == n {
                Poll::Ready(done)
            } else {
                store_waker(&CROSS_ROOT, cx);
                Poll::Pending
            }
        }));
        let mut handles = producer
            .join()
            .expect("cross_thread_spawn: producer panicked");
        handles.clear(); // the results are in: dropping the handles frees the tasks
        self.handles = Some(handles);
        assert_eq!(ran, n, "cross_thread_spawn: not all ran");
    }
}
