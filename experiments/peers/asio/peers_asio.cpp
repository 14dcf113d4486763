// The Boost.Asio peer (experiment `peers`, variant `boost.asio`): the shared workloads of
// experiments/peers/WORKLOADS.md on one `io_context` run by one thread, through the gentask
// experiment harness (so the binary speaks the same command line and JSON as gentask's).
//
//   spawn_complete      api=co_spawn: a root coroutine co_spawns B child coroutines per batch
//                       (each co_returns its index), all of them before waiting; the children
//                       complete into per-batch result slots and the last one completes the
//                       root's wait (a one-shot async operation made with `async_initiate`); the
//                       root then reads the slots in order. api=use_awaitable;batch=1: the literal
//                       `co_await co_spawn(ex, child(i), use_awaitable)`, which in Asio 1.18 only
//                       starts the child when awaited: one child alive at a time.
//   spawn_detached      api=post: post N handlers from outside, then run(); api=post_in_run: a
//                       handler running inside run() posts the N (Asio's thread-private queue);
//                       api=co_spawn: co_spawn N coroutines with `detached`, then run().
//   yield_loop          api=post: a handler re-posting itself N times; api=co_spawn: a coroutine
//                       doing `co_await post(ex, use_awaitable)` N times.
//   cross_thread_spawn  api=post: another thread posts N handlers while run() runs, kept alive by
//                       a work guard that the last handler resets.
//   wake_from_idle      api=post: a paced thread posts one timestamped handler at least 100 us
//                       after the previous one; latency p50/p99 as extra metrics.
//   timer_arm_cancel    api=steady_timer: N reusable timers armed (expires_at + async_wait) 1 h
//                       ahead, then cancel()ed; run() runs the aborted handlers.
//   timer_fire          api=steady_timer: N timers armed at deadlines already past; run() fires
//                       them all through the timer queue.
//   idle_memory         api=co_spawn;await=timer: N coroutines each awaiting its own
//                       steady_timer set 1 hour ahead (Asio 1.18 has no oneshot or channel: its
//                       own one-event wait is a timer; a coroutine cannot await nothing, since
//                       destroying the pending operation's handler destroys the frame), holding
//                       P bytes across the await; live heap bytes (mallinfo2) per coroutine as
//                       extra metrics. Compared with experiment 02's `await=timer` rows.
//
// Every case keeps one io_context (concurrency hint 1: one thread runs it) across iterations and
// runs it inside each iteration after restart(). See README.md for the differences from
// gentask's side.

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility> (fixed later).
#include <utility>

#include "../../common/harness.hpp"
#include "../../common/latency.hpp"
#include "../../common/splitmix64.hpp"

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gentask::bench::peers_asio {
namespace {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

constexpr const char* variant = "boost.asio";
constexpr std::array<int, 3> spawn_sizes = {1000, 10000, 100000};
constexpr int spawn_batch = 1000;
constexpr int detached_n = 10000;
constexpr int yield_n = 1000;
constexpr int cross_n = 10000;
constexpr int wake_n = 1000;
constexpr auto wake_gap = std::chrono::microseconds(100);
constexpr int idle_n = 100000;
constexpr int timer_n = 100000;
/// Callgrind counts only cases of at most this many tasks per iteration (as experiment 02).
constexpr int callgrind_max_n = 10000;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "peers_asio: %s\n", what);
  std::abort();
}
void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

case_options options(bool callgrind, std::size_t probe_iterations,
                     std::function<std::vector<extra_metric>()> extra_metrics = {},
                     bool real_time = false) {
  case_options o;
  o.callgrind = callgrind;
  o.probe_iterations = probe_iterations;
  o.extra_metrics = std::move(extra_metrics);
  o.real_time = real_time;  // wall time decides the iteration count (cases that mostly wait)
  return o;
}

/// Iterations of the allocation-counting pass: about 200000 tasks, between 2 and 64.
std::size_t probe_iterations_for(int n) {
  return std::clamp<std::size_t>(200000 / static_cast<std::size_t>(n), 2, 64);
}

