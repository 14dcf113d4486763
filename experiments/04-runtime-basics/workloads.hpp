#pragma once
/// @file
/// The workloads of experiment 04: gentask's side of the shared workloads
/// (experiments/peers/WORKLOADS.md) that no earlier experiment covers, with the same names and
/// params as the peers (tokio, Asio), so that `summary.csv` rows line up by (workload, param).
/// Each `run.<variant>.cpp` calls `register_variant<V>()` with a `V` that names the variant and
/// its reactor (`V::reactor`). Everything runs inside `block_on` of a root future, and the timed
/// code runs in tasks of the reactor.
///
///   yield_loop         one spawned task, joined by the root, wakes its own waker and returns
///                      pending N times, then completes with N. Param `n=N`; the unit is one
///                      yield (one wake and one poll of the task).
///   spawn_detached     the root stores its waker, then spawns N tasks without keeping a handle
///                      (`spawn(task, f).detach()`); task i adds i to a shared counter (a plain
///                      `uint64_t`) and the last one wakes the root's stored waker; the root
///                      checks the sum, N(N-1)/2. Param `n=N`; the unit is one task.
///   ping_pong_oneshot  two spawned tasks A and B, joined by the root (B spawned first). Each
///                      round trip uses fresh oneshots: A makes (reply_tx, reply_rx) and
///                      (next_tx, next_rx), sends {reply_tx, next_rx} to B on the current
///                      request oneshot and awaits reply_rx; B receives, replies `unit` on
///                      reply_tx, then awaits next_rx. The first request oneshot is made by the
///                      iteration; after N round trips A drops its last request sender, B sees
///                      `canceled` and ends. Param `n=N`; the unit is one round trip.
///   ping_pong_mpsc     two spawned tasks and two bounded mpsc channels of capacity 1 (A to B,
///                      B to A), made by the iteration: A sends `uint64_t` i through a send
///                      future and awaits the echo (checked), B echoes each item back through a
///                      send future; after N round trips A drops its sender and B's stream
///                      ends. Param `n=N`; the unit is one round trip.
///   wake_from_idle     latency across threads into an idle reactor. A spawned receiver task
///                      (joined by the root) hands its `remote_waker` (`get_remote_waker()`) to
///                      a sender thread that lives as long as the case; per message the sender
///                      sleeps 100 us, waits until the previous timestamp was taken (it always
///                      has been, outside sanitizers and valgrind), stores its `steady_clock`
///                      time (ns) in an atomic slot and wakes the receiver. The reactor, with
///                      nothing ready, parks through its unparker (`V::reactor`'s: a futex word
///                      by default on Linux); the receiver, when polled, takes the slot and
///                      records now - timestamp. N messages per iteration. Param `n=N`; the
///                      unit is one wake. Extra metrics `latency_p10_ns` ... `latency_p99_ns`
///                      (common/latency.hpp) (nearest rank over the N samples of one iteration,
///                      measured in the untimed pass of each repetition); `ns_per_wake` is wall
///                      time over N, dominated by the pacing. Not run under callgrind (threads,
///                      sleeps).
///
/// Every case keeps its reactor (and its reserved vectors, and the sender thread) across
/// iterations, so the typed groups are warm and the harness's warm-up iterations run before
/// allocations are counted: the figures are steady state. Tasks, channels and oneshots that the
/// definitions make per iteration or per round trip are made per iteration or per round trip.

#include "../common/harness.hpp"
#include "../common/latency.hpp"

#include <gentask/channels/mpsc.hpp>
#include <gentask/channels/oneshot.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/spawn/join_handle.hpp>
#include <gentask/spawn/spawn.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace gentask::bench::exp04 {

// ---------------------------------------------------------------------------------------------
// Sizes (WORKLOADS.md's quick set; the same in full mode).

