//! join_all: futures-rs' `futures::future::join_all` over N flag children, on tokio's
//! `current_thread` runtime, as experiment 05's workload (experiments/05-join-all/workloads.hpp):
//! child i is pending until flag i of a shared board is set, then ready with i (`u32`); polled
//! pending, it keeps its context's waker in the board (replaced only when `will_wake` is false).
//! The root future polls the set; while it is pending it fires one child (sets its flag, takes
//! its waker out and wakes it) in the order of a fixed permutation of 0..N-1 (splitmix64, seed
//! 42, Fisher-Yates) and returns pending; when the set is ready the sum of the items is checked.
//! futures-util 0.3.21's `join_all` polls every child on each poll up to 30 children and uses a
//! `FuturesOrdered` (a `FuturesUnordered` with a waker per child, one `Arc` per child) above.
//!
//! Extra metric `child_polls_per_child`: polls of children per child (untimed pass).

use crate::harness::{metric, Metric, Workload};
use crate::util::{runtime, SplitMix64};
use futures::future::{join_all, poll_fn};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use tokio::runtime::Runtime;

/// The flags and the kept wakers of one case; reset by every iteration.
struct Board {
    fired: RefCell<Vec<bool>>,
    wakers: RefCell<Vec<Option<Waker>>>,
    child_polls: Cell<u64>,
}

impl Board {
    fn reset(&self, n: usize) {
        let mut fired = self.fired.borrow_mut();
        fired.clear();
        fired.resize(n, false);
        // Each is None: fire() took it out, or it was never set.
        self.wakers.borrow_mut().resize_with(n, || None);
    }
    #[inline]
    fn fire(&self, i: u32) {
        self.fired.borrow_mut()[i as usize] = true;
        let w = self.wakers.borrow_mut()[i as usize].take();
        if let Some(w) = w {
            w.wake();
        }
    }
}

/// Pending until its flag is set, then ready with its index.
struct FlagChild<'a> {
    board: &'a Board,
    index: u32,
}

impl Future for FlagChild<'_> {
    type Output = u32;
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let b = self.board;
        b.child_polls.set(b.child_polls.get() + 1);
        if b.fired.borrow()[self.index as usize] {
            return Poll::Ready(self.index);
        }
        let mut wakers = b.wakers.borrow_mut();
        let kept = &mut wakers[self.index as usize];
        match kept {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *kept = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// The fire order: a permutation of 0..n-1 (for i from n-1 down to 1, swap i with
/// next() % (i + 1)).
fn fire_order(n: u32) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n).collect();
    let mut rng = SplitMix64::new();
    let mut i = n as usize;
    while i > 1 {
        i -= 1;
        let j = (rng.next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

pub struct JoinAll {
    rt: Runtime,
    n: u32,
    order: Vec<u32>,
    board: Board,
}

impl JoinAll {
    pub fn new(n: u32) -> Self {
        JoinAll {
            rt: runtime(),
            n,
            order: fire_order(n),
            board: Board {
                fired: RefCell::new(Vec::new()),
                wakers: RefCell::new(Vec::new()),
                child_polls: Cell::new(0),
            },
        }
    }
}

impl Workload for JoinAll {
    fn iteration(&mut self) {
        let n = self.n;
        let board = &self.board;
        let order = &self.order;
        board.reset(n as usize);
        let sum = self.rt.block_on(async move {
            let mut set = join_all((0..n).map(|index| FlagChild { board, index }));
            let mut next = 0usize;
            let items = poll_fn(|cx| match Pin::new(&mut set).poll(cx) {
                Poll::Ready(items) => Poll::Ready(items),
                Poll::Pending => {
                    board.fire(order[next]);
                    next += 1;
                    Poll::Pending
                }
            })
            .await;
            items.iter().map(|&i| u64::from(i)).sum::<u64>()
        });
        assert_eq!(sum, u64::from(n) * u64::from(n.saturating_sub(1)) / 2, "join_all: wrong sum");
    }
    fn extras(&mut self) -> Vec<Metric> {
        self.board.child_polls.set(0);
        self.iteration();
        let polls = self.board.child_polls.get() as f64 / f64::from(self.n);
        vec![metric("child_polls_per_child", "poll", polls)]
    }
}
