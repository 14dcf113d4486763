#pragma once
/// @file
/// `sleep_until(deadline)`: the essay's `SleepUntil`, a leaf future that needs a `timer_task`.
///
/// Each poll compares the task's clock with the deadline: at or past it, the future is ready;
/// before it, the future makes sure a wake-up is scheduled for the deadline with the task's
/// current wake handle (registering again only when the handle changed, the futures 0.3
/// `will_wake` rule, or when the registration it holds has come due) and returns `pending`.
/// Spurious wakes therefore only cost a clock read. `sleep_for(d)` fixes its deadline at its
/// first poll, from the task's clock, saturating: a delay past the clock's range never ends (and a
/// negative one has ended); it takes any integral duration, converted saturating
/// (`saturating_duration`: `sleep_for(std::chrono::hours::max())` never ends either). A sleep may
/// outlive its reactor (its registration then does nothing).
///
/// **Cancel** by dropping the future: its registration is removed from the timer driver at once
/// and the driver's copy of the wake handle released (in `timer_queue`, amortized O(1)); nothing
/// wakes later. (tokio cancels a `Sleep` the same way, by dropping it.)
///
/// **Reset** (tokio's `Sleep::reset`): `reset(deadline)` moves the deadline, before or after the
/// sleep completed (a completed sleep is pending again until the new deadline). A registration
/// for an earlier time than the new deadline is kept: it wakes the task early, and that poll
/// registers for the new deadline (tokio extends a registration the same way, without touching
/// its wheel); one for a later time is removed at once. A sleep holds no reference to its
/// driver between polls (a registration can only cancel), so the new deadline is armed by the
/// next poll: reset from inside the owner's poll and poll the sleep after it (as `interval` does),
/// unlike tokio, whose reset registers at once with the waker of the last poll.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>

#include <chrono>
#include <concepts>
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
    // A registration stands if it is for a time still ahead, not after the deadline (reset may
    // have moved the deadline later), and wakes the task that polls now.
    if (!registration_.is_active() || registered_for_ <= now || registered_for_ > *deadline_ ||
        !current.will_wake(registered_)) {
      registration_ = timer.schedule_wake(*deadline_, current);
      registered_for_ = *deadline_;
      registered_ = std::move(current);
    }
    return pending;
  }

  /// Moves the deadline to `deadline` (see the file comment): also after completion, which makes
  /// the sleep pending again. Removes a registration for a later time than `deadline` at once; the
  /// next poll registers for `deadline`.
  void reset(time_point deadline) noexcept {
    deadline_ = deadline;
    done_ = false;
    if (registration_.is_active() && registered_for_ > deadline) {
      registration_.cancel();
      registered_ = waker();
    }
  }

  /// The deadline, once known (from construction, or from the first poll of `sleep_for`).
  [[nodiscard]] std::optional<time_point> get_deadline() const noexcept { return deadline_; }
  /// True once a poll has returned ready (until a `reset`).
  [[nodiscard]] bool is_elapsed() const noexcept { return done_; }

 private:
  std::optional<time_point> deadline_;
  timer_clock::duration delay_{};
  timer_registration registration_;
  time_point registered_for_{};  // the deadline of `registration_`, while it is active
  waker registered_;
  bool done_ = false;
};

inline sleep_future sleep_until(time_point deadline) { return sleep_future(deadline); }
/// Any integral duration, converted saturating (`std::chrono::hours::max()` never ends).
template <std::integral Rep, class Period>
sleep_future sleep_for(std::chrono::duration<Rep, Period> delay) {
  return sleep_future(saturating_duration(delay));
}

}  // namespace gentask