std::string n_param(const std::string& api, int n) {
  return "api=" + api + ";n=" + std::to_string(n);
}

std::uint64_t expected_sum(int n) {
  return static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(n - 1) / 2;
}

/// One io_context per case (concurrency hint 1: run by the benchmark thread only), made at its
/// first use rather than during static initialisation (where the cases are registered).
class lazy_context {
 public:
  asio::io_context& get() {
    if (!ctx_) ctx_ = std::make_unique<asio::io_context>(1);
    return *ctx_;
  }

 private:
  std::unique_ptr<asio::io_context> ctx_;
};

/// Runs `ctx` until it is out of work (after a previous run stopped it).
void run_to_completion(asio::io_context& ctx) {
  ctx.restart();
  ctx.run();
}

// ---------------------------------------------------------------------------------------------
// spawn_complete

asio::awaitable<std::uint64_t> child(std::uint64_t index) { co_return index; }

/// The join of one batch: children complete into `slots`; the last one completes the root's
/// wait. Asio 1.18 has no join handle for an eagerly started coroutine (no `deferred`, no
/// `parallel_group`, no channel), so the wait is a one-shot asynchronous operation written with
/// `async_initiate`: its handler (the root's resumption) is kept type-erased until the count
/// reaches zero, then posted to the executor.
struct batch_join {
  struct waiter {
    virtual ~waiter() = default;
    virtual void complete() = 0;
  };
  template <class Handler>
  struct waiter_of final : waiter {
    explicit waiter_of(Handler h) : handler(std::move(h)) {}
    void complete() override { asio::post(std::move(handler)); }
    Handler handler;
  };

  std::vector<std::uint64_t> slots;
  int remaining = 0;
  std::unique_ptr<waiter> root;

  void child_done() {
    if (--remaining == 0 && root) {
      std::unique_ptr<waiter> w = std::move(root);
      w->complete();
    }
  }

  template <class Token>
  auto async_wait_all(Token&& token) {
    return asio::async_initiate<Token, void()>(
        [this](auto handler) {
          using handler_type = decltype(handler);
          if (remaining == 0) {
            asio::post(std::move(handler));
            return;
          }
          root = std::make_unique<waiter_of<handler_type>>(std::move(handler));
        },
        token);
  }
};

/// The completion handler of one child: stores the value in its slot.
struct child_completion {
  batch_join* join;
  std::size_t slot;
  void operator()(const std::exception_ptr& e, std::uint64_t value) const {
    if (e) std::rethrow_exception(e);
    join->slots[slot] = value;
    join->child_done();
  }
};

struct spawn_state {
  lazy_context ctx;
  batch_join join;
  std::uint64_t sum = 0;
};

asio::awaitable<void> spawn_root(spawn_state& st, int n, int batch) {
  auto ex = co_await asio::this_coro::executor;
  std::uint64_t sum = 0;
  st.join.slots.resize(static_cast<std::size_t>(batch));  // allocates in the warm-up only
  for (int base = 0; base < n; base += batch) {
    st.join.remaining = batch;
    for (int k = 0; k < batch; ++k) {
      asio::co_spawn(ex, child(static_cast<std::uint64_t>(base + k)),
                     child_completion{&st.join, static_cast<std::size_t>(k)});
    }
    co_await st.join.async_wait_all(asio::use_awaitable);
    for (const std::uint64_t v : st.join.slots) sum += v;  // the "handles", in order
  }
  st.sum = sum;
}

/// The literal form: each child started by awaiting `co_spawn(..., use_awaitable)`.
asio::awaitable<void> spawn_root_sequential(spawn_state& st, int n) {
  auto ex = co_await asio::this_coro::executor;
  std::uint64_t sum = 0;
  for (int i = 0; i < n; ++i) {
    sum += co_await asio::co_spawn(ex, child(static_cast<std::uint64_t>(i)), asio::use_awaitable);
  }
  st.sum = sum;
}

