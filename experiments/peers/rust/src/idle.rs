//! wake_from_idle (latency of a cross-thread wake of an idle runtime) and idle_memory (heap
//! bytes per pending task).

use crate::alloc::{malloc_live_bytes, LiveWindow};
use crate::harness::{metric, Metric, Workload};
use crate::util::{black_box, runtime};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

// ---------------------------------------------------------------------------------------------
// wake_from_idle

pub const PACING: Duration = Duration::from_micros(100);

/// What the runtime thread and the sender thread share.
struct Shared {
    control: Mutex<Control>,
    requested: Condvar,
    /// Messages the receiver has taken, in all rounds.
    taken: AtomicU64,
}

struct Control {
    rounds: u64, // rounds asked for
    stop: bool,
}

/// Latency across threads into an idle runtime (experiment 04's `wake_from_idle`). A sender
/// thread lives as long as the case and holds the sending half of a
/// `tokio::sync::mpsc::unbounded_channel::<Instant>()`. Per iteration a spawned receiver task
/// (joined by the root) asks the sender for a round at its first poll; per message the sender
/// sleeps 100 us (`std::thread::sleep`), waits until the previous message was taken (it always
/// has been), takes `Instant::now()` and sends it; the receiver records `Instant::now()` after
/// `recv` returned minus that. Between messages the runtime has nothing to do and its thread
/// parks on tokio's condition variable (no I/O driver). N messages per iteration.
pub struct WakeFromIdle {
    rt: Runtime,
    n: usize,
    shared: Arc<Shared>,
    rx: Option<tokio::sync::mpsc::UnboundedReceiver<Instant>>,
    samples: Option<Vec<u64>>,
    sender: Option<std::thread::JoinHandle<()>>,
}

impl WakeFromIdle {
    pub fn new(n: usize) -> Self {
        let shared = Arc::new(Shared {
            control: Mutex::new(Control {
                rounds: 0,
                stop: false,
            }),
            requested: Condvar::new(),
            taken: AtomicU64::new(0),
        });
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
        let s = shared.clone();
        let sender = std::thread::spawn(move || send_loop(&s, &tx, n));
        WakeFromIdle {
            rt: runtime(),
            n,
            shared,
            rx: Some(rx),
            samples: Some(Vec::with_capacity(n)),
            sender: Some(sender),
        }
    }
}

/// The sender thread: per round, N paced messages.
fn send_loop(shared: &Shared, tx: &tokio::sync::mpsc::UnboundedSender<Instant>, n: usize) {
    let mut done = 0u64;
    let mut sent = 0u64;
    loop {
        {
            let mut c = shared.control.lock().expect("wake_from_idle: poisoned");
            while !c.stop && c.rounds <= done {
                c = shared.requested.wait(c).expect("wake_from_idle: poisoned");
            }
            if c.stop {
                return;
            }
            done += 1;
        }
        for _ in 0..n {
            std::thread::sleep(PACING);
            while shared.taken.load(Ordering::Acquire) < sent {
                std::thread::yield_now();
            }
            let t = Instant::now();
            if tx.send(t).is_err() {
                return;
            }
            sent += 1;
        }
    }
}

impl Drop for WakeFromIdle {
    fn drop(&mut self) {
        self.shared
            .control
            .lock()
            .expect("wake_from_idle: poisoned")
            .stop = true;
        self.shared.requested.notify_one();
        if let Some(t) = self.sender.take() {
            let _ = t.join();
        }
    }
}

/// The value at quantile `q` of sorted `v` (nearest rank).
fn quantile(v: &[u64], q: f64) -> f64 {
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1] as f64
}

