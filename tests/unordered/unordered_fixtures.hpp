#pragma once
/// @file
/// What the shared futures_unordered suite drives every variant with:
///
/// - `test_child`: a child future scripted through a shared `child_state`: it wakes itself
///   `self_wakes` times, then waits (keeping its task's waker) until the test fires it, then
///   yields its value, fails with its error, or throws; it counts its polls and destructions
///   and notes a poll after destruction.
/// - `spawn_per_child_variant`: a variant tag (the set type for a child type); the baselines'
///   tags are in shared_suite.cpp.
/// - `set_harness<Variant>`: a local reactor and a parent task that owns nothing but polls a set
///   kept in the harness (so a test can drop it at any point): on each poll the parent pushes
///   the children the test queued, then takes every item the set yields, in order, pushing
///   what was queued meanwhile before each next `poll_next`.

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/unordered/spawn_per_child.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace gentask::test::unordered_tests {

struct child_state {
  enum class outcome_kind : unsigned char { value, error, exception };

  int value = 0;
  outcome_kind outcome = outcome_kind::value;
  std::size_t self_wakes = 0;
  bool fired = false;
  std::size_t polls = 0;
  std::size_t destroyed = 0;
  bool polled_after_destroy = false;
  waker w;
  /// Runs inside the child's poll (before anything else), once.
  std::function<void()> on_poll;

  void fire() {
    fired = true;
    w.wake();
  }
};

using child_ptr = std::shared_ptr<child_state>;

inline child_ptr make_child(int value, std::size_t self_wakes = 0) {
  auto c = std::make_shared<child_state>();
  c->value = value;
  c->self_wakes = self_wakes;
  return c;
}

class test_child {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = int;

  explicit test_child(child_ptr state) : state_(std::move(state)) {}
  test_child(test_child&& other) noexcept = default;
  test_child& operator=(test_child&&) = delete;
  test_child(const test_child&) = delete;
  test_child& operator=(const test_child&) = delete;
  ~test_child() {
    if (state_) ++state_->destroyed;
  }

  template <task Task>
  poll_result<int, int> poll(Task& task) {
    auto& s = *state_;
    if (s.destroyed > 0) s.polled_after_destroy = true;
    ++s.polls;
    if (s.on_poll) std::exchange(s.on_poll, {})();
    if (s.self_wakes > 0) {
      --s.self_wakes;
      task.get_waker().wake();
      return pending;
    }
    if (!s.fired) {
      auto w = task.get_waker();
      if (!s.w.will_wake(w)) s.w = std::move(w);
      return pending;
    }
    switch (s.outcome) {
      case child_state::outcome_kind::value:
        return ready_value{s.value};
      case child_state::outcome_kind::error:
        return failed_value{s.value};
      case child_state::outcome_kind::exception:
        break;
    }
    throw std::runtime_error("child " + std::to_string(s.value) + " threw");
  }

 private:
  child_ptr state_;
};

// The variants, each with the set type for a child type `F`.
struct spawn_per_child_variant {
  static constexpr std::string_view name = "spawn_per_child";
  template <class F>
  using set = unordered::spawn_per_child<F>;
};
/// An item as the tests see it: the value, or the error (negated), or -1000 for an exception
/// or a cancellation (spawn_per_child reports those as join errors).
template <class Item>
int flatten(Item& item) {
  if (item.is_ready()) return item.get_value();
  const auto& e = item.get_error();
  if constexpr (requires { e.is_canceled(); }) {
    if (e.is_error()) return -e.get_error();
    return -1000;
  } else {
    return -e;
  }
}

template <class Variant>
struct set_harness {
  using set_type = typename Variant::template set<test_child>;

  local::reactor reactor;
  std::optional<set_type> set{std::in_place};
  std::vector<child_ptr> to_push;
  std::vector<int> items;
  std::size_t parent_polls = 0;
  std::size_t ends_seen = 0;  // polls that found the set empty
  waker parent_waker;
  /// An exception that left poll_next (the baselines let a child's exception through).
  std::vector<std::string> escaped;

  class parent {
   public:
    using future_concept = future_tag;
    using item_type = unit;
    using error_type = never;
    explicit parent(set_harness* h) : h_(h) {}
    template <task Task>
    poll_result<unit, never> poll(Task& task) {
      auto& h = *h_;
      ++h.parent_polls;
      h.parent_waker = task.get_waker();
      if (!h.set) return pending;
      while (h.set) {
        // Pushes what the test (or a child's poll) queued, also between two items of one poll.
        for (auto& c : std::exchange(h.to_push, {})) h.set->push(task, test_child(c));
        try {
          auto r = h.set->poll_next(task);
          if (r.is_pending()) break;
          if (!r.get_value()) {
            ++h.ends_seen;
            break;
          }
          h.items.push_back(flatten(*r.get_value()));
        } catch (const std::runtime_error& e) {
          h.escaped.emplace_back(e.what());
        }
      }
      return pending;
    }

   private:
    set_harness* h_;
  };

  set_harness() { reactor.spawn(parent(this)).detach(); }

  void push(const child_ptr& c) {
    to_push.push_back(c);
    parent_waker.wake();
  }
  std::size_t run() { return reactor.run_until_idle(); }
};

}  // namespace gentask::test::unordered_tests
