//! A global allocator that counts bytes, for the benchmarks' peak-heap figures. Included by
//! each benchmark with `#[path]` (benchmarks cannot share a crate-private module otherwise).
//!
//! It wraps the allocator the measured program uses (the `ppgov` binary's, for benchmarks that
//! compare with it). Counting is off by default: its shared counters would slow multi-threaded runs, so
//! timings are taken with it off and peaks in a separate run with [`measure_peak`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts, then forwards every call to `A`.
pub struct Counting<A = System>(pub A);

static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);
/// Calls that returned memory (`alloc` and `realloc`) while counting.
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the wrapped allocator unchanged; only counters are added.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let size = layout.size() as isize;
            let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
            PEAK.fetch_max(now, Ordering::Relaxed);
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    // Forwarded, not left to the default (a new block, a copy and a free): the binary uses its
    // allocator's `realloc`, which shrinks and often grows in place.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let delta = new_size as isize - layout.size() as isize;
            let now = CURRENT.fetch_add(delta, Ordering::Relaxed) + delta;
            PEAK.fetch_max(now, Ordering::Relaxed);
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { self.0.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            CURRENT.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }
}

/// Runs `f` once with counting on; returns its result and the heap high-water mark above the
/// heap at the start (frees of older memory count against it, so it errs low, slightly).
pub fn measure_peak<T>(f: impl FnOnce() -> T) -> (T, usize) {
    CURRENT.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let out = f();
    COUNTING.store(false, Ordering::Relaxed);
    (out, PEAK.load(Ordering::Relaxed).max(0) as usize)
}

/// The median wall time of `runs` runs of `f` (counting off), then the peak heap of one more
/// run (counting on), and that run's result.
pub fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, usize, T) {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        drop(f());
        times.push(start.elapsed());
    }
    times.sort();
    let (out, peak) = measure_peak(f);
    (times[runs / 2], peak, out)
}

/// How many allocations (`alloc` and `realloc` calls) the last [`measure_peak`] (or
/// [`time`]'s counted run) made.
#[allow(dead_code)] // not every benchmark reports it
pub fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::Relaxed)
}