void add_spawn_complete(int n) {
  auto st = std::make_shared<spawn_state>();
  register_case(
      "spawn_complete", variant,
      "api=co_spawn;batch=" + std::to_string(spawn_batch) + ";n=" + std::to_string(n), n,
      [st, n] {
        asio::co_spawn(st->ctx.get(), spawn_root(*st, n, spawn_batch), asio::detached);
        run_to_completion(st->ctx.get());
        check(st->sum == expected_sum(n), "spawn_complete: wrong sum");
        benchmark::DoNotOptimize(st->sum);
      },
      options(n <= callgrind_max_n, probe_iterations_for(n)));
}

void add_spawn_complete_sequential(int n) {
  auto st = std::make_shared<spawn_state>();
  register_case(
      "spawn_complete", variant, "api=use_awaitable;batch=1;n=" + std::to_string(n), n,
      [st, n] {
        asio::co_spawn(st->ctx.get(), spawn_root_sequential(*st, n), asio::detached);
        run_to_completion(st->ctx.get());
        check(st->sum == expected_sum(n), "spawn_complete: wrong sum");
        benchmark::DoNotOptimize(st->sum);
      },
      options(n <= callgrind_max_n, probe_iterations_for(n)));
}

// ---------------------------------------------------------------------------------------------
// spawn_detached

struct counter_state {
  lazy_context ctx;
  std::uint64_t counter = 0;
};

asio::awaitable<void> add_to(std::uint64_t* counter, std::uint64_t value) {
  *counter += value;
  co_return;
}

void add_spawn_detached() {
  constexpr int n = detached_n;
  {
    auto st = std::make_shared<counter_state>();
    register_case(
        "spawn_detached", variant, n_param("post", n), n,
        [st] {
          st->counter = 0;
          std::uint64_t* counter = &st->counter;
          auto ex = st->ctx.get().get_executor();
          for (int i = 0; i < n; ++i) {
            asio::post(ex, [counter, i] { *counter += static_cast<std::uint64_t>(i); });
          }
          run_to_completion(st->ctx.get());
          check(st->counter == expected_sum(n), "spawn_detached/post: wrong sum");
        },
        options(true, probe_iterations_for(n)));
  }
  {
    auto st = std::make_shared<counter_state>();
    register_case(
        "spawn_detached", variant, n_param("post_in_run", n), n,
        [st] {
          st->counter = 0;
          std::uint64_t* counter = &st->counter;
          auto ex = st->ctx.get().get_executor();
          asio::post(ex, [counter, ex] {
            for (int i = 0; i < n; ++i) {
              asio::post(ex, [counter, i] { *counter += static_cast<std::uint64_t>(i); });
            }
          });
          run_to_completion(st->ctx.get());
          check(st->counter == expected_sum(n), "spawn_detached/post_in_run: wrong sum");
        },
        options(true, probe_iterations_for(n)));
  }
  {
    auto st = std::make_shared<counter_state>();
    register_case(
        "spawn_detached", variant, n_param("co_spawn", n), n,
        [st] {
          st->counter = 0;
          for (int i = 0; i < n; ++i) {
            asio::co_spawn(st->ctx.get(), add_to(&st->counter, static_cast<std::uint64_t>(i)),
                           asio::detached);
          }
          run_to_completion(st->ctx.get());
          check(st->counter == expected_sum(n), "spawn_detached/co_spawn: wrong sum");
        },
        options(true, probe_iterations_for(n)));
  }
}

// ---------------------------------------------------------------------------------------------
// yield_loop

/// Runs, then re-posts itself until it ran `remaining` times.
struct reposting_handler {
  asio::io_context::executor_type ex;
  int* remaining;
  void operator()() const {
    if (--*remaining > 0) asio::post(ex, *this);
  }
};

asio::awaitable<void> yielder(int n, int* done) {
  auto ex = co_await asio::this_coro::executor;
  for (int i = 0; i < n; ++i) {
    co_await asio::post(ex, asio::use_awaitable);
    ++*done;
  }
}