inline constexpr std::uint64_t yield_n = 1000;
inline constexpr std::uint64_t detached_n = 10000;
inline constexpr std::uint64_t ping_pong_n = 1000;
inline constexpr std::uint64_t idle_n = 1000;
inline constexpr std::chrono::microseconds idle_pace{100};

/// The harness options of a case (set one by one: g++ 12 warns about designated initialisers
/// that leave a member out).
inline case_options options(bool callgrind, std::size_t probe_iterations,
                            std::function<std::vector<extra_metric>()> extra_metrics = {}) {
  case_options o;
  o.callgrind = callgrind;
  o.probe_iterations = probe_iterations;
  o.extra_metrics = std::move(extra_metrics);
  return o;
}

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "exp04: %s\n", what);
  std::abort();
}
inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

inline std::string n_param(std::uint64_t n) { return "n=" + std::to_string(n); }

/// The join handle a spawn of `F` gives.
template <class F>
using handle_for = join_handle<item_type_t<F>, error_type_t<F>>;

// ---------------------------------------------------------------------------------------------
// Roots: spawn one or two tasks and await their handles.

/// Spawns `f` through its task at the first poll and awaits the handle; ready with the task's
/// item (a failed join aborts).
template <class F>
class join_one_root {
 public:
  using future_concept = future_tag;
  using item_type = item_type_t<F>;
  using error_type = never;

  explicit join_one_root(F f) : f_(std::move(f)) {}

  template <spawning_task Task>
  poll_result<item_type, never> poll(Task& task) {
    if (!handle_) handle_.emplace(gentask::spawn(task, std::move(f_)));
    auto r = handle_->poll(task);
    if (r.is_pending()) return pending;
    check(r.is_ready(), "join_one_root: the task failed");
    return ready_value<item_type>{std::move(r).get_value()};
  }

 private:
  F f_;
  std::optional<handle_for<F>> handle_;
};

/// Spawns `b`, then `a`, at the first poll and awaits a's handle, then b's; ready with both
/// items.
template <class A, class B>
class join_two_root {
 public:
  using future_concept = future_tag;
  using item_type = std::pair<item_type_t<A>, item_type_t<B>>;
  using error_type = never;

  join_two_root(A a, B b) : a_(std::move(a)), b_(std::move(b)) {}

  template <spawning_task Task>
  poll_result<item_type, never> poll(Task& task) {
    if (!hb_) {
      hb_.emplace(gentask::spawn(task, std::move(b_)));
      ha_.emplace(gentask::spawn(task, std::move(a_)));
    }
    if (!ra_) {
      auto r = ha_->poll(task);
      if (r.is_pending()) return pending;
      check(r.is_ready(), "join_two_root: task A failed");
      ra_.emplace(std::move(r).get_value());
    }
    auto r = hb_->poll(task);
    if (r.is_pending()) return pending;
    check(r.is_ready(), "join_two_root: task B failed");
    return ready_value<item_type>{item_type(std::move(*ra_), std::move(r).get_value())};
  }

 private:
  A a_;
  B b_;
  std::optional<handle_for<A>> ha_;
  std::optional<handle_for<B>> hb_;
  std::optional<item_type_t<A>> ra_;
};

// ---------------------------------------------------------------------------------------------
// yield_loop

/// Wakes its own waker and returns pending `n` times, then completes with `n`.
class yield_task {
 public:
  using future_concept = future_tag;
  using item_type = std::uint64_t;
  using error_type = never;

  explicit yield_task(std::uint64_t n) noexcept : n_(n) {}

  template <task Task>
  poll_result<std::uint64_t, never> poll(Task& task) {
    if (yields_ == n_) return ready_value{yields_};
    ++yields_;
    task.get_waker().wake();
    return pending;
  }

 private:
  std::uint64_t n_;
  std::uint64_t yields_ = 0;
};

template <class Reactor>
struct reactor_state {
  Reactor reactor;
};

