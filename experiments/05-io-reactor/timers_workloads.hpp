#pragma once
/// @file
/// Experiment 05, timers (README.timers.md): gentask's side of the shared timer workloads
/// (experiments/peers/WORKLOADS.md: `timer_arm_cancel`, `timer_fire`) and two workloads of its
/// own that compare timer indexes (`timer_equal_deadlines`, `timer_mixed`).
///
/// Every case drives `sleep_future`s through a `timer_task`, one of two drivers:
///   - variant `timer_queue`: the local reactor (`local::reactor`, whose timer queue is
///     `basic_timer_queue<timer_heap>`), the body running inside `block_on` of a root future (the
///     side the peers' rows line up with);
///   - variants `timer_heap`, `timer_map`: a bare task over `basic_timer_queue<Index>` (its
///     `get_timer()` is the queue, its waker sets a flag), the body called directly: what the
///     index alone costs, the reactor left out.
///
///   timer_arm_cancel   the root makes N sleeps, `sleep_until(t0 + 1 h + off_i us)` with
///                      off_i = splitmix64() % N (seed 42, drawn once per case), t0 the clock at
///                      the iteration's start (the real clock), polls each once (it registers and
///                      is pending), then drops them all in the order made (each cancels its
///                      registration). Checked: every poll pending, nothing pending after.
///                      Param `n=N`; the unit is one timer (one arm and one cancel).
///   timer_fire         on the manual clock: the root makes N sleeps,
///                      `sleep_until(t0 + 1 ms + off_i us)` (off_i as above), polls each once,
///                      then moves the clock to t0 + 1 ms + N us (`advance_to`, which fires every
///                      registration, each a wake of the root), then polls each sleep again:
///                      each must be ready; then drops them. Param `n=N`; the unit is one timer
///                      (arm, fire, the poll that sees it ready, drop).
///   timer_equal_deadlines  as timer_fire with every deadline t0 + 1 ms (N registrations with
///                      one deadline, fired in registration order). Param `n=N`.
///   timer_mixed        on the manual clock, a population of P sleeps kept across iterations;
///                      per step, slot j = splitmix64() % P is replaced by a fresh sleep
///                      `sleep_until(now + 1 ms + (splitmix64() % 1000) us)` (dropping the old
///                      one cancels it unless it fired) and the new one is polled (registers);
///                      every 8th step the clock moves 1 us (`advance`, firing what is due).
///                      Param `n=S;population=P`; the unit is one step.
///
/// The sleeps live in a vector reserved once per case, so the figures are the timers' own
/// costs in steady state.

#include "../common/harness.hpp"
#include "../common/splitmix64.hpp"

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/time/sleep.hpp>
#include <gentask/time/timer_heap.hpp>
#include <gentask/time/timer_map.hpp>
#include <gentask/time/timer_queue.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gentask::bench::exp05_timers {

// ---------------------------------------------------------------------------------------------
// Sizes (WORKLOADS.md's quick set; the same in full mode).

inline constexpr std::uint64_t arm_cancel_n = 100000;
inline constexpr std::uint64_t fire_n = 100000;
inline constexpr std::uint64_t equal_n = 10000;
inline constexpr std::uint64_t mixed_steps = 100000;
inline constexpr std::uint64_t mixed_population = 10000;

using std::chrono::microseconds;
using std::chrono::milliseconds;

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "exp05_timers: %s\n", what);
  std::abort();
}
inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

inline case_options options(std::size_t probe_iterations) {
  case_options o;
  o.callgrind = true;
  o.probe_iterations = probe_iterations;
  return o;
}

