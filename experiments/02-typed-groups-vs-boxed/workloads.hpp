#pragma once
/// @file
/// The workloads of experiment 02, shared by every storage variant. A variant `V` (variants.hpp)
/// names itself and maps a list of root future types to its reactor (`V::reactor<Fs...>`: the
/// closed map declares exactly `Fs...`, the others ignore them), so every variant runs the same
/// code on its own storage; `register_<family>_cases<V>()` registers one family of its cases,
/// each (variant, family) in a translation unit of its own (see "Case families" below).
///
///   spawn_complete      N trivial tasks spawned from a root future (driven by `block_on`)
///                       through its task, in batches of B; after each batch the root awaits the
///                       handles in order (`for (h : handles) co_await h`), so it is polled
///                       once per batch with the first handle pending and once with all ready.
///                       Params `batch=B;n=N`.
///   spawn_then_wake     N detached tasks spawned from outside, each pending once with its waker
///                       stored in a table (reserved once); run_until_idle (all pending), wake
///                       every stored waker, run_until_idle again (all complete, each freed as it
///                       completes). Param `n=N`.
///   mixed_types         spawn_complete with batch 1000 and n = 10000 over K distinct root types
///                       (task i is of type i % K, spawned by an unrolled round of K spawns).
///                       Param `n=10000;types=K`.
///   idle_memory         untimed: after N spawns of a task that stays pending (a payload of P
///                       bytes), polled once, live heap bytes (glibc `mallinfo2`, main heap plus
///                       mmapped blocks) minus those before, over N; a fresh reactor per
///                       measurement, the handles in a vector made inside the window. What the
///                       task awaits is the param `await`: `nothing` (pending, no wake source),
///                       `oneshot` (its own `oneshot::receiver`, the senders in a vector made
///                       inside the window, as the tokio peer does) or `timer` (a one-hour
///                       `sleep_for` on the reactor's timer queue, as the Asio peer's coroutine
///                       awaits its `steady_timer`). Param `await=A;n=N;payload=P`.
///   burst_then_steady   a fresh reactor: a burst of B trivial tasks spawned from outside, run,
///                       their handles dropped (every cell freed); then S batches of 1000 (spawn,
///                       run_until_idle, drop the handles), each timed; then the reactor goes idle
///                       (block_on of a 1 ms sleep: it parks). Extra metrics: `batch_worst_ns`
///                       and `batch_p99_ns` over the S batches (a stall in one completion shows
///                       there), `idle_heap_bytes` (live heap after the idle park minus before
///                       the reactor was made) and `idle_rss_bytes` (the process's resident
///                       set then; the runner pins glibc's trim threshold, so memory freed to
///                       malloc stays resident). Param `batch=1000;burst=B;steady=S`; the unit is
///                       one task (B + 1000 S per iteration); S = 0 (the burst, then idle at
///                       once: no batch metrics) and 2000; not under callgrind.
///   cross_thread_spawn  another thread spawns N tasks through the reactor's remote handle while
///                       the reactor thread runs `block_on` on a root that completes when all N
///                       ran (the last one wakes it). Param `n=N`.
///
/// Every case keeps its reactor (and its reserved vectors) across iterations, so groups are warm
/// and the harness's warm-up iterations run before allocations are counted: the figures are
/// steady state. One iteration is one whole workload (N tasks); the unit is one task.

#include "../common/harness.hpp"
#include "../common/latency.hpp"

