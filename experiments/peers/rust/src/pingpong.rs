//! yield_loop, ping_pong_oneshot (tokio's and futures-rs's oneshot) and ping_pong_mpsc.

use crate::harness::Workload;
use crate::util::{runtime, runtime_with, Drivers};
use tokio::runtime::Runtime;

// ---------------------------------------------------------------------------------------------
// yield_loop

/// One spawned task, joined by the root, yields N times with `tokio::task::yield_now()`, then
/// completes with N (experiment 04's `yield_task` under `join_one_root`). In tokio 1.24 a yield
/// puts the task's waker on the scheduler's defer list, woken (the task rescheduled) when the
/// scheduler finds its queue empty and calls `park_yield`.
pub struct YieldLoop {
    rt: Runtime,
    n: u64,
}

impl YieldLoop {
    pub fn new(n: u64, drivers: Drivers) -> Self {
        YieldLoop {
            rt: runtime_with(drivers),
            n,
        }
    }
}

impl Workload for YieldLoop {
    fn iteration(&mut self) {
        let n = self.n;
        let yields = self.rt.block_on(async move {
            tokio::spawn(async move {
                let mut yields = 0u64;
                while yields < n {
                    yields += 1;
                    tokio::task::yield_now().await;
                }
                yields
            })
            .await
            .expect("yield_loop: the task failed")
        });
        assert_eq!(yields, n, "yield_loop: wrong yield count");
    }
}

// ---------------------------------------------------------------------------------------------
// ping_pong_oneshot

/// A request of A to B: where to reply, and where the next request will come.
struct TokioRequest {
    reply: tokio::sync::oneshot::Sender<()>,
    next: tokio::sync::oneshot::Receiver<TokioRequest>,
}

struct FuturesRequest {
    reply: futures::channel::oneshot::Sender<()>,
    next: futures::channel::oneshot::Receiver<FuturesRequest>,
}

/// Two spawned tasks A and B, joined by the root (B spawned first; the root awaits A's handle,
/// then B's), as experiment 04's `join_two_root`. Each round trip uses fresh oneshots: A makes
/// (reply_tx, reply_rx) and (next_tx, next_rx), sends {reply_tx, next_rx} to B on the current
/// request oneshot and awaits reply_rx; B receives, replies `()`, then awaits next_rx. The first
/// request oneshot is made by the iteration (before `block_on`); after N round trips A drops
/// its last request sender, B's await fails and B ends.
pub struct PingPongOneshot {
    rt: Runtime,
    n: u64,
    /// futures-rs's `futures::channel::oneshot` instead of `tokio::sync::oneshot`.
    futures_channel: bool,
}

impl PingPongOneshot {
    pub fn tokio(n: u64, drivers: Drivers) -> Self {
        PingPongOneshot {
            rt: runtime_with(drivers),
            n,
            futures_channel: false,
        }
    }
    pub fn futures(n: u64, drivers: Drivers) -> Self {
        PingPongOneshot {
            rt: runtime_with(drivers),
            n,
            futures_channel: true,
        }
    }
}

/// The body of one ping_pong_oneshot iteration over the oneshot module `$m` and request type
/// `$req` (the same code for both channels).
macro_rules! ping_pong_oneshot {
    ($rt:expr, $n:expr, $m:path, $req:ident) => {{
        use $m as oneshot;
        let n: u64 = $n;
        let (first_tx, first_rx) = oneshot::channel::<$req>();
        $rt.block_on(async move {
            let b = tokio::spawn(async move {
                let mut rx = first_rx;
                let mut served = 0u64;
                while let Ok(req) = rx.await {
                    if req.reply.send(()).is_err() {
                        panic!("ping_pong_oneshot: A is gone");
                    }
                    served += 1;
                    rx = req.next;
                }
                served
            });
            let a = tokio::spawn(async move {
                let mut tx = first_tx;
                let mut done = 0u64;
                while done < n {
                    let (reply_tx, reply_rx) = oneshot::channel::<()>();
                    let (next_tx, next_rx) = oneshot::channel::<$req>();
                    if tx
                        .send($req {
                            reply: reply_tx,
                            next: next_rx,
                        })
                        .is_err()
                    {
                        panic!("ping_pong_oneshot: B is gone");
                    }
                    tx = next_tx;
                    reply_rx.await.expect("ping_pong_oneshot: reply canceled");
                    done += 1;
                }
                drop(tx); // B sees its request sender dropped and ends
                done
            });
            let a = a.await.expect("ping_pong_oneshot: A failed");
            let b = b.await.expect("ping_pong_oneshot: B failed");
            (a, b)
        })
    }};
}

impl Workload for PingPongOneshot {
    fn iteration(&mut self) {
        let (a, b) = if self.futures_channel {
            ping_pong_oneshot!(self.rt, self.n, futures::channel::oneshot, FuturesRequest)
        } else {
            ping_pong_oneshot!(self.rt, self.n, tokio::sync::oneshot, TokioRequest)
        };
        assert!(
            a == self.n && b == self.n,
            "ping_pong_oneshot: wrong round trip count"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// ping_pong_mpsc

/// Two spawned tasks (B first; the root awaits A, then B) and two bounded `tokio::sync::mpsc`
/// channels of capacity 1 (A to B, B to A), made by the iteration: A sends i (`send().await`)
/// and awaits the echo (checked), B echoes each item back; after N round trips A drops its
/// sender and B's `recv` returns `None`.
pub struct PingPongMpsc {
    rt: Runtime,
    n: u64,
}

impl PingPongMpsc {
    pub fn new(n: u64) -> Self {
        PingPongMpsc { rt: runtime(), n }
    }
}

impl Workload for PingPongMpsc {
    fn iteration(&mut self) {
        use tokio::sync::mpsc;
        let n = self.n;
        let (ab_tx, mut ab_rx) = mpsc::channel::<u64>(1);
        let (ba_tx, mut ba_rx) = mpsc::channel::<u64>(1);
        let (a, b) = self.rt.block_on(async move {
            let b = tokio::spawn(async move {
                let mut echoed = 0u64;
                while let Some(v) = ab_rx.recv().await {
                    if ba_tx.send(v).await.is_err() {
                        panic!("ping_pong_mpsc: A is gone");
                    }
                    echoed += 1;
                }
                echoed
            });
            let a = tokio::spawn(async move {
                let mut i = 0u64;
                while i < n {
                    if ab_tx.send(i).await.is_err() {
                        panic!("ping_pong_mpsc: B is gone");
                    }
                    let v = ba_rx.recv().await;
                    assert!(v == Some(i), "ping_pong_mpsc: wrong echo");
                    i += 1;
                }
                drop(ab_tx); // B's stream ends
                i
            });
            let a = a.await.expect("ping_pong_mpsc: A failed");
            let b = b.await.expect("ping_pong_mpsc: B failed");
            (a, b)
        });
        assert!(a == n && b == n, "ping_pong_mpsc: wrong round trip count");
    }
}