/// The deadline offsets of a case: splitmix64 (seed 42) % n, in microseconds, drawn once.
inline std::vector<microseconds> draw_offsets(std::uint64_t n) {
  splitmix64 rng;
  std::vector<microseconds> out;
  out.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    out.emplace_back(static_cast<microseconds::rep>(rng.next() % n));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Drivers: a variant runs `body(task)` on a timer task of its own.

/// A bare task over `basic_timer_queue<Index>`: `get_timer()` is the queue, a wake sets a flag.
template <class Index>
class bare_task {
 public:
  explicit bare_task(timer_clock_mode mode) : queue_(mode) {}
  bare_task(const bare_task&) = delete;
  bare_task& operator=(const bare_task&) = delete;

  [[nodiscard]] waker get_waker() noexcept { return waker::from_raw(&vtable, &woken_, 0); }
  [[nodiscard]] basic_timer_queue<Index>& get_timer() noexcept { return queue_; }

 private:
  static constexpr waker_vtable vtable = {
      [](void* data, std::uint64_t) noexcept { *static_cast<bool*>(data) = true; },
      [](void*) noexcept {},
      [](void*) noexcept {},
  };
  basic_timer_queue<Index> queue_;
  bool woken_ = false;
};

template <class Index>
struct bare_driver {
  explicit bare_driver(timer_clock_mode mode) : task(mode) {}
  bare_task<Index> task;

  template <class Body>
  void run(Body& body) {
    body(task);
  }
  basic_timer_queue<Index>& get_timer() { return task.get_timer(); }
};

/// The local reactor: the body runs in the first poll of a root future in `block_on`.
struct reactor_driver {
  explicit reactor_driver(timer_clock_mode mode) { reactor.get_timer().set_clock_mode(mode); }
  local::reactor reactor;

  template <class Body>
  struct root {
    using future_concept = future_tag;
    using item_type = unit;
    using error_type = never;
    Body* body;
    template <timer_task Task>
    poll_result<unit, never> poll(Task& task) {
      (*body)(task);
      return ready_value{};
    }
  };

  template <class Body>
  void run(Body& body) {
    auto r = reactor.block_on(root<Body>{&body});
    check(r.is_ready(), "the root did not complete");
  }
  timer_queue& get_timer() { return reactor.get_timer(); }
};

struct timer_queue_variant {
  static constexpr const char* name = "timer_queue";
  using driver = reactor_driver;
};
template <class Index>
struct bare_variant;
template <>
struct bare_variant<timer_heap> {
  static constexpr const char* name = "timer_heap";
  using driver = bare_driver<timer_heap>;
};
template <>
struct bare_variant<timer_map> {
  static constexpr const char* name = "timer_map";
  using driver = bare_driver<timer_map>;
};

inline std::string n_param(std::uint64_t n) { return "n=" + std::to_string(n); }

// ---------------------------------------------------------------------------------------------
// timer_arm_cancel

template <class Driver>
struct arm_cancel_state {
  Driver driver{timer_clock_mode::real};
  std::vector<sleep_future> sleeps;
  std::vector<microseconds> offsets;
};

template <class V>
void add_arm_cancel(std::uint64_t n) {
  auto st = std::make_shared<arm_cancel_state<typename V::driver>>();
  st->sleeps.reserve(n);
  st->offsets = draw_offsets(n);
  register_case(
      "timer_arm_cancel", V::name, n_param(n), static_cast<double>(n),
      [st, n] {
        auto body = [&](auto& task) {
          auto& sleeps = st->sleeps;
          const time_point t0 = task.get_timer().now();
          bool all_pending = true;
          for (std::uint64_t i = 0; i < n; ++i) {
            sleeps.emplace_back(t0 + std::chrono::hours(1) + st->offsets[i]);
            all_pending = sleeps.back().poll(task).is_pending() && all_pending;
          }
          check(all_pending, "timer_arm_cancel: a sleep was ready");
          check(task.get_timer().get_pending_count() == n, "timer_arm_cancel: not registered");
          sleeps.clear();  // drops in the order made: each cancels its registration
          check(task.get_timer().get_pending_count() == 0, "timer_arm_cancel: left pending");
        };
        st->driver.run(body);
        benchmark::DoNotOptimize(st->sleeps.data());
      },
      options(2));
}

// ---------------------------------------------------------------------------------------------
// timer_fire and timer_equal_deadlines

template <class Driver>
struct fire_state {
  Driver driver{timer_clock_mode::manual};
  std::vector<sleep_future> sleeps;
  std::vector<microseconds> offsets;
};

/// Arms a sleep per offset at t0 + 1 ms + offset, moves the clock to t0 + 1 ms + `span`, and
/// checks that every sleep is ready.
template <class State>
void arm_and_fire(State& st, microseconds span) {
  auto body = [&](auto& task) {
    auto& timer = task.get_timer();
    auto& sleeps = st.sleeps;
    const time_point t0 = timer.now();
    const time_point base = t0 + milliseconds(1);
    bool all_pending = true;
    for (const microseconds off : st.offsets) {
      sleeps.emplace_back(base + off);
      all_pending = sleeps.back().poll(task).is_pending() && all_pending;
    }
    check(all_pending, "timer_fire: a sleep was ready");
    const std::size_t fired = timer.advance_to(base + span);
    check(fired == st.offsets.size(), "timer_fire: not every timer fired");
    bool all_ready = true;
    for (auto& s : sleeps) all_ready = s.poll(task).is_ready() && all_ready;
    check(all_ready, "timer_fire: a sleep was not ready");
    sleeps.clear();
    check(timer.get_pending_count() == 0, "timer_fire: left pending");
  };
  st.driver.run(body);
}

template <class V>
void add_fire(std::uint64_t n) {
  auto st = std::make_shared<fire_state<typename V::driver>>();
  st->sleeps.reserve(n);
  st->offsets = draw_offsets(n);
  register_case(
      "timer_fire", V::name, n_param(n), static_cast<double>(n),
      [st, n] {
        arm_and_fire(*st, microseconds(static_cast<microseconds::rep>(n)));
        benchmark::DoNotOptimize(st->sleeps.data());
      },
      options(2));
}

template <class V>
void add_equal_deadlines(std::uint64_t n) {
  auto st = std::make_shared<fire_state<typename V::driver>>();
  st->sleeps.reserve(n);
  st->offsets.assign(n, microseconds(0));
  register_case(
      "timer_equal_deadlines", V::name, n_param(n), static_cast<double>(n),
      [st] {
        arm_and_fire(*st, microseconds(0));
        benchmark::DoNotOptimize(st->sleeps.data());
      },
      options(8));
}

// ---------------------------------------------------------------------------------------------
// timer_mixed

template <class Driver>
struct mixed_state {
  Driver driver{timer_clock_mode::manual};
  std::vector<sleep_future> slots;
  splitmix64 rng;
  std::uint64_t step = 0;
};

template <class V>
void add_mixed(std::uint64_t steps, std::uint64_t population) {
  auto st = std::make_shared<mixed_state<typename V::driver>>();
  st->slots.reserve(population);
  for (std::uint64_t i = 0; i < population; ++i) st->slots.emplace_back(time_point{});  // idle
  register_case(
      "timer_mixed", V::name, n_param(steps) + ";population=" + std::to_string(population),
      static_cast<double>(steps),
      [st, steps, population] {
        auto body = [&](auto& task) {
          auto& timer = task.get_timer();
          for (std::uint64_t i = 0; i < steps; ++i) {
            const std::uint64_t j = st->rng.next() % population;
            const auto ahead = milliseconds(1) +
                               microseconds(static_cast<microseconds::rep>(st->rng.next() % 1000));
            st->slots[j] = sleep_future(timer.now() + ahead);  // drops the old one
            check(st->slots[j].poll(task).is_pending(), "timer_mixed: a sleep was ready");
            if (++st->step % 8 == 0) (void)timer.advance(microseconds(1));
          }
          check(timer.get_pending_count() <= population, "timer_mixed: too many pending");
        };
        st->driver.run(body);
        benchmark::DoNotOptimize(st->slots.data());
      },
      options(2));
}

// ---------------------------------------------------------------------------------------------

/// The shared workloads (the peers run them too).
template <class V>
void register_shared() {
  add_arm_cancel<V>(arm_cancel_n);
  add_fire<V>(fire_n);
}

/// The index comparison's own workloads.
template <class V>
void register_index_workloads() {
  add_equal_deadlines<V>(equal_n);
  add_mixed<V>(mixed_steps, mixed_population);
}

}  // namespace gentask::bench::exp05_timers