#include <gentask/channels/oneshot.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/spawn/join_error.hpp>
#include <gentask/spawn/join_handle.hpp>
#include <gentask/spawn/remote_join_handle.hpp>
#include <gentask/spawn/spawn.hpp>
#include <gentask/time/sleep.hpp>

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace gentask::bench::exp02 {

// ---------------------------------------------------------------------------------------------
// Sizes. The `full`-only sizes are excluded in quick mode by the manifest's filter.

inline constexpr std::array<int, 4> spawn_sizes = {1000, 10000, 100000, 1000000};
inline constexpr int spawn_batch = 1000;
inline constexpr std::array<int, 3> wake_sizes = {1000, 10000, 100000};
inline constexpr int mixed_n = 10000;
inline constexpr int idle_n = 100000;
inline constexpr int cross_n = 10000;

/// Callgrind counts only the small cases: at most 10000 tasks per iteration, at most 1000 live
/// at once (it runs every case twice, 2 and 6 iterations, about 50 times slower than native).
inline constexpr int callgrind_max_n = 10000;
inline constexpr int callgrind_max_live = 1000;

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

/// Iterations of the allocation-counting pass: about 100000 tasks or more, at least 2.
inline std::size_t probe_iterations_for(int n) {
  return std::clamp<std::size_t>(200000 / static_cast<std::size_t>(n), 2, 64);
}

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "exp02: %s\n", what);
  std::abort();
}
inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// ---------------------------------------------------------------------------------------------
// Root future types of spawned tasks.

/// Ready with its value at the first poll. `K` only makes distinct types (mixed_types).
template <std::size_t K>
class trivial_task {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  explicit trivial_task(int value) noexcept : value_(value) {}

  template <task Task>
  poll_result<int, never> poll(Task& /*task*/) noexcept {
    return ready_value{value_};
  }

 private:
  int value_;
};

using int_handle = join_handle<int, never>;

/// Where spawn_then_wake's tasks park their wakers and leave their values.
struct wake_board {
  std::vector<waker> wakers;
  long long sum = 0;
};

/// Pending at its first poll (its waker stored on the board), ready at the second.
class wake_once_task {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  wake_once_task(wake_board* board, int value) noexcept : board_(board), value_(value) {}

  template <task Task>
  poll_result<int, never> poll(Task& task) {
    if (!parked_) {
      parked_ = true;
      board_->wakers.push_back(task.get_waker());  // reserved: never reallocates
      return pending;
    }
    board_->sum += value_;
    return ready_value{value_};
  }

 private:
  wake_board* board_;
  int value_;
  bool parked_ = false;
};

/// What an idle task awaits (idle_memory's `await` param).
enum class idle_wait { nothing, oneshot, timer };

inline const char* idle_wait_name(idle_wait w) noexcept {
  switch (w) {
    case idle_wait::nothing:
      return "nothing";
    case idle_wait::oneshot:
      return "oneshot";
    case idle_wait::timer:
      return "timer";
  }
  return "?";
}

/// What an idle task's constructor is given: its index and, for `oneshot`, its receiver.
struct idle_args {
  int value;
  oneshot::receiver<unit>* rx;
};

/// Holds `Bytes` of payload while it awaits `Wait`: nothing (pending, no wake handle kept), its
/// own oneshot receiver, or a one-hour sleep on the reactor's timer queue (idle_memory).
template <std::size_t Bytes, idle_wait Wait>
class idle_task {
  static_assert(Bytes % sizeof(std::uint64_t) == 0);

 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  explicit idle_task(idle_args a) : rx_(take_receiver(a)) {
    payload_.fill(static_cast<std::uint64_t>(a.value));
  }

  template <task Task>
  poll_result<int, never> poll(Task& task) {
    if constexpr (Wait == idle_wait::oneshot) {
      if (rx_.poll(task).is_pending()) return pending;
    } else if constexpr (Wait == idle_wait::timer) {
      if (sleep_.poll(task).is_pending()) return pending;
    } else {
      (void)task;
      return pending;
    }
    return ready_value{static_cast<int>(payload_[0])};
  }

 private:
  struct no_receiver {};  // two distinct empty types: both take no space
  struct no_sleep {};
  using receiver_type =
      std::conditional_t<Wait == idle_wait::oneshot, oneshot::receiver<unit>, no_receiver>;
  using sleep_type = std::conditional_t<Wait == idle_wait::timer, sleep_future, no_sleep>;

  static receiver_type take_receiver(idle_args a) {
    if constexpr (Wait == idle_wait::oneshot) {
      return std::move(*a.rx);
    } else {
      return no_receiver{};
    }
  }
  static sleep_type make_sleep() {
    if constexpr (Wait == idle_wait::timer) {
      return sleep_for(std::chrono::hours(1));
    } else {
      return no_sleep{};
    }
  }