template <class V>
void add_yield_loop(std::uint64_t n) {
  auto st = std::make_shared<reactor_state<typename V::reactor>>();
  register_case(
      "yield_loop", V::name, n_param(n), static_cast<double>(n),
      [st, n] {
        auto r = st->reactor.block_on(join_one_root<yield_task>(yield_task(n)));
        check(r.get_value() == n, "yield_loop: wrong yield count");
        benchmark::DoNotOptimize(r);
      },
      options(true, 64));
}

// ---------------------------------------------------------------------------------------------
// spawn_detached

/// What spawn_detached's tasks count on (the reactor thread only).
struct detached_board {
  std::uint64_t sum = 0;
  std::uint64_t done = 0;
  std::uint64_t target = 0;
  waker root;  // the root's waker: the last task wakes it
};

/// Adds its index to the board at its first poll; the last one wakes the root.
class add_task {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  add_task(detached_board* board, std::uint64_t index) noexcept : board_(board), index_(index) {}

  template <task Task>
  poll_result<unit, never> poll(Task& /*task*/) noexcept {
    board_->sum += index_;
    if (++board_->done == board_->target) board_->root.wake();
    return ready_value{unit{}};
  }

 private:
  detached_board* board_;
  std::uint64_t index_;
};

/// Stores its waker, spawns `target` detached add_tasks, and completes with the sum once all
/// ran.
class detached_root {
 public:
  using future_concept = future_tag;
  using item_type = std::uint64_t;
  using error_type = never;

  explicit detached_root(detached_board* board) noexcept : board_(board) {}

  template <spawning_task Task>
  poll_result<std::uint64_t, never> poll(Task& task) {
    if (!spawned_) {
      spawned_ = true;
      board_->root = task.get_waker();
      for (std::uint64_t i = 0; i < board_->target; ++i) {
        gentask::spawn(task, add_task(board_, i)).detach();
      }
    }
    if (board_->done != board_->target) return pending;
    return ready_value{board_->sum};
  }

 private:
  detached_board* board_;
  bool spawned_ = false;
};

template <class Reactor>
struct detached_state {
  Reactor reactor;
  detached_board board;
};

template <class V>
void add_spawn_detached(std::uint64_t n) {
  auto st = std::make_shared<detached_state<typename V::reactor>>();
  const std::uint64_t expected = n * (n - 1) / 2;
  register_case(
      "spawn_detached", V::name, n_param(n), static_cast<double>(n),
      [st, n, expected] {
        st->board.sum = 0;
        st->board.done = 0;
        st->board.target = n;
        auto r = st->reactor.block_on(detached_root(&st->board));
        check(r.get_value() == expected, "spawn_detached: wrong sum");
        check(st->reactor.get_task_count() == 0, "spawn_detached: tasks left");
        benchmark::DoNotOptimize(r);
      },
      options(true, 16));
}

// ---------------------------------------------------------------------------------------------
// ping_pong_oneshot

/// A request from A to B: where to reply, and where the next request will come from.
struct pp_request {
  oneshot::sender<unit> reply;
  oneshot::receiver<pp_request> next;
};

/// A: N round trips, each on fresh oneshots; then drops its last request sender. Completes
/// with the round trips made.
class oneshot_pinger {
 public:
  using future_concept = future_tag;
  using item_type = std::uint64_t;
  using error_type = never;

  oneshot_pinger(oneshot::sender<pp_request> first, std::uint64_t n) noexcept
      : tx_(std::move(first)), n_(n) {}

  template <task Task>
  poll_result<std::uint64_t, never> poll(Task& task) {
    for (;;) {
      if (waiting_) {
        auto r = reply_.poll(task);
        if (r.is_pending()) return pending;
        check(r.is_ready(), "ping_pong_oneshot: reply canceled");
        waiting_ = false;
        ++done_;
      }
      if (done_ == n_) {
        tx_ = oneshot::sender<pp_request>();  // B sees `canceled` and ends
        return ready_value{done_};
      }
      auto [reply_tx, reply_rx] = oneshot::channel<unit>();
      auto [next_tx, next_rx] = oneshot::channel<pp_request>();
      check(!std::move(tx_).send(pp_request{std::move(reply_tx), std::move(next_rx)}),
            "ping_pong_oneshot: B is gone");
      tx_ = std::move(next_tx);
      reply_ = std::move(reply_rx);
      waiting_ = true;
    }
  }

