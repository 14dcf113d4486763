#pragma once
/// @file
/// A timer driver on a manual clock, and a task that models `timer_task` with it, for
/// deterministic tests of time (tokio's `time::pause`, Seastar's `manual_clock`).

#include "counting_task.hpp"

#include <gentask/core/task.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>

namespace gentask::test {

class manual_timer {
 public:
  manual_timer() = default;
  manual_timer(const manual_timer&) = delete;
  manual_timer& operator=(const manual_timer&) = delete;

  [[nodiscard]] time_point now() const noexcept { return now_; }

  [[nodiscard]] timer_registration schedule_wake(time_point deadline, const waker& w) {
    const std::uint64_t id = next_id_++;
    if (deadline <= now_) {
      w.wake();
      return {};
    }
    entries_.emplace(id, entry{deadline, w});
    return {this, id, [](void* driver, std::uint64_t key) noexcept {
              static_cast<manual_timer*>(driver)->entries_.erase(key);
            }};
  }

  /// Moves the clock forward and wakes every registration that is now due.
  void advance(timer_clock::duration by) {
    now_ += by;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.deadline <= now_) {
        waker w = std::move(it->second.w);
        it = entries_.erase(it);
        w.wake();
      } else {
        ++it;
      }
    }
  }

  /// Registrations that have neither fired nor been cancelled.
  [[nodiscard]] std::size_t get_pending_count() const noexcept { return entries_.size(); }

 private:
  struct entry {
    time_point deadline;
    waker w;
  };
  time_point now_{};
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, entry> entries_;
};

static_assert(timer_driver<manual_timer>);

/// A counting task that also models `timer_task` on a `manual_timer`.
class manual_timer_task : public counting_task {
 public:
  [[nodiscard]] manual_timer& get_timer() noexcept { return timer_; }

 private:
  manual_timer timer_;
};

static_assert(timer_task<manual_timer_task>);

}  // namespace gentask::test