  std::array<std::uint64_t, Bytes / sizeof(std::uint64_t)> payload_;
  [[no_unique_address]] receiver_type rx_;
  [[no_unique_address]] sleep_type sleep_ = make_sleep();
};

/// What cross_thread_spawn's tasks count on (touched on the reactor thread only).
struct cross_board {
  int done = 0;
  int target = 0;
  waker root;  // the root's waker: the last task wakes it
};

/// Counts itself done at its first poll; the last one wakes the root.
class counting_task {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  explicit counting_task(cross_board* board) noexcept : board_(board) {}

  template <task Task>
  poll_result<unit, never> poll(Task& /*task*/) noexcept {
    if (++board_->done == board_->target) board_->root.wake();
    return ready_value{unit{}};
  }

 private:
  cross_board* board_;
};

// ---------------------------------------------------------------------------------------------
// Root futures driven by block_on.

/// Spawns `n` trivial tasks in batches of `batch` through its task and awaits every handle in
/// order; ready with the sum of their values. Task i has type `trivial_task<i % Types>`.
template <std::size_t Types>
class spawn_root {
 public:
  using future_concept = future_tag;
  using item_type = long long;
  using error_type = never;

  spawn_root(std::vector<int_handle>& handles, int n, int batch) noexcept
      : handles_(&handles), n_(n), batch_(batch) {}

  template <spawning_task Task>
  poll_result<long long, never> poll(Task& task) {
    for (;;) {
      while (joined_ < handles_->size()) {
        auto r = (*handles_)[joined_].poll(task);
        if (r.is_pending()) return pending;
        sum_ += r.get_value();
        ++joined_;
      }
      handles_->clear();
      joined_ = 0;
      if (spawned_ == n_) return ready_value{sum_};
      const int count = std::min(batch_, n_ - spawned_);
      for (int i = 0; i < count; i += static_cast<int>(Types)) {
        spawn_round(task, spawned_ + i, std::make_index_sequence<Types>{});
      }
      spawned_ += count;
    }
  }

 private:
  template <class Task, std::size_t... Is>
  void spawn_round(Task& task, int base, std::index_sequence<Is...> /*types*/) {
    (handles_->push_back(gentask::spawn(task, trivial_task<Is>(base + static_cast<int>(Is)))), ...);
  }

  std::vector<int_handle>* handles_;
  int n_;
  int batch_;
  int spawned_ = 0;
  std::size_t joined_ = 0;
  long long sum_ = 0;
};

/// Pending until every counting task ran.
class wait_all_root {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  explicit wait_all_root(cross_board* board) noexcept : board_(board) {}

  template <task Task>
  poll_result<int, never> poll(Task& task) {
    if (board_->done == board_->target) return ready_value{board_->done};
    board_->root = task.get_waker();
    return pending;
  }

 private:
  cross_board* board_;
};

// ---------------------------------------------------------------------------------------------
// Registration.

inline std::string spawn_param(int batch, int n) {
  return "batch=" + std::to_string(batch) + ";n=" + std::to_string(n);
}
inline std::string n_param(int n) { return "n=" + std::to_string(n); }

template <class V, class Seq>
struct trivial_reactor;
template <class V, std::size_t... Is>
struct trivial_reactor<V, std::index_sequence<Is...>> {
  using type = typename V::template reactor<trivial_task<Is>...>;
};
/// The reactor of variant `V` for tasks of `trivial_task<0>` ... `trivial_task<Types - 1>`.
template <class V, std::size_t Types>
using trivial_reactor_t = typename trivial_reactor<V, std::make_index_sequence<Types>>::type;

template <class Reactor>
struct spawn_state {
  Reactor reactor;
  std::vector<int_handle> handles;
};

