#pragma once
/// @file
/// Leaf futures for tests.
///
/// - `yield_now(v)`: pending once (waking its task from inside the poll), then ready with `v`.
/// - `never_ready<T, E>`: pending forever, arranges no wake.
/// - `manual_event` / `event_future`: pending until the test calls `event.set()`, which wakes the
///   latest handle (refreshed with `will_wake` on each poll).
/// - `probe<T, E>`: completes with a preset result after `pending_polls` pending polls, counting
///   its polls and destructions in a `probe_record`.
/// - `needs_*`: leaves that constrain `poll` on one capability each, for pollable tables.

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

namespace gentask::test {

template <class T = int>
class yield_now {
 public:
  using future_concept = future_tag;
  using item_type = T;
  using error_type = never;

  explicit yield_now(T value) : value_(std::move(value)) {}

  template <task Task>
  poll_result<T, never> poll(Task& task) {
    if (!yielded_) {
      yielded_ = true;
      task.get_waker().wake();
      return pending;
    }
    return ready_value<T>{std::move(value_)};
  }

 private:
  T value_;
  bool yielded_ = false;
};

template <class T = int, class E = never>
struct never_ready {
  using future_concept = future_tag;
  using item_type = T;
  using error_type = E;
  template <task Task>
  poll_result<T, E> poll(Task& /*task*/) {
    return pending;
  }
};

/// A one-shot event a test fires by hand.
class manual_event {
 public:
  struct state_type {
    bool is_set = false;
    waker w;
  };

  void set() {
    state_->is_set = true;
    state_->w.wake();
  }
  [[nodiscard]] bool is_set() const noexcept { return state_->is_set; }
  /// Whether a future is currently waiting with a handle.
  [[nodiscard]] bool has_waiter() const noexcept { return !state_->w.is_noop(); }

  class event_future {
   public:
    using future_concept = future_tag;
    using item_type = unit;
    using error_type = never;
    explicit event_future(std::shared_ptr<manual_event::state_type> state)
        : state_(std::move(state)) {}
    template <task Task>
    poll_result<unit, never> poll(Task& task) {
      if (state_->is_set) return ready_value{};
      waker current = task.get_waker();
      if (!current.will_wake(state_->w)) state_->w = std::move(current);
      return pending;
    }

   private:
    std::shared_ptr<manual_event::state_type> state_;
  };

  [[nodiscard]] event_future wait() const { return event_future(state_); }

 private:
  std::shared_ptr<state_type> state_ = std::make_shared<state_type>();
};

struct probe_record {
  std::size_t polls = 0;
  std::size_t destroyed = 0;
};

/// Completes with `result` after `pending_polls` pending polls (each wakes its task when
/// `self_wake` is set); counts polls and destructions.
template <class T = int, class E = never>
class probe {
 public:
  using future_concept = future_tag;
  using item_type = T;
  using error_type = E;

  probe(probe_record& record, poll_result<T, E> result, std::size_t pending_polls = 0,
        bool self_wake = true)
      : record_(&record),
        result_(std::move(result)),
        pending_left_(pending_polls),
        self_wake_(self_wake) {}
  probe(probe&& other) noexcept
      : record_(std::exchange(other.record_, nullptr)),
        result_(std::move(other.result_)),
        pending_left_(other.pending_left_),
        self_wake_(other.self_wake_) {}
  probe(const probe&) = delete;
  probe& operator=(const probe&) = delete;
  probe& operator=(probe&&) = delete;
  ~probe() {
    if (record_ != nullptr) ++record_->destroyed;
  }

  template <task Task>
  poll_result<T, E> poll(Task& task) {
    ++record_->polls;
    if (pending_left_ > 0) {
      --pending_left_;
      if (self_wake_) task.get_waker().wake();
      return pending;
    }
    return std::move(result_);
  }

 private:
  probe_record* record_;
  poll_result<T, E> result_;
  std::size_t pending_left_;
  bool self_wake_;
};

/// Leaves that need one capability each (declared polls: for compile-time tables).
struct needs_io {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = int;
  template <io_task Task>
  poll_result<int, int> poll(Task& task);
};
struct needs_timer {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  template <timer_task Task>
  poll_result<unit, never> poll(Task& task);
};
struct needs_ui {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  template <ui_task Task>
  poll_result<unit, never> poll(Task& task);
};
struct needs_spawn {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  template <spawning_task Task>
  poll_result<unit, never> poll(Task& task);
};
struct needs_remote_wake {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  template <remote_waking_task Task>
  poll_result<unit, never> poll(Task& task);
};

}  // namespace gentask::test