void add_yield_loop() {
  constexpr int n = yield_n;
  {
    auto st = std::make_shared<counter_state>();
    auto remaining = std::make_shared<int>(0);
    register_case(
        "yield_loop", variant, n_param("post", n), n,
        [st, remaining] {
          *remaining = n;
          asio::post(st->ctx.get(),
                     reposting_handler{st->ctx.get().get_executor(), remaining.get()});
          run_to_completion(st->ctx.get());
          check(*remaining == 0, "yield_loop/post: wrong count");
        },
        options(true, probe_iterations_for(n)));
  }
  {
    auto st = std::make_shared<counter_state>();
    auto done = std::make_shared<int>(0);
    register_case(
        "yield_loop", variant, n_param("co_spawn", n), n,
        [st, done] {
          *done = 0;
          asio::co_spawn(st->ctx.get(), yielder(n, done.get()), asio::detached);
          run_to_completion(st->ctx.get());
          check(*done == n, "yield_loop/co_spawn: wrong count");
        },
        options(true, probe_iterations_for(n)));
  }
}

// ---------------------------------------------------------------------------------------------
// cross_thread_spawn

void add_cross_thread_spawn() {
  constexpr int n = cross_n;
  auto st = std::make_shared<counter_state>();
  register_case(
      "cross_thread_spawn", variant, n_param("post", n), n,
      [st] {
        asio::io_context& ctx = st->ctx.get();
        ctx.restart();
        st->counter = 0;
        // The guard keeps run() from returning while the queue is momentarily empty; the last
        // handler (on the runtime thread) releases it.
        std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard(
            asio::make_work_guard(ctx));
        std::uint64_t* counter = &st->counter;
        auto* guard_ptr = &guard;
        std::thread producer([ex = ctx.get_executor(), counter, guard_ptr] {
          for (int i = 0; i < n; ++i) {
            asio::post(ex, [counter, guard_ptr] {
              if (++*counter == static_cast<std::uint64_t>(n)) guard_ptr->reset();
            });
          }
        });
        ctx.run();
        producer.join();
        check(st->counter == static_cast<std::uint64_t>(n), "cross_thread_spawn: not all ran");
      },
      options(false, 8));
}

// ---------------------------------------------------------------------------------------------
// wake_from_idle

struct wake_state {
  lazy_context ctx;
  std::vector<std::int64_t> latencies_ns;
};

/// One iteration: a sender thread posts `wake_n` handlers, each at least `wake_gap` after the
/// previous one (sleep_until; the runtime thread is idle in between, blocked on the
/// io_context's condition variable), stamped with steady_clock just before the post; each
/// handler records its receive time minus the stamp.
void run_wake(wake_state& st) {
  asio::io_context& ctx = st.ctx.get();
  ctx.restart();
  st.latencies_ns.clear();
  st.latencies_ns.reserve(wake_n);  // allocates in the warm-up only
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard(
      asio::make_work_guard(ctx));
  auto* samples = &st.latencies_ns;
  auto* guard_ptr = &guard;
  std::thread sender([ex = ctx.get_executor(), samples, guard_ptr] {
    clock_type::time_point last = clock_type::now();
    for (int i = 0; i < wake_n; ++i) {
      std::this_thread::sleep_until(last + wake_gap);
      const clock_type::time_point sent = clock_type::now();
      last = sent;
      asio::post(ex, [samples, guard_ptr, sent] {
        const clock_type::time_point received = clock_type::now();
        samples->push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(received - sent).count());
        if (samples->size() == static_cast<std::size_t>(wake_n)) guard_ptr->reset();
      });
    }
  });
  ctx.run();
  sender.join();
  check(st.latencies_ns.size() == static_cast<std::size_t>(wake_n), "wake_from_idle: lost");
}

