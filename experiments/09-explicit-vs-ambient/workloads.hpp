#pragma once
/// @file
/// The workloads of experiment 09, on both designs: the explicit task (gentask's futures,
/// `poll(Task&)`, on `local::reactor`) and the ambient one (the 2017 replay, `poll()` with
/// `current_task()`, on `ambient::reactor`). The same trees as experiment 01:
///
///   and_then_chain  depth D: a leaf followed by D `and_then` steps, each making a new leaf from
///                   the previous value (D + 1 leaves). Param `depth=D`; unit: one leaf future.
///   and_then_nested depth D: the same tree, but both designs nest one chain inside the next
///                   (futures 0.1's `Chain`: a variant of "first, or next"), so a poll walks
///                   the whole nesting in both: the explicit side uses `nested_and_then` below,
///                   the twin of `ambient::and_then`. Param `depth=D`; unit: one leaf future.
///   join_wide       width W: W leaves joined, then their values summed (W leaves). Param
///                   `width=W`; unit: one leaf future.
///   fan_out         width W: W leaves in a futures_unordered (each child with a wake handle of
///                   its own), drained by the root, values summed. Ambient: the essay's set
///                   (`ambient::futures_unordered`, a scope swapped in around each child's
///                   poll); explicit: `slot_set` (slot_set.hpp), the same slots, ready list and
///                   generations, the child's handle passed in a `child_task`. Param `width=W`;
///                   unit: one leaf future.
///   ping_pong_oneshot  experiment 04's workload: two spawned tasks A and B, joined by the
///                   root; each round trip on fresh oneshots (A sends B a reply sender and the
///                   next request receiver, awaits the reply). Ambient: `ambient::oneshot`,
///                   explicit: `gentask::oneshot`, both same-thread. Param `n=N`; unit: one
///                   round trip.
///   spawn_complete  the root spawns N tasks, each ready at its first poll with its index,
///                   keeps the N join handles (a reserved vector) and joins them in order.
///                   Ambient: `ambient::reactor::spawn` (the root holds the reactor, as a 0.1
///                   future held its executor's handle); explicit: `gentask::spawn(task, f)`.
///                   Param `n=N`; unit: one task.
///
/// Every leaf is pending for `opaque_rounds()` rounds (1), each time waking its task (the explicit
/// leaf through `task.get_waker()`, the ambient one through `current_task()`), then ready; so
/// every leaf is polled twice, every tree woken once per leaf. One tree per iteration, driven by
/// `block_on` on a reactor made once per case, out of line in both variants.

#include "../common/harness.hpp"
#include "../common/leaves.hpp"

#include <gentask/ambient/and_then.hpp>
#include <gentask/ambient/current_task.hpp>
#include <gentask/ambient/future.hpp>
#include <gentask/ambient/join.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/reactors/ambient/reactor.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <stdexcept>
#include <string>

// The variant names: the same source files are built again with another thread-local access
// model or in a shared library (CMakeLists.txt), under other names.
#ifndef GENTASK_EXP09_EXPLICIT
#define GENTASK_EXP09_EXPLICIT "explicit"
#endif
#ifndef GENTASK_EXP09_AMBIENT
#define GENTASK_EXP09_AMBIENT "ambient"
#endif

namespace gentask::bench::exp09 {

inline constexpr std::array<int, 3> chain_depths = {4, 16, 64};
inline constexpr std::array<int, 3> join_widths = {4, 16, 64};
inline constexpr std::array<int, 2> fan_out_widths = {16, 256};
inline constexpr int ping_pong_n = 1000;
inline constexpr int spawn_n = 1000;

inline std::string depth_param(int d) { return "depth=" + std::to_string(d); }
inline std::string width_param(int w) { return "width=" + std::to_string(w); }
inline std::string n_param(int n) { return "n=" + std::to_string(n); }

/// Stops the case with a message when a workload computed a wrong result.
inline void check(bool ok, const char* what) {
  if (!ok) throw std::logic_error(what);
}

/// The ambient twin of `bench_leaf`: pending `rounds` times, each time waking the current task.
class ambient_bench_leaf {
 public:
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = never;

  ambient_bench_leaf(int value, int rounds) noexcept : value_(value), rounds_(rounds) {}

  poll_result<int, never> poll() {
    if (rounds_ > 0) {
      --rounds_;
      ambient::current_task().wake();
      return pending;
    }
    return ready_value{value_};
  }

 private:
  int value_;
  int rounds_;
};

/// Drives one tree to completion on either reactor and keeps its value observable; out of line
/// in both variants (as experiment 01's).
template <class Reactor, class Future>
[[gnu::noinline]] void drive(Reactor& reactor, Future&& tree) {
  auto result = reactor.block_on(static_cast<Future&&>(tree));
  int value = result.get_value();
  benchmark::DoNotOptimize(value);
}

}  // namespace gentask::bench::exp09
