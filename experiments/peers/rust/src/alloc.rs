//! Allocation counting, the Rust side of `experiments/common/alloc_counter.hpp`: a global
//! allocator wrapping `System` (glibc malloc) that counts allocations and live bytes while
//! counting is on. Counting is off unless a probe or a window is alive, so timed passes pay one
//! relaxed load per allocation and deallocation and nothing else.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

pub struct CountingAllocator;

/// Whether allocations are counted now.
pub static COUNTING: AtomicBool = AtomicBool::new(false);
/// Allocations (alloc, alloc_zeroed and realloc, which C++ would do as new + delete) made while
/// counting was on, on any thread.
pub static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// Bytes allocated minus bytes freed while counting was on (requested sizes: malloc's own chunk
/// headers and rounding are not in it; see `malloc_live_bytes`).
pub static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            LIVE_BYTES.fetch_add(layout.size() as i64, Relaxed);
        }
        System.alloc(layout)
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            LIVE_BYTES.fetch_add(layout.size() as i64, Relaxed);
        }
        System.alloc_zeroed(layout)
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE_BYTES.fetch_sub(layout.size() as i64, Relaxed);
        }
        System.dealloc(ptr, layout)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            LIVE_BYTES.fetch_add(new_size as i64 - layout.size() as i64, Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

/// The allocations counted so far.
#[inline]
pub fn allocation_count() -> u64 {
    ALLOCATIONS.load(Relaxed)
}

/// Counts the allocations made (on any thread) while it is alive (`allocation_probe`).
pub struct AllocationProbe {
    start: u64,
}

impl AllocationProbe {
    pub fn new() -> Self {
        let start = ALLOCATIONS.load(Relaxed);
        COUNTING.store(true, Relaxed);
        AllocationProbe { start }
    }
    pub fn count(&self) -> u64 {
        ALLOCATIONS.load(Relaxed) - self.start
    }
}

impl Drop for AllocationProbe {
    fn drop(&mut self) {
        COUNTING.store(false, Relaxed);
    }
}

/// Turns counting off for its scope (`allocation_pause` of experiment 03): one relaxed load
/// when counting is off.
pub struct AllocationPause {
    was: bool,
}

impl AllocationPause {
    #[inline]
    pub fn new() -> Self {
        let was = COUNTING.load(Relaxed);
        if was {
            COUNTING.store(false, Relaxed);
        }
        AllocationPause { was }
    }
}

impl Drop for AllocationPause {
    #[inline]
    fn drop(&mut self) {
        if self.was {
            COUNTING.store(true, Relaxed);
        }
    }
}

/// Live bytes while it is alive: counting on, `live_bytes()` is the requested bytes allocated
/// minus freed since it began (that is, live bytes now minus live bytes then).
pub struct LiveWindow {
    start: i64,
}

impl LiveWindow {
    pub fn new() -> Self {
        let start = LIVE_BYTES.load(Relaxed);
        COUNTING.store(true, Relaxed);
        LiveWindow { start }
    }
    pub fn live_bytes(&self) -> i64 {
        LIVE_BYTES.load(Relaxed) - self.start
    }
}

impl Drop for LiveWindow {
    fn drop(&mut self) {
        COUNTING.store(false, Relaxed);
    }
}

/// glibc's view of the live heap (as experiment 02 measures it): bytes in use in all arenas
/// plus mmapped blocks, malloc's chunk headers and rounding included.
pub fn malloc_live_bytes() -> f64 {
    // SAFETY: mallinfo2 only reads the allocator's statistics (glibc 2.33 or later).
    let m = unsafe { libc::mallinfo2() };
    m.uordblks as f64 + m.hblkhd as f64
}