void add_wake_from_idle() {
  auto st = std::make_shared<wake_state>();
  register_case(
      "wake_from_idle", variant, n_param("post", wake_n), wake_n, [st] { run_wake(*st); },
      options(
          false, 1,
          [st] {
            run_wake(*st);
            return latency_metrics(st->latencies_ns);
          },
          /*real_time=*/true));
}

// ---------------------------------------------------------------------------------------------
// idle_memory

/// Live heap bytes: allocated in the heap (all arenas) plus in mmapped blocks.
double live_heap_bytes() {
  const struct mallinfo2 m = ::mallinfo2();
  return static_cast<double>(m.uordblks) + static_cast<double>(m.hblkhd);
}

/// The timers of the idle coroutines, so that the harness can cancel them (bookkeeping of the
/// measurement, reserved outside the window).
struct idle_registry {
  std::vector<asio::steady_timer*> timers;
  std::uint64_t sink = 0;
};

/// Holds `Bytes` of payload across a wait on its own timer, 1 hour ahead.
template <std::size_t Bytes>
asio::awaitable<void> idle_coroutine(idle_registry* reg, std::uint64_t seed) {
  static_assert(Bytes % sizeof(std::uint64_t) == 0);
  std::array<std::uint64_t, Bytes / sizeof(std::uint64_t)> payload;
  payload.fill(seed);
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
  reg->timers.push_back(&timer);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  std::uint64_t s = 0;
  for (const std::uint64_t v : payload) s += v;  // the payload lives across the await
  reg->sink += s;
}

/// Spawns `n` idle coroutines and runs them to their wait.
template <std::size_t Bytes>
void spawn_idle(asio::io_context& ctx, idle_registry& reg, int n) {
  ctx.restart();
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(ctx, idle_coroutine<Bytes>(&reg, static_cast<std::uint64_t>(i)), asio::detached);
  }
  while (ctx.poll() > 0) {
  }
  check(reg.timers.size() == static_cast<std::size_t>(n), "idle_memory: not all waiting");
}

/// Cancels every timer and runs the coroutines to their end (they free their frames).
void finish_idle(asio::io_context& ctx, idle_registry& reg) {
  for (asio::steady_timer* t : reg.timers) t->cancel();
  reg.timers.clear();
  ctx.run();
}

template <std::size_t Bytes>
std::vector<extra_metric> measure_idle(int n) {
  auto ctx = std::make_unique<asio::io_context>(1);
  {
    // The timer service and its reactor are made before the window: a fixed cost, not per task.
    asio::steady_timer warm(*ctx, std::chrono::hours(1));
  }
  idle_registry reg;
  reg.timers.reserve(static_cast<std::size_t>(n));
  const double before = live_heap_bytes();
  spawn_idle<Bytes>(*ctx, reg, n);
  const double after = live_heap_bytes();
  finish_idle(*ctx, reg);
  const double per_task = (after - before) / n;
  return {{"bytes_per_idle_task", "bytes", per_task},
          {"overhead_bytes_per_idle_task", "bytes", per_task - static_cast<double>(Bytes)}};
}

template <std::size_t Bytes>
void add_idle_memory() {
  struct idle_state {
    lazy_context ctx;
    idle_registry reg;
  };
  auto st = std::make_shared<idle_state>();
  register_case(
      "idle_memory", variant,
      "api=co_spawn;await=timer;n=" + std::to_string(idle_n) + ";payload=" + std::to_string(Bytes),
      idle_n,
      [st] {
        st->reg.timers.reserve(idle_n);
        spawn_idle<Bytes>(st->ctx.get(), st->reg, idle_n);
        finish_idle(st->ctx.get(), st->reg);
      },
      options(false, 2, [] { return measure_idle<Bytes>(idle_n); }));
}

// ---------------------------------------------------------------------------------------------
// timer_arm_cancel and timer_fire (experiment 05's timers)

/// The deadline offsets of a case: splitmix64 (seed 42) % n, in microseconds, drawn once.
std::vector<std::chrono::microseconds> timer_offsets(int n) {
  splitmix64 rng;
  std::vector<std::chrono::microseconds> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out.emplace_back(
        static_cast<std::chrono::microseconds::rep>(rng.next() % static_cast<std::uint64_t>(n)));
  }
  return out;
}

