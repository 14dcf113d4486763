#pragma once
/// @file
/// The child the baseline sets' own tests (per_leaf_notify.cpp, ready_id_set.cpp, poll_all.cpp)
/// drive their set with, and `take`, which reads one outcome from a set that must have one.
/// (The suite shared by all four variants uses unordered_fixtures.hpp.)

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>

#include "support/counted.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace gentask::test::baseline_tests {

/// A child driven by a shared script: it keeps the latest handle it was polled with, runs
/// `on_poll` once, then throws, wakes itself and stays pending, fails, completes, or waits.
struct child_state {
  int value = 0;
  std::size_t self_wakes = 0;
  bool ready = false;
  bool fail = false;
  bool throws = false;
  std::size_t polls = 0;
  waker w;
  std::vector<int>* log = nullptr;
  std::function<void()> on_poll;
};
using state_ptr = std::shared_ptr<child_state>;

inline state_ptr make_state(int value, std::vector<int>* log = nullptr) {
  auto s = std::make_shared<child_state>();
  s->value = value;
  s->log = log;
  return s;
}

class scripted_child {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = int;

  scripted_child(lifecycle& life, state_ptr state)
      : life_(life, state->value), state_(std::move(state)) {}

  template <task Task>
  poll_result<int, int> poll(Task& task) {
    child_state& s = *state_;
    ++s.polls;
    if (s.log != nullptr) s.log->push_back(s.value);
    waker current = task.get_waker();
    if (!current.will_wake(s.w)) s.w = std::move(current);
    if (s.on_poll) std::exchange(s.on_poll, {})();
    if (s.throws) {
      s.throws = false;
      throw std::runtime_error("child threw");
    }
    if (s.self_wakes > 0) {
      --s.self_wakes;
      task.get_waker().wake();
      return pending;
    }
    if (s.fail) return failed_value{s.value};
    if (s.ready) return ready_value{s.value};
    return pending;
  }

 private:
  counted life_;
  state_ptr state_;
};

/// The item of a `poll_next` that must be ready with a child's outcome: the value, or minus the
/// error.
template <class S, class Task>
int take(S& set, Task& task) {
  auto r = set.poll_next(task);
  REQUIRE(r.is_ready());
  REQUIRE(r.get_value().has_value());
  auto& item = *r.get_value();
  return item.is_ready() ? item.get_value() : -item.get_error();
}

}  // namespace gentask::test::baseline_tests
