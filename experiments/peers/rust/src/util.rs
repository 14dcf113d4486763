//! What the workloads share: the runtime, splitmix64, poll counters, a black box.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Set `GENTASK_TOKIO_ENABLE_ALL=1` to build every tokio runtime with `enable_all()` (the I/O
/// driver and the timer): a sensitivity check, not the measured configuration.
pub fn tokio_enable_all() -> bool {
    matches!(std::env::var("GENTASK_TOKIO_ENABLE_ALL"), Ok(v) if !v.is_empty() && v != "0")
}

/// Which drivers a tokio runtime is built with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Drivers {
    /// None (the measured configuration; variants `tokio` and `futures`), unless
    /// `GENTASK_TOKIO_ENABLE_ALL` is set.
    Off,
    /// `enable_all()`: the I/O and timer drivers, what `#[tokio::main]` builds (variants
    /// `tokio_enable_all` and `futures_enable_all`, always).
    All,
}

impl Drivers {
    /// The row's variant: `base` (`tokio` or `futures`) without drivers, `<base>_enable_all`
    /// with them. The param stays the same, so the two rows line up by (workload, param).
    pub fn variant(self, base: &str) -> String {
        match self {
            Drivers::Off => base.to_string(),
            Drivers::All => format!("{base}_enable_all"),
        }
    }
}

/// The runtime of every tokio case: `current_thread`, without the I/O and timer drivers unless
/// `GENTASK_TOKIO_ENABLE_ALL` is set. No workload needs I/O or timers, and gentask's local
/// reactor parks on a mutex and a condition variable as tokio's driver-less `ParkThread` does
/// (with the I/O driver, every wake of the `block_on` future from a task would write an eventfd
/// and the next park would call epoll_wait).
pub fn runtime() -> tokio::runtime::Runtime {
    runtime_with(Drivers::Off)
}

/// The runtime of a case that names its drivers: `Drivers::All` always enables them (the
/// `*_enable_all` variants), `Drivers::Off` as `runtime()`.
pub fn runtime_with(drivers: Drivers) -> tokio::runtime::Runtime {
    let mut b = tokio::runtime::Builder::new_current_thread();
    if drivers == Drivers::All || tokio_enable_all() {
        b.enable_all();
    }
    b.build().expect("cannot build the tokio runtime")
}

pub fn runtime_description() -> String {
    if tokio_enable_all() {
        "tokio current_thread, enable_all (I/O and timer drivers) in every variant \
         (GENTASK_TOKIO_ENABLE_ALL)"
            .into()
    } else {
        "tokio current_thread: variants tokio and futures without the I/O or timer driver \
         (parks on a condition variable); variants tokio_enable_all and futures_enable_all with \
         enable_all (I/O and timer drivers)"
            .into()
    }
}

/// splitmix64 seeded with 42: the slot sequence every side draws (WORKLOADS.md).
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new() -> Self {
        SplitMix64 { state: 42 }
    }
    #[inline]
    pub fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Keeps a value from being optimised away (`benchmark::DoNotOptimize`), on any Rust version.
#[inline]
pub fn black_box<T>(x: T) -> T {
    // SAFETY: reads a valid value; the original is forgotten, so it is moved, not copied.
    let r = unsafe { std::ptr::read_volatile(&x) };
    std::mem::forget(x);
    r
}

thread_local! {
    /// Polls of children (wake_one_of_n's `polls_per_wake`), on the runtime thread.
    pub static CHILD_POLLS: Cell<u64> = const { Cell::new(0) };
    /// Polls of the driver future (`parent_polls_per_wake`).
    pub static DRIVER_POLLS: Cell<u64> = const { Cell::new(0) };
}

#[inline]
fn bump(c: &'static std::thread::LocalKey<Cell<u64>>) {
    c.with(|c| c.set(c.get() + 1));
}

pub fn child_polls() -> u64 {
    CHILD_POLLS.with(|c| c.get())
}
pub fn driver_polls() -> u64 {
    DRIVER_POLLS.with(|c| c.get())
}

/// A child future that counts its polls (experiment 03's `slot_child` does the same).
pub struct CountedChild<F>(pub F);

impl<F: Future + Unpin> Future for CountedChild<F> {
    type Output = F::Output;
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        bump(&CHILD_POLLS);
        Pin::new(&mut self.0).poll(cx)
    }
}

/// A driver future that counts its polls.
pub struct CountedDriver<F>(pub F);

impl<F: Future> Future for CountedDriver<F> {
    type Output = F::Output;
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        bump(&DRIVER_POLLS);
        // SAFETY: structural pinning of the only field; it is never moved out.
        unsafe { self.map_unchecked_mut(|s| &mut s.0) }.poll(cx)
    }
}

/// Stores `cx`'s waker in `slot` unless the one there would wake the same task.
#[inline]
pub fn store_waker(slot: &'static std::thread::LocalKey<RefCell<Option<Waker>>>, cx: &Context<'_>) {
    slot.with(|s| {
        let mut s = s.borrow_mut();
        match &*s {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *s = Some(cx.waker().clone()),
        }
    });
}

/// Wakes the waker in `slot`, if any, taking it out.
#[inline]
pub fn wake_slot(slot: &'static std::thread::LocalKey<RefCell<Option<Waker>>>) {
    if let Some(w) = slot.with(|s| s.borrow_mut().take()) {
        w.wake();
    }
}
