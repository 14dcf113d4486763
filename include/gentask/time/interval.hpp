#pragma once
/// @file
/// `interval(period)` / `interval_at(start, period)`: a stream of ticks, one per `period`, on a
/// `timer_task`'s clock (tokio's `time::interval`). It never ends and cannot fail.
///
/// Each item is the time point the tick was scheduled for (not the time it was observed):
/// `interval_at(start, p)` yields `start`, `start + p`, `start + 2p`, ... while the consumer
/// keeps up; `interval(p)` starts at the task's clock at its first poll, so its first tick is
/// ready at once (as tokio's first tick). A tick is ready once the clock reaches it; until then
/// `poll_next` is pending with a wake-up registered (a `sleep_future` inside, reset after each
/// tick). Deadlines saturate: once a tick lands on `time_point::max()` the interval never ticks
/// again (unless a manual clock reaches that point).
///
/// **Missed ticks.** When the consumer polls late (the clock has passed more than one tick), what
/// follows depends on `missed_tick_behavior`:
///   - `burst` (the default, as tokio's): every missed tick is yielded, at once, one per poll,
///     each with its scheduled time, until the interval has caught up; the schedule stays
///     aligned to `start`. Chosen as the default because it loses no tick: a consumer that
///     counts ticks (rates, quotas, simulated time on the manual clock) gets one item per
///     period elapsed, and the behaviour is the one code ported from tokio expects.
///   - `delay`: the next tick is one period after the time the late tick was observed; the
///     schedule shifts and the missed ticks are dropped.
///   - `skip`: the missed ticks are dropped and the next tick is the next one of the original
///     schedule (`start + k * period`) after the time the late tick was observed.
/// tokio applies `delay` and `skip` only when the tick is more than 5 ms late; gentask applies
/// them to any lateness (the manual clock makes lateness exact).
///
/// `interval(p)` and `interval_at(s, p)` throw `std::invalid_argument` for a period of zero or
/// less (tokio panics on a zero period): such an interval would tick without end at one instant.
/// Pollable on any `timer_task`; may be moved between polls; dropping it cancels its wake-up.

#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/time/sleep.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>

namespace gentask {

/// What an `interval` does after the consumer missed ticks (see time/interval.hpp).
enum class missed_tick_behavior : unsigned char { burst, delay, skip };

class interval_stream {
 public:
  using stream_concept = stream_tag;
  using item_type = time_point;
  using error_type = never;

  /// First tick at `start`, or at the first poll's clock when `start` is empty. Throws
  /// `std::invalid_argument` unless `period` is positive.
  interval_stream(std::optional<time_point> start, timer_clock::duration period)
      : sleep_(start.value_or(time_point{})), next_(start), period_(check_period(period)) {}

  template <timer_task Task>
  stream_poll_result<time_point, never> poll_next(Task& task) {
    auto& timer = task.get_timer();
    if (!next_) {
      next_ = timer.now();
      sleep_.reset(*next_);
    }
    if (sleep_.poll(task).is_pending()) return pending;
    const time_point tick = *next_;
    next_ = next_after(tick, timer.now());
    sleep_.reset(*next_);
    return ready_value{std::optional<time_point>(tick)};
  }

  /// The time the next tick is scheduled for (empty before the first poll of `interval(p)`).
  [[nodiscard]] std::optional<time_point> get_next_tick() const noexcept { return next_; }
  [[nodiscard]] timer_clock::duration get_period() const noexcept { return period_; }
  [[nodiscard]] missed_tick_behavior get_missed_tick_behavior() const noexcept { return behavior_; }
  void set_missed_tick_behavior(missed_tick_behavior behavior) noexcept { behavior_ = behavior; }

 private:
  static timer_clock::duration check_period(timer_clock::duration period) {
    if (period <= timer_clock::duration::zero()) {
      throw std::invalid_argument("interval: the period must be positive");
    }
    return period;
  }

  /// The tick after `tick`, observed at `now` (at or after `tick`).
  [[nodiscard]] time_point next_after(time_point tick, time_point now) const noexcept {
    const time_point scheduled = saturating_add(tick, period_);
    if (now < scheduled) return scheduled;  // on time: every behaviour agrees
    switch (behavior_) {
      case missed_tick_behavior::burst:
        return scheduled;
      case missed_tick_behavior::delay:
        return saturating_add(now, period_);
      case missed_tick_behavior::skip: {
        // The first tick of the schedule `tick + k * period` strictly after `now`. `now - tick`
        // is taken modulo 2^64: exact, as `now >= tick`, where a signed difference could
        // overflow (a `start` near `time_point::min()`).
        const auto late = static_cast<std::uint64_t>(now.time_since_epoch().count()) -
                          static_cast<std::uint64_t>(tick.time_since_epoch().count());
        const auto into =
            static_cast<timer_clock::rep>(late % static_cast<std::uint64_t>(period_.count()));
        return saturating_add(now, period_ - timer_clock::duration(into));
      }
    }
    return scheduled;
  }

  sleep_future sleep_;
  std::optional<time_point> next_;
  timer_clock::duration period_;
  missed_tick_behavior behavior_ = missed_tick_behavior::burst;
};

/// Ticks every `period` (any integral duration, converted saturating), the first tick at the
/// first poll (at once).
template <std::integral Rep, class Period>
interval_stream interval(std::chrono::duration<Rep, Period> period) {
  return interval_stream(std::nullopt, saturating_duration(period));
}
/// Ticks at `start`, then every `period`.
template <std::integral Rep, class Period>
interval_stream interval_at(time_point start, std::chrono::duration<Rep, Period> period) {
  return interval_stream(start, saturating_duration(period));
}

}  // namespace gentask
