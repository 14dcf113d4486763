#pragma once
/// @file
/// Leaf futures for experiments that the optimiser cannot see through: `bench_leaf` is pending
/// for a number of rounds read from a volatile global (so neither the rounds nor the value
/// fold to constants), and each pending round wakes its task through the reactor.

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>

namespace gentask::bench {

/// Pending rounds per leaf (1). Volatile: every read is a real load.
extern volatile int leaf_rounds;

[[nodiscard]] inline int opaque_rounds() noexcept { return leaf_rounds; }

class bench_leaf {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  bench_leaf(int value, int rounds) noexcept : value_(value), rounds_(rounds) {}

  template <task Task>
  poll_result<int, never> poll(Task& task) {
    if (rounds_ > 0) {
      --rounds_;
      task.get_waker().wake();
      return pending;
    }
    return ready_value{value_};
  }

 private:
  int value_;
  int rounds_;
};

}  // namespace gentask::bench