 private:
  oneshot::sender<pp_request> tx_;
  oneshot::receiver<unit> reply_;
  std::uint64_t n_;
  std::uint64_t done_ = 0;
  bool waiting_ = false;
};

/// B: receives a request, replies, awaits the next; completes (with the requests served) when
/// A drops the request sender.
class oneshot_ponger {
 public:
  using future_concept = future_tag;
  using item_type = std::uint64_t;
  using error_type = never;

  explicit oneshot_ponger(oneshot::receiver<pp_request> rx) noexcept : rx_(std::move(rx)) {}

  template <task Task>
  poll_result<std::uint64_t, never> poll(Task& task) {
    for (;;) {
      auto r = rx_.poll(task);
      if (r.is_pending()) return pending;
      if (!r.is_ready()) return ready_value{served_};  // canceled: A is done
      pp_request& req = r.get_value();
      check(!std::move(req.reply).send(unit{}), "ping_pong_oneshot: A is gone");
      rx_ = std::move(req.next);
      ++served_;
    }
  }

 private:
  oneshot::receiver<pp_request> rx_;
  std::uint64_t served_ = 0;
};

template <class V>
void add_ping_pong_oneshot(std::uint64_t n) {
  auto st = std::make_shared<reactor_state<typename V::reactor>>();
  register_case(
      "ping_pong_oneshot", V::name, n_param(n), static_cast<double>(n),
      [st, n] {
        auto [tx, rx] = oneshot::channel<pp_request>();  // the first request oneshot
        auto r = st->reactor.block_on(join_two_root<oneshot_pinger, oneshot_ponger>(
            oneshot_pinger(std::move(tx), n), oneshot_ponger(std::move(rx))));
        check(r.get_value().first == n && r.get_value().second == n,
              "ping_pong_oneshot: wrong round trip count");
        benchmark::DoNotOptimize(r);
      },
      options(true, 64));
}

// ---------------------------------------------------------------------------------------------
// ping_pong_mpsc

/// A: sends i on A->B (a send future), awaits the echo on B->A, N times; then drops its sender.
class mpsc_pinger {
 public:
  using future_concept = future_tag;
  using item_type = std::uint64_t;
  using error_type = never;

  mpsc_pinger(mpsc::sender<std::uint64_t> tx, mpsc::receiver<std::uint64_t> rx,
              std::uint64_t n) noexcept
      : tx_(std::move(tx)), rx_(std::move(rx)), n_(n) {}
  // Moved only before its first poll (spawning moves it), so it starts afresh. (Moving the empty
  // optional instead trips a false -Wmaybe-uninitialized in g++ 12 at -O1 with sanitizers.)
  mpsc_pinger(mpsc_pinger&& other) noexcept
      : mpsc_pinger(std::move(other.tx_), std::move(other.rx_), other.n_) {
    assert(!other.send_ && !other.awaiting_ && other.i_ == 0);
  }
  mpsc_pinger(const mpsc_pinger&) = delete;
  mpsc_pinger& operator=(const mpsc_pinger&) = delete;
  mpsc_pinger& operator=(mpsc_pinger&&) = delete;
  ~mpsc_pinger() = default;

  template <task Task>
  poll_result<std::uint64_t, never> poll(Task& task) {
    for (;;) {
      if (send_) {
        auto r = send_->poll(task);
        if (r.is_pending()) return pending;
        check(r.is_ready(), "ping_pong_mpsc: B is gone");
        send_.reset();
        awaiting_ = true;
      }
      if (awaiting_) {
        auto r = rx_.poll_next(task);
        if (r.is_pending()) return pending;
        check(r.get_value().has_value() && *r.get_value() == i_, "ping_pong_mpsc: wrong echo");
        awaiting_ = false;
        ++i_;
      }
      if (i_ == n_) {
        tx_ = mpsc::sender<std::uint64_t>();  // B's stream ends
        return ready_value{i_};
      }
      send_.emplace(tx_.send(i_));
    }
  }