/// spawn_complete and mixed_types.
template <class V, std::size_t Types>
void add_spawn_case(const std::string& workload, const std::string& param, int n, int batch) {
  check(batch % static_cast<int>(Types) == 0 && n % batch == 0, "spawn case: uneven rounds");
  auto state = std::make_shared<spawn_state<trivial_reactor_t<V, Types>>>();
  const long long expected = static_cast<long long>(n) * (n - 1) / 2;
  register_case(
      workload, V::name, param, n,
      [state, n, batch, expected] {
        state->handles.reserve(static_cast<std::size_t>(batch));  // allocates in the warm-up only
        auto result = state->reactor.block_on(spawn_root<Types>(state->handles, n, batch));
        long long sum = result.get_value();
        check(sum == expected, "spawn_complete: wrong sum");
        benchmark::DoNotOptimize(sum);
      },
      options(n <= callgrind_max_n && batch <= callgrind_max_live, probe_iterations_for(n)));
}

template <class Reactor>
struct wake_state {
  Reactor reactor;
  wake_board board;
};

template <class V>
void add_wake_case(int n) {
  auto state = std::make_shared<wake_state<typename V::template reactor<wake_once_task>>>();
  const long long expected = static_cast<long long>(n) * (n - 1) / 2;
  register_case(
      "spawn_then_wake", V::name, n_param(n), n,
      [state, n, expected] {
        auto& reactor = state->reactor;
        auto& board = state->board;
        board.wakers.reserve(static_cast<std::size_t>(n));  // allocates in the warm-up only
        board.sum = 0;
        for (int i = 0; i < n; ++i) reactor.spawn_detached(wake_once_task(&board, i));
        reactor.run_until_idle();
        check(board.wakers.size() == static_cast<std::size_t>(n), "spawn_then_wake: not parked");
        for (const waker& w : board.wakers) w.wake();
        board.wakers.clear();
        reactor.run_until_idle();
        check(board.sum == expected && reactor.get_task_count() == 0,
              "spawn_then_wake: not all completed");
        benchmark::DoNotOptimize(board.sum);
      },
      options(n <= callgrind_max_live, probe_iterations_for(n)));
}

/// Live heap bytes: allocated in the heap (all arenas) plus in mmapped blocks.
inline double live_heap_bytes() {
  const struct mallinfo2 m = ::mallinfo2();
  return static_cast<double>(m.uordblks) + static_cast<double>(m.hblkhd);
}

/// The vectors an idle_memory measurement keeps: the join handles and, for `await=oneshot`,
/// the senders (both reserved inside the measurement window, as the tokio peer's are).
struct idle_holders {
  std::vector<int_handle> handles;
  std::vector<oneshot::sender<unit>> senders;

  void reserve(int n, idle_wait wait) {
    handles.reserve(static_cast<std::size_t>(n));
    if (wait == idle_wait::oneshot) senders.reserve(static_cast<std::size_t>(n));
  }
  /// Drops the handles (which cancels the tasks), then the senders.
  void clear() {
    handles.clear();
    senders.clear();
  }
};

/// Spawns `n` idle tasks of type `F` (awaiting `Wait`) into `reactor` and polls each once.
template <class F, idle_wait Wait, class Reactor>
void spawn_idle(Reactor& reactor, idle_holders& held, int n) {
  for (int i = 0; i < n; ++i) {
    if constexpr (Wait == idle_wait::oneshot) {
      auto [tx, rx] = oneshot::channel<unit>();
      held.senders.push_back(std::move(tx));
      held.handles.push_back(reactor.spawn(F(idle_args{i, &rx})));
    } else {
      held.handles.push_back(reactor.spawn(F(idle_args{i, nullptr})));
    }
  }
  reactor.run_until_idle();
  check(reactor.get_task_count() == static_cast<std::size_t>(n), "idle_memory: tasks ended");
}

/// One memory measurement on a fresh reactor (made before the window, its timer queue with it:
/// their fixed size is not per task; Asio's side makes its timer service before its window
/// too). Inside the window: the handle (and sender) vectors, the tasks, their channels and
/// their timer entries.
template <class Reactor, class F, idle_wait Wait>
std::vector<extra_metric> measure_idle(int n) {
  auto reactor = std::make_unique<Reactor>();
  const double before = live_heap_bytes();
  double after = 0;
  {
    idle_holders held;
    held.reserve(n, Wait);
    spawn_idle<F, Wait>(*reactor, held, n);
    after = live_heap_bytes();
    held.clear();  // cancels the tasks here, outside the window
  }
  const double per_task = (after - before) / n;
  const double future_bytes = sizeof(F);
  const double result_bytes = sizeof(join_result_t<F>);
  return {
      {"bytes_per_idle_task", "bytes", per_task},
      {"sizeof_future", "bytes", future_bytes},
      {"sizeof_result", "bytes", result_bytes},
      {"overhead_bytes_per_idle_task", "bytes", per_task - std::max(future_bytes, result_bytes)}};
}

