#pragma once
/// @file
/// The workload of experiment 06, shared by every wake strategy of `join_all` (variants.hpp);
/// `register_variant<V>()` registers its cases, one translation unit per variant.
///
///   join_all   The root future makes `join_all<S>(views::iota(0, N) | views::transform(child))`
///              over N `flag_child`ren: child i is pending until flag i of a shared board is
///              set, then ready with i (`uint32_t`); each time it is polled pending it keeps its
///              task's waker in the board (replaced only when `will_wake` is false, the futures
///              0.3 rule). The root polls the set; while it is pending, the root fires one child
///              (sets its flag, takes its waker out of the board and wakes it), in the order of a
///              fixed permutation of 0..N-1 (splitmix64, seed 42, Fisher-Yates), and returns
///              pending: it is polled again when that wake reaches it, through the strategy's
///              own path. When the set is ready, the sum of the items is checked. N completions
///              per iteration; the unit is one child. Param `n=N`.
///
/// Variants (the wake strategies of range_children.hpp, on `local::reactor`): `poll_all` polls
/// every pending child on each poll of the set; `ready_queue` polls each child with a waker of
/// its own and polls only the woken ones; `spawn_per_child` spawns each child as a task whose
/// completion wakes the set; `automatic` is the default (`poll_all` up to `poll_all_limit`
/// children, `spawn_per_child` above it on a task that can spawn). The peer is futures-rs'
/// `join_all` (experiments/peers/rust, `join_all.rs`), which polls all up to 30 children and
/// uses a `FuturesOrdered` above.
///
/// Extra metric `child_polls_per_child`: polls of children per child, from the untimed pass
/// (poll_all's grows as N / 2).

#include "../common/harness.hpp"
#include "../common/splitmix64.hpp"

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/futures/join_all.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gentask::bench::exp06 {

/// The sizes of the quick set; the full set adds `full_only_size`.
inline constexpr std::uint32_t sizes[] = {1, 4, 8, 16, 30, 64, 256, 1024};
inline constexpr std::uint32_t full_only_size = 10000;
/// poll_all is quadratic: above this size it is not run under callgrind.
inline constexpr std::uint32_t callgrind_max_poll_all = 1024;

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

/// The order in which the children are fired: a permutation of 0..n-1 (Fisher-Yates: for i from
/// n-1 down to 1, swap i with next() % (i + 1)).
inline std::vector<std::uint32_t> fire_order(std::uint32_t n) {
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
  splitmix64 rng;
  for (std::uint32_t i = n; i-- > 1;) std::swap(order[i], order[rng.next() % (i + 1)]);
  return order;
}

/// The flags and the kept wakers of one case; reset by every iteration.
struct board {
  std::vector<unsigned char> fired;
  std::vector<waker> wakers;
  std::uint64_t child_polls = 0;

  void reset(std::uint32_t n) {
    fired.assign(n, 0);
    wakers.resize(n);  // each is empty: fire() took it out, or it was never set
  }
  void fire(std::uint32_t i) {
    fired[i] = 1;
    waker w = std::move(wakers[i]);
    w.wake();
  }
};

/// Pending until its flag is set, then ready with its index.
class flag_child {
 public:
  using future_concept = future_tag;
  using item_type = std::uint32_t;
  using error_type = never;

  flag_child(board* b, std::uint32_t index) noexcept : board_(b), index_(index) {}

  template <task Task>
  poll_result<std::uint32_t, never> poll(Task& task) {
    ++board_->child_polls;
    if (board_->fired[index_] != 0) return ready_value{index_};
    waker w = task.get_waker();
    waker& kept = board_->wakers[index_];
    if (!kept.will_wake(w)) kept = std::move(w);
    return pending;
  }

 private:
  board* board_;
  std::uint32_t index_;
};

/// The set of `n` flag children as strategy `S` makes it.
template <range_strategy S>
auto make_set(board* b, std::uint32_t n) {
  return join_all<S>(std::views::iota(std::uint32_t{0}, n) |
                     std::views::transform([b](std::uint32_t i) { return flag_child(b, i); }));
}

/// The root: makes the set at its first poll, then polls it and fires one child per poll.
template <range_strategy S>
class join_all_root {
 public:
  using future_concept = future_tag;
  using item_type = std::uint64_t;
  using error_type = never;

  join_all_root(board* b, const std::vector<std::uint32_t>* order) noexcept
      : board_(b), order_(order) {}

  template <task Task>
  poll_result<std::uint64_t, never> poll(Task& task) {
    if (!set_) set_.emplace(make_set<S>(board_, static_cast<std::uint32_t>(order_->size())));
    auto r = set_->poll(task);
    if (r.is_ready()) {
      std::uint64_t sum = 0;
      for (const auto& item : r.get_value()) sum += item.get_value();
      return ready_value{sum};
    }
    board_->fire((*order_)[next_++]);
    return pending;
  }

 private:
  board* board_;
  const std::vector<std::uint32_t>* order_;
  std::optional<decltype(make_set<S>(nullptr, 0))> set_;
  std::size_t next_ = 0;
};

template <class V>
struct case_state {
  local::reactor reactor;
  board b;
  std::vector<std::uint32_t> order;
};

inline std::size_t probe_iterations_for(std::uint32_t n) {
  return std::clamp<std::size_t>(200000 / n, 2, 64);
}

template <class V>
void add_case(std::uint32_t n) {
  auto state = std::make_shared<case_state<V>>();
  state->order = fire_order(n);
  const std::uint64_t expected = static_cast<std::uint64_t>(n) * (n - 1) / 2;
  auto body = [state, n, expected] {
    state->b.reset(n);
    auto result = state->reactor.block_on(join_all_root<V::strategy>(&state->b, &state->order));
    check(result.get_value() == expected, "join_all: wrong sum");
    benchmark::DoNotOptimize(state);
  };
  case_options o;
  o.callgrind = V::strategy != range_strategy::poll_all || n <= callgrind_max_poll_all;
  o.probe_iterations = probe_iterations_for(n);
  o.extra_metrics = [state, body, n]() mutable {
    state->b.child_polls = 0;
    body();
    return std::vector<extra_metric>{
        {"child_polls_per_child", "poll",
         static_cast<double>(state->b.child_polls) / static_cast<double>(n)}};
  };
  register_case("join_all", V::name, "n=" + std::to_string(n), n, body, std::move(o));
}

/// Every case of variant `V`.
template <class V>
void register_variant() {
  for (const std::uint32_t n : sizes) add_case<V>(n);
  add_case<V>(full_only_size);
}

}  // namespace gentask::bench::exp06
