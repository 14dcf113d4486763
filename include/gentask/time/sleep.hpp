#pragma once
/// @file
/// `sleep_until(deadline)`: the essay's `SleepUntil`, a leaf future that needs a `timer_task`.
///
/// Each poll compares the task's clock with the deadline: at or past it, the future is ready;
/// before it, the future makes sure a wake-up is scheduled for the deadline with the task's
/// current wake handle (registering again only when the handle changed, the futures 0.3
/// `will_wake` rule) and returns `pending`. Spurious wakes therefore only cost a clock read.
/// Dropping the future cancels the wake-up. `sleep_for(d)` fixes its deadline at its first
/// poll, from the task's clock, saturating: a delay past the clock's range never ends (and a
/// negative one has ended). A sleep may outlive its reactor (its registration then does nothing).

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>

#include <chrono>
#include <optional>
#include <utility>

namespace gentask {

class sleep_future {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  explicit sleep_future(time_point deadline) : deadline_(deadline) {}
  explicit sleep_future(timer_clock::duration delay) : delay_(delay) {}

  template <timer_task Task>
  poll_result<unit, never> poll(Task& task) {
    if (done_) detail::throw_polled_after_completion("sleep: polled after completion");
    auto& timer = task.get_timer();
    const time_point now = timer.now();
    if (!deadline_) deadline_ = saturating_add(now, delay_);
    if (now >= *deadline_) {
      registration_.cancel();
      registered_ = waker();
      done_ = true;
      return ready_value{};
    }
    waker current = task.get_waker();
    if (!registration_.is_active() || !current.will_wake(registered_)) {
      registration_ = timer.schedule_wake(*deadline_, current);
      registered_ = std::move(current);
    }
    return pending;
  }

  /// The deadline, once known (from construction, or from the first poll of `sleep_for`).
  [[nodiscard]] std::optional<time_point> get_deadline() const noexcept { return deadline_; }

 private:
  std::optional<time_point> deadline_;
  timer_clock::duration delay_{};
  timer_registration registration_;
  waker registered_;
  bool done_ = false;
};

inline sleep_future sleep_until(time_point deadline) { return sleep_future(deadline); }
inline sleep_future sleep_for(timer_clock::duration delay) { return sleep_future(delay); }

}  // namespace gentask