template <class Reactor>
struct idle_state {
  Reactor reactor;
  idle_holders held;
};

/// idle_memory at payload `Bytes`, awaiting `Wait`. Its body (time not reported: an untimed
/// workload) cycles N idle tasks through a warm reactor: spawn, poll once, drop the handles
/// (which cancels them) and the senders; its allocations per task are the `allocs_per_task`
/// row.
template <class V, std::size_t Bytes, idle_wait Wait>
void add_idle_case() {
  using F = idle_task<Bytes, Wait>;
  using reactor_type = typename V::template reactor<F>;
  auto state = std::make_shared<idle_state<reactor_type>>();
  register_case(
      "idle_memory", V::name,
      std::string("await=") + idle_wait_name(Wait) + ";" + n_param(idle_n) +
          ";payload=" + std::to_string(Bytes),
      idle_n,
      [state] {
        state->held.reserve(idle_n, Wait);
        spawn_idle<F, Wait>(state->reactor, state->held, idle_n);
        state->held.clear();
      },
      options(false, 2, [] { return measure_idle<reactor_type, F, Wait>(idle_n); }));
}

template <class V, std::size_t Bytes>
void add_idle_cases() {
  add_idle_case<V, Bytes, idle_wait::nothing>();
  add_idle_case<V, Bytes, idle_wait::oneshot>();
  add_idle_case<V, Bytes, idle_wait::timer>();
}

template <class Reactor>
struct cross_state {
  Reactor reactor;
  cross_board board;
  std::vector<remote_join_handle<unit, never>> handles;
};

/// cross_thread_spawn. A new producer thread per iteration (its start and join are inside the
/// time: a few microseconds over N tasks).
template <class V>
void add_cross_case() {
  using reactor_type = typename V::template reactor<remote_runner<counting_task>>;
  auto state = std::make_shared<cross_state<reactor_type>>();
  register_case(
      "cross_thread_spawn", V::name, n_param(cross_n), cross_n,
      [state] {
        auto& board = state->board;
        board.done = 0;
        board.target = cross_n;
        state->handles.reserve(cross_n);  // allocates in the warm-up only
        // The remote handle is made here, before block_on, so the reactor never sees itself
        // without a remote handle (it would throw `stalled`).
        std::thread producer([remote = state->reactor.get_remote_handle(),
                              &handles = state->handles, &board]() mutable {
          for (int i = 0; i < cross_n; ++i) {
            auto spawned = remote.spawn(counting_task(&board));
            if (!spawned.is_spawned()) fail("cross_thread_spawn: reactor refused a spawn");
            handles.push_back(std::move(spawned).get_handle());
          }
        });
        auto result = state->reactor.block_on(wait_all_root(&board));
        producer.join();
        state->handles.clear();  // results are in: dropping the handles frees the shared states
        board.root = waker();
        check(result.get_value() == cross_n, "cross_thread_spawn: not all ran");
      },
      options(false, 8));
}

// ---------------------------------------------------------------------------------------------
// burst_then_steady

inline constexpr int burst_n = 1000000;
inline constexpr std::array<int, 2> burst_steady_batches = {0, 2000};

