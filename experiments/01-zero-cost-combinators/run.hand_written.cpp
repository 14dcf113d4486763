// Variant `hand_written`: the same trees as explicit state machines, written the way a C++
// programmer would write them without combinators, over the same leaves and the same reactor.
#include "workloads.hpp"

#include "../common/harness.hpp"

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace gentask::bench::exp01 {
namespace {

/// A leaf followed by `Depth` steps, each making the next leaf from the previous value.
template <int Depth>
class hand_chain {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  explicit hand_chain(int seed) : current_(bench_leaf(seed, opaque_rounds())) {}

  template <task Task>
  poll_result<int, never> poll(Task& task) {
    for (;;) {
      auto result = current_.poll(task);
      if (result.is_pending()) return pending;
      const int value = result.get_value();
      if (step_ == Depth) return ready_value{value};
      ++step_;
      current_ = bench_leaf(value + 1, opaque_rounds());
    }
  }

 private:
  bench_leaf current_;
  int step_ = 0;
};

/// `Width` leaves polled until all are ready; their values summed.
template <int Width>
class hand_join {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  hand_join() {
    for (int i = 0; i < Width; ++i) leaves_[i].emplace(i, opaque_rounds());
  }

  template <task Task>
  poll_result<int, never> poll(Task& task) {
    for (int i = 0; i < Width; ++i) {
      if (!leaves_[i]) continue;
      auto result = leaves_[i]->poll(task);
      if (result.is_ready()) {
        values_[i] = result.get_value();
        leaves_[i].reset();
        ++done_;
      }
    }
    if (done_ < Width) return pending;
    int sum = 0;
    for (int v : values_) sum += v;
    return ready_value{sum};
  }

 private:
  std::array<std::optional<bench_leaf>, Width> leaves_;
  std::array<int, Width> values_{};
  int done_ = 0;
};

/// `Width` leaves raced; the first ready one wins and the rest are dropped.
template <int Width>
class hand_select {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  hand_select() {
    for (int i = 0; i < Width; ++i) leaves_[i].emplace(i, opaque_rounds() + i);
  }

  template <task Task>
  poll_result<int, never> poll(Task& task) {
    for (int i = 0; i < Width; ++i) {
      auto result = leaves_[i]->poll(task);
      if (result.is_ready()) {
        for (auto& leaf : leaves_) leaf.reset();
        return ready_value{i};
      }
    }
    return pending;
  }

 private:
  std::array<std::optional<bench_leaf>, Width> leaves_;
};

template <int Depth>
void add_chain() {
  auto reactor = std::make_shared<local::reactor>();
  register_case("and_then_chain", "hand_written", depth_param(Depth), Depth + 1,
                [reactor] { drive(*reactor, hand_chain<Depth>(1)); });
}
template <int Width>
void add_join() {
  auto reactor = std::make_shared<local::reactor>();
  register_case("join_wide", "hand_written", width_param(Width), Width,
                [reactor] { drive(*reactor, hand_join<Width>()); });
}
template <int Width>
void add_select() {
  auto reactor = std::make_shared<local::reactor>();
  register_case("select_wide", "hand_written", width_param(Width), Width,
                [reactor] { drive(*reactor, hand_select<Width>()); });
}

const bool registered = [] {
  add_chain<4>();
  add_chain<16>();
  add_chain<64>();
  add_join<4>();
  add_join<16>();
  add_join<64>();
  add_select<4>();
  add_select<16>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp01