 private:
  mpsc::sender<std::uint64_t> tx_;
  mpsc::receiver<std::uint64_t> rx_;
  std::optional<mpsc::send_future<std::uint64_t>> send_;
  std::uint64_t n_;
  std::uint64_t i_ = 0;
  bool awaiting_ = false;
};

/// B: echoes every item of A->B on B->A (a send future); completes with the items echoed when
/// the stream ends.
class mpsc_ponger {
 public:
  using future_concept = future_tag;
  using item_type = std::uint64_t;
  using error_type = never;

  mpsc_ponger(mpsc::receiver<std::uint64_t> rx, mpsc::sender<std::uint64_t> tx) noexcept
      : rx_(std::move(rx)), tx_(std::move(tx)) {}
  // Moved only before its first poll, as mpsc_pinger.
  mpsc_ponger(mpsc_ponger&& other) noexcept
      : mpsc_ponger(std::move(other.rx_), std::move(other.tx_)) {
    assert(!other.send_ && other.echoed_ == 0);
  }
  mpsc_ponger(const mpsc_ponger&) = delete;
  mpsc_ponger& operator=(const mpsc_ponger&) = delete;
  mpsc_ponger& operator=(mpsc_ponger&&) = delete;
  ~mpsc_ponger() = default;

  template <task Task>
  poll_result<std::uint64_t, never> poll(Task& task) {
    for (;;) {
      if (send_) {
        auto r = send_->poll(task);
        if (r.is_pending()) return pending;
        check(r.is_ready(), "ping_pong_mpsc: A is gone");
        send_.reset();
      }
      auto r = rx_.poll_next(task);
      if (r.is_pending()) return pending;
      if (!r.get_value().has_value()) {
        tx_ = mpsc::sender<std::uint64_t>();
        return ready_value{echoed_};
      }
      send_.emplace(tx_.send(*r.get_value()));
      ++echoed_;
    }
  }

 private:
  mpsc::receiver<std::uint64_t> rx_;
  mpsc::sender<std::uint64_t> tx_;
  std::optional<mpsc::send_future<std::uint64_t>> send_;
  std::uint64_t echoed_ = 0;
};

template <class V>
void add_ping_pong_mpsc(std::uint64_t n) {
  auto st = std::make_shared<reactor_state<typename V::reactor>>();
  register_case(
      "ping_pong_mpsc", V::name, n_param(n), static_cast<double>(n),
      [st, n] {
        auto [ab_tx, ab_rx] = mpsc::channel<std::uint64_t>(1);
        auto [ba_tx, ba_rx] = mpsc::channel<std::uint64_t>(1);
        auto r = st->reactor.block_on(join_two_root<mpsc_pinger, mpsc_ponger>(
            mpsc_pinger(std::move(ab_tx), std::move(ba_rx), n),
            mpsc_ponger(std::move(ab_rx), std::move(ba_tx))));
        check(r.get_value().first == n && r.get_value().second == n,
              "ping_pong_mpsc: wrong round trip count");
        benchmark::DoNotOptimize(r);
      },
      options(true, 64));
}

// ---------------------------------------------------------------------------------------------
// wake_from_idle

inline std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The case's state: the reactor, the timestamp slot, the samples and the sender thread.
template <class Reactor>
struct idle_state {
  Reactor reactor;  // destroyed last
  std::uint64_t n = 0;
  /// The sender's timestamp (ns, steady_clock), 0 when taken.
  std::atomic<std::int64_t> slot{0};
  std::vector<std::int64_t> samples;  // reserved once; the reactor thread only
  std::mutex mutex;
  std::condition_variable requested;
  remote_waker target;       // guarded by `mutex`: the receiver's handle of this round
  std::uint64_t rounds = 0;  // guarded by `mutex`: rounds asked for
  bool stop = false;         // guarded by `mutex`
  std::thread sender;