/// The process's resident set in bytes (/proc/self/statm).
inline double resident_bytes() {
  long pages = 0;
  long resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

struct burst_outcome {
  std::vector<std::int64_t> batch_ns;
  double heap_bytes = 0;
  double rss_bytes = 0;
};

/// One iteration of burst_then_steady on a fresh `Reactor`; fills `out` when given.
template <class Reactor>
void run_burst(int steady, burst_outcome* out) {
  const double heap_before = live_heap_bytes();
  {
    Reactor r;
    std::vector<int_handle> handles;
    handles.reserve(static_cast<std::size_t>(burst_n));
    for (int i = 0; i < burst_n; ++i) handles.push_back(r.spawn(trivial_task<0>(i)));
    r.run_until_idle();
    handles.clear();  // every task complete: dropping a handle frees its cell
    if (out != nullptr) out->batch_ns.reserve(static_cast<std::size_t>(steady));
    for (int b = 0; b < steady; ++b) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < spawn_batch; ++i) handles.push_back(r.spawn(trivial_task<0>(i)));
      r.run_until_idle();
      handles.clear();
      const auto t1 = std::chrono::steady_clock::now();
      if (out != nullptr) {
        out->batch_ns.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
      }
    }
    std::vector<int_handle>().swap(handles);  // the workload's own vector is not the reactor's
    check(r.block_on(sleep_for(std::chrono::milliseconds(1))).is_ready(), "burst: idle park");
    check(r.get_task_count() == 0, "burst: tasks left");
    if (out != nullptr) {
      out->heap_bytes = live_heap_bytes() - heap_before;
      out->rss_bytes = resident_bytes();
    }
  }
}

template <class V>
void add_burst_case(int steady) {
  using reactor_type = trivial_reactor_t<V, 1>;
  const double units = static_cast<double>(burst_n) + 1000.0 * steady;
  register_case(
      "burst_then_steady", V::name,
      "batch=1000;burst=" + std::to_string(burst_n) + ";steady=" + std::to_string(steady), units,
      [steady] { run_burst<reactor_type>(steady, nullptr); }, options(false, 2, [steady] {
        burst_outcome o;
        run_burst<reactor_type>(steady, &o);
        std::vector<extra_metric> m{{"idle_heap_bytes", "bytes", o.heap_bytes},
                                    {"idle_rss_bytes", "bytes", o.rss_bytes}};
        if (!o.batch_ns.empty()) {
          std::sort(o.batch_ns.begin(), o.batch_ns.end());
          m.push_back({"batch_worst_ns", "ns", static_cast<double>(o.batch_ns.back())});
          m.push_back({"batch_p99_ns", "ns", nearest_rank(o.batch_ns, 0.99)});
        }
        return m;
      }));
}

// ---------------------------------------------------------------------------------------------
// Case families. Each (variant, family) pair is compiled in a translation unit of its own
// (CMakeLists.txt generates them): GCC's inlining budget is per unit (`inline-unit-growth`), and
// with every case of a variant in one unit, the budget ran out before the workload's own
// `push_back` was inlined into the closed map's `block_on`, so a change anywhere else in the unit
// moved that case's instruction count by about 30 per task (NOTES.md section 8).

/// spawn_complete and spawn_then_wake of variant `V`.
template <class V>
void register_spawn_cases() {
  for (const int n : spawn_sizes) {
    add_spawn_case<V, 1>("spawn_complete", spawn_param(std::min(spawn_batch, n), n), n,
                         std::min(spawn_batch, n));
    if (n > spawn_batch) add_spawn_case<V, 1>("spawn_complete", spawn_param(n, n), n, n);
  }
  for (const int n : wake_sizes) add_wake_case<V>(n);
}

/// mixed_types of variant `V`.
template <class V>
void register_mixed_cases() {
  const std::string mixed = n_param(mixed_n) + ";types=";
  add_spawn_case<V, 1>("mixed_types", mixed + "1", mixed_n, spawn_batch);
  add_spawn_case<V, 10>("mixed_types", mixed + "10", mixed_n, spawn_batch);
  add_spawn_case<V, 100>("mixed_types", mixed + "100", mixed_n, spawn_batch);
}

/// idle_memory of variant `V`.
template <class V>
void register_idle_cases() {
  add_idle_cases<V, 8>();
  add_idle_cases<V, 16>();
  add_idle_cases<V, 128>();
}

/// burst_then_steady of variant `V`.
template <class V>
void register_burst_cases() {
  for (const int steady : burst_steady_batches) add_burst_case<V>(steady);
}

/// cross_thread_spawn of variant `V`.
template <class V>
void register_cross_cases() {
  add_cross_case<V>();
}

}  // namespace gentask::bench::exp02