/// `latency_p10_ns` ... `latency_p99_ns` of `samples` (ns): the same nearest-rank percentiles
/// as experiments/common/latency.hpp. Empty samples give no metric, as there.
pub fn latency_metrics(samples: &[u64]) -> Vec<Metric> {
    if samples.is_empty() {
        return Vec::new();
    }
    let mut v = samples.to_vec();
    v.sort_unstable();
    [
        (10, "latency_p10_ns"),
        (25, "latency_p25_ns"),
        (50, "latency_p50_ns"),
        (75, "latency_p75_ns"),
        (90, "latency_p90_ns"),
        (99, "latency_p99_ns"),
    ]
    .iter()
    .map(|&(p, name)| metric(name, "ns", quantile(&v, p as f64 / 100.0)))
    .collect()
}

impl Workload for WakeFromIdle {
    fn iteration(&mut self) {
        let n = self.n;
        let mut rx = self.rx.take().expect("wake_from_idle: receiver");
        let mut samples = self.samples.take().expect("wake_from_idle: samples");
        samples.clear();
        let shared = self.shared.clone();
        let (rx, samples) = self.rt.block_on(async move {
            tokio::spawn(async move {
                shared
                    .control
                    .lock()
                    .expect("wake_from_idle: poisoned")
                    .rounds += 1;
                shared.requested.notify_one();
                while samples.len() < n {
                    let sent = rx.recv().await.expect("wake_from_idle: the sender is gone");
                    let now = Instant::now();
                    samples.push(now.saturating_duration_since(sent).as_nanos() as u64);
                    shared.taken.fetch_add(1, Ordering::Release);
                }
                (rx, samples)
            })
            .await
            .expect("wake_from_idle: the receiver failed")
        });
        assert_eq!(samples.len(), n, "wake_from_idle: wrong sample count");
        self.rx = Some(rx);
        self.samples = Some(samples);
    }

    /// `latency_p10_ns` ... `latency_p99_ns` over the N samples of one (untimed) iteration.
    fn extras(&mut self) -> Vec<Metric> {
        self.iteration();
        latency_metrics(self.samples.as_ref().expect("wake_from_idle: samples"))
    }
}

// ---------------------------------------------------------------------------------------------
// idle_memory

thread_local! {
    /// Idle tasks polled at least once (they count themselves at their first poll).
    static IDLE_STARTED: Cell<usize> = const { Cell::new(0) };
}

/// What an idle task awaits: experiment 02's `await` param.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// `std::future::pending()`: no wake source at all.
    Nothing,
    /// Its own `tokio::sync::oneshot::Receiver`, the sender kept by the harness.
    Oneshot,
}

impl Wait {
    pub fn name(self) -> &'static str {
        match self {
            Wait::Nothing => "nothing",
            Wait::Oneshot => "oneshot",
        }
    }
}

/// A task pending on its own oneshot with P bytes of state carried across the await.
async fn idle_oneshot<const P: usize>(rx: tokio::sync::oneshot::Receiver<()>, seed: u8) {
    let payload = [seed; P];
    IDLE_STARTED.with(|c| c.set(c.get() + 1));
    let _ = rx.await;
    black_box(&payload);
}

/// A task pending for ever on nothing, with P bytes of state carried across the await.
async fn idle_nothing<const P: usize>(seed: u8) {
    let payload = [seed; P];
    IDLE_STARTED.with(|c| c.set(c.get() + 1));
    std::future::pending::<()>().await;
    black_box(&payload);
}

/// Spawns `n` idle tasks (senders, for `Wait::Oneshot`, and handles into the vectors), and
/// runs until each was polled once (the root yields; the scheduler runs the queue between its
/// polls).
fn spawn_idle<const P: usize>(
    rt: &Runtime,
    wait: Wait,
    senders: &mut Vec<tokio::sync::oneshot::Sender<()>>,
    handles: &mut Vec<JoinHandle<()>>,
    n: usize,
) {
    IDLE_STARTED.with(|c| c.set(0));
    rt.block_on(async {
        for i in 0..n {
            match wait {
                Wait::Oneshot => {
                    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                    senders.push(tx);
                    handles.push(tokio::spawn(idle_oneshot::<P>(rx, i as u8)));
                }
                Wait::Nothing => handles.push(tokio::spawn(idle_nothing::<P>(i as u8))),
            }
        }
        while IDLE_STARTED.with(|c| c.get()) < n {
            tokio::task::yield_now().await;
        }
    });
}