  idle_state() = default;
  idle_state(const idle_state&) = delete;
  idle_state& operator=(const idle_state&) = delete;
  ~idle_state() {
    {
      const std::lock_guard lock(mutex);
      stop = true;
    }
    requested.notify_one();
    if (sender.joinable()) sender.join();
  }

  /// The sender thread: per round, N paced messages to the round's receiver.
  void send_loop() {
    std::uint64_t done = 0;
    for (;;) {
      remote_waker w;
      {
        std::unique_lock lock(mutex);
        requested.wait(lock, [&] { return stop || rounds > done; });
        if (stop) return;
        w = target;
        ++done;
      }
      for (std::uint64_t i = 0; i < n; ++i) {
        std::this_thread::sleep_for(idle_pace);
        // The previous timestamp has been taken long ago (the receiver takes it within
        // microseconds); waits only under sanitizers or valgrind.
        while (slot.load(std::memory_order_acquire) != 0) std::this_thread::yield();
        slot.store(steady_now_ns(), std::memory_order_release);
        w.wake();
      }
    }
  }
};

/// At its first poll, hands its remote_waker to the sender and asks for a round; then, on each
/// poll, takes the timestamp (if one is there) and records now - timestamp. Ready after N
/// samples.
template <class Reactor>
class idle_receiver {
 public:
  using future_concept = future_tag;
  using item_type = std::uint64_t;
  using error_type = never;

  explicit idle_receiver(idle_state<Reactor>* st) noexcept : st_(st) {}

  template <remote_waking_task Task>
  poll_result<std::uint64_t, never> poll(Task& task) {
    auto& st = *st_;
    if (!started_) {
      started_ = true;
      {
        const std::lock_guard lock(st.mutex);
        st.target = task.get_remote_waker();
        ++st.rounds;
      }
      st.requested.notify_one();
      return pending;
    }
    const std::int64_t ts = st.slot.exchange(0, std::memory_order_acq_rel);
    if (ts != 0) st.samples.push_back(steady_now_ns() - ts);
    if (st.samples.size() == st.n) return ready_value{std::uint64_t{st.samples.size()}};
    return pending;
  }

 private:
  idle_state<Reactor>* st_;
  bool started_ = false;
};

template <class V>
void add_wake_from_idle(std::uint64_t n) {
  using reactor_type = typename V::reactor;
  auto st = std::make_shared<idle_state<reactor_type>>();
  st->n = n;
  auto body = [st, n] {
    auto& s = *st;
    if (!s.sender.joinable()) {
      s.samples.reserve(n);
      s.sender = std::thread([&s] { s.send_loop(); });
    }
    s.samples.clear();
    auto r = s.reactor.block_on(
        join_one_root<idle_receiver<reactor_type>>(idle_receiver<reactor_type>(&s)));
    check(r.get_value() == n, "wake_from_idle: wrong sample count");
    benchmark::DoNotOptimize(r);
  };
  auto idle_options = options(false, 2, [st, body]() mutable {
    body();  // one iteration: N samples
    return latency_metrics(st->samples);
  });
  idle_options.real_time = true;  // mostly asleep: wall time decides the iteration count
  register_case("wake_from_idle", V::name, n_param(n), static_cast<double>(n), body, idle_options);
}

// ---------------------------------------------------------------------------------------------

/// Every case of variant `V`.
template <class V>
void register_variant() {
  add_yield_loop<V>(yield_n);
  add_spawn_detached<V>(detached_n);
  add_ping_pong_oneshot<V>(ping_pong_n);
  add_ping_pong_mpsc<V>(ping_pong_n);
  add_wake_from_idle<V>(idle_n);
}

}  // namespace gentask::bench::exp04