/// N `steady_timer`s made once per case and reused by every iteration (an Asio timer is a
/// reusable object: `expires_at` re-arms it), their offsets, and what their handlers saw.
struct timer_state {
  lazy_context ctx;
  std::vector<asio::steady_timer> timers;
  std::vector<std::chrono::microseconds> offsets;
  std::uint64_t fired = 0;
  std::uint64_t aborted = 0;

  void make_timers() {
    if (!timers.empty()) return;
    timers.reserve(offsets.size());
    for (std::size_t i = 0; i < offsets.size(); ++i) timers.emplace_back(ctx.get());
  }
};

/// A wait's completion handler: counts a fired or an aborted wait.
struct timer_handler {
  timer_state* st;
  void operator()(const boost::system::error_code& ec) const {
    if (!ec) {
      ++st->fired;
    } else if (ec == asio::error::operation_aborted) {
      ++st->aborted;
    }
  }
};

/// Arms every timer at `base + off_i` (`expires_at` and `async_wait`), in order.
void arm_timers(timer_state& st, clock_type::time_point base) {
  for (std::size_t i = 0; i < st.timers.size(); ++i) {
    st.timers[i].expires_at(base + st.offsets[i]);
    st.timers[i].async_wait(timer_handler{&st});
  }
}

/// timer_arm_cancel, api=steady_timer: N timers armed 1 h + off_i us ahead of the real clock,
/// then `cancel()`ed in the order armed; `run()` then runs the N aborted handlers (Asio cannot
/// drop a wait without completing its handler). Checked: N aborted, none fired.
void add_timer_arm_cancel(int n) {
  auto st = std::make_shared<timer_state>();
  st->offsets = timer_offsets(n);
  register_case(
      "timer_arm_cancel", variant, n_param("steady_timer", n), n,
      [st, n] {
        st->make_timers();
        st->fired = 0;
        st->aborted = 0;
        arm_timers(*st, clock_type::now() + std::chrono::hours(1));
        for (auto& t : st->timers) t.cancel();
        run_to_completion(st->ctx.get());
        check(st->aborted == static_cast<std::uint64_t>(n) && st->fired == 0,
              "timer_arm_cancel: not every wait was aborted");
      },
      options(true, 2));
}

/// timer_fire, api=steady_timer: Asio has no manual clock, so the deadlines are placed in the
/// past: base = now - 1 ms - N us - 1 us, timer i at base + 1 ms + off_i, so every one is due
/// when `run()` starts; each wait still goes through the timer queue (Asio enqueues an expired
/// timer like any other and completes it from the reactor's next run). Checked: N fired.
void add_timer_fire(int n) {
  auto st = std::make_shared<timer_state>();
  st->offsets = timer_offsets(n);
  register_case(
      "timer_fire", variant, n_param("steady_timer", n), n,
      [st, n] {
        st->make_timers();
        st->fired = 0;
        st->aborted = 0;
        const auto span = std::chrono::milliseconds(1) + std::chrono::microseconds(n + 1);
        arm_timers(*st, clock_type::now() - span + std::chrono::milliseconds(1));
        run_to_completion(st->ctx.get());
        check(st->fired == static_cast<std::uint64_t>(n) && st->aborted == 0,
              "timer_fire: not every timer fired");
      },
      options(true, 2));
}

const bool registered = [] {
  for (const int n : spawn_sizes) add_spawn_complete(n);
  for (const int n : spawn_sizes) add_spawn_complete_sequential(n);
  add_spawn_detached();
  add_yield_loop();
  add_cross_thread_spawn();
  add_wake_from_idle();
  add_idle_memory<8>();
  add_idle_memory<16>();
  add_idle_memory<128>();
  add_timer_arm_cancel(timer_n);
  add_timer_fire(timer_n);
  return true;
}();

}  // namespace
}  // namespace gentask::bench::peers_asio