/// Ends the idle tasks: aborts them (as dropping gentask's join handles cancels its tasks),
/// waits until every one has ended, drops the senders and the handles.
fn end_idle(
    rt: &Runtime,
    senders: &mut Vec<tokio::sync::oneshot::Sender<()>>,
    handles: &mut Vec<JoinHandle<()>>,
) {
    for h in handles.iter() {
        h.abort();
    }
    rt.block_on(async {
        for h in handles.iter_mut() {
            let _ = h.await;
        }
    });
    handles.clear();
    senders.clear();
}

/// idle_memory with payload P, awaiting `wait`. Its iteration (time not reported: an untimed
/// workload) cycles N idle tasks through a warm runtime: spawn, poll once, end them; its
/// allocations per task are the `allocs_per_task` row. The metrics come from `measure` on a
/// fresh runtime.
pub struct IdleMemory<const P: usize> {
    rt: Runtime,
    n: usize,
    wait: Wait,
    senders: Vec<tokio::sync::oneshot::Sender<()>>,
    handles: Vec<JoinHandle<()>>,
}

impl<const P: usize> IdleMemory<P> {
    pub fn new(n: usize, wait: Wait) -> Self {
        IdleMemory {
            rt: runtime(),
            n,
            wait,
            senders: Vec::with_capacity(n),
            handles: Vec::with_capacity(n),
        }
    }
}

impl<const P: usize> Workload for IdleMemory<P> {
    fn iteration(&mut self) {
        spawn_idle::<P>(&self.rt, self.wait, &mut self.senders, &mut self.handles, self.n);
        end_idle(&self.rt, &mut self.senders, &mut self.handles);
    }

    /// One measurement on a fresh runtime, made before the window (its fixed size is not per
    /// task); inside the window: the handle vector and, for `Wait::Oneshot`, the sender vector
    /// (reserved there, as experiment 02 reserves its vectors inside its window), the N tasks
    /// and their oneshots, and whatever the scheduler's queue grew to while they were queued.
    fn extras(&mut self) -> Vec<Metric> {
        let n = self.n;
        let wait = self.wait;
        let rt = runtime();
        let future_bytes = match wait {
            Wait::Oneshot => {
                let (_tx, rx) = tokio::sync::oneshot::channel::<()>();
                std::mem::size_of_val(&idle_oneshot::<P>(rx, 0))
            }
            Wait::Nothing => std::mem::size_of_val(&idle_nothing::<P>(0)),
        };
        let (counted, malloc) = {
            let malloc_before = malloc_live_bytes();
            let window = LiveWindow::new();
            let mut senders = Vec::with_capacity(if wait == Wait::Oneshot { n } else { 0 });
            let mut handles = Vec::with_capacity(n);
            spawn_idle::<P>(&rt, wait, &mut senders, &mut handles, n);
            let counted = window.live_bytes() as f64;
            let malloc = malloc_live_bytes() - malloc_before;
            drop(window);
            end_idle(&rt, &mut senders, &mut handles);
            (counted, malloc)
        };
        // The oneshots alone: N channels, the senders kept in a vector reserved in the window.
        let channel = if wait == Wait::Oneshot {
            let window = LiveWindow::new();
            let mut senders = Vec::with_capacity(n);
            for _ in 0..n {
                let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                senders.push(tx);
                drop(rx);
            }
            let bytes = window.live_bytes() as f64;
            drop(window);
            drop(senders);
            bytes
        } else {
            0.0
        };
        drop(rt);
        let per_task = counted / n as f64;
        vec![
            metric("bytes_per_idle_task", "bytes", per_task),
            metric("overhead_bytes_per_idle_task", "bytes", per_task - P as f64),
            metric("malloc_bytes_per_idle_task", "bytes", malloc / n as f64),
            metric("channel_bytes_per_idle_task", "bytes", channel / n as f64),
            metric("sizeof_future", "bytes", future_bytes as f64),
        ]
    }
}
