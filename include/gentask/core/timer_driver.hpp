#pragma once
/// @file
/// The `timer_driver` concept: the clock and wake-up queue a `timer_task` gives its futures.
///
/// Concretely, a type `T` satisfies `timer_driver` if:
///   1. `t.now()` returns the driver's current `time_point` (a real or a manual clock);
///   2. `t.schedule_wake(deadline, w)` returns a `timer_registration` and wakes `w` once the
///      driver's clock reaches `deadline` (at once if it already has), unless the registration
///      was cancelled or destroyed first.
///
/// Wakes may be spurious: a future compares `now()` with its deadline on every poll.
/// A registration may outlive the driver that issued it: cancelling or destroying it then does
/// nothing (gentask's `timer_queue` keeps a refcounted anchor for this, as join handles do).
/// Deadlines are time points of `timer_clock`; a relative delay is added with `saturating_add`,
/// so a delay too long for the clock means "never", not an overflow.
///
/// @see timer_task, sleep_until

#include <gentask/core/waker.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <ratio>
#include <type_traits>
#include <utility>

namespace gentask {

/// The clock every timer driver reports in; a manual clock issues the same time points.
using timer_clock = std::chrono::steady_clock;
using time_point = timer_clock::time_point;

/// `t + d`, clamped to the clock's range instead of overflowing: a sleep of
/// `duration::max()` ends at `time_point::max()`, never (tokio clamps far deadlines alike).
[[nodiscard]] constexpr time_point saturating_add(time_point t, timer_clock::duration d) noexcept {
  timer_clock::rep sum = 0;
  if (__builtin_add_overflow(t.time_since_epoch().count(), d.count(), &sum)) {
    return d.count() > 0 ? time_point::max() : time_point::min();
  }
  return time_point(timer_clock::duration(sum));
}

/// `d` in the timer clock's unit, clamped to its range instead of overflowing: a coarser
/// duration such as `std::chrono::hours::max()` does not fit in nanoseconds, and converting it
/// implicitly (at a call taking `timer_clock::duration`) is a signed overflow. `sleep_for`,
/// `timeout` and `interval` take any integral duration through this, so such a delay means
/// "never", as `saturating_add` makes a deadline past the clock's range.
template <std::integral Rep, class Period>
[[nodiscard]] constexpr timer_clock::duration saturating_duration(
    std::chrono::duration<Rep, Period> d) noexcept {
  using target = timer_clock::duration;
  using wide_rep = std::conditional_t<std::is_signed_v<Rep>, std::intmax_t, std::uintmax_t>;
  if constexpr (std::ratio_greater_v<Period, target::period>) {
    // Coarser: compare in the coarser unit (the clock's limits divided, truncated, so a
    // duration within them converts back without overflow).
    using wide = std::chrono::duration<wide_rep, Period>;
    constexpr wide hi = std::chrono::duration_cast<wide>(target::max());
    if (wide(d) > hi) return target::max();
    if constexpr (std::is_signed_v<Rep>) {
      constexpr wide lo = std::chrono::duration_cast<wide>(target::min());
      if (wide(d) < lo) return target::min();
    }
  } else if constexpr (std::is_unsigned_v<Rep>) {
    // As fine or finer: converting divides, so only an unsigned count can exceed the range.
    using wide = std::chrono::duration<wide_rep, target::period>;
    if (std::chrono::duration_cast<wide>(d) > wide(static_cast<wide_rep>(target::max().count()))) {
      return target::max();
    }
  }
  return std::chrono::duration_cast<target>(d);
}

/// A scheduled wake-up; destroying or cancelling it removes it from its driver (if the driver
/// still exists). Move-only.
class timer_registration {
 public:
  using cancel_fn = void (*)(void* driver, std::uint64_t id) noexcept;

  timer_registration() noexcept = default;
  timer_registration(void* driver, std::uint64_t id, cancel_fn cancel) noexcept
      : driver_(driver), id_(id), cancel_(cancel) {}
  timer_registration(timer_registration&& other) noexcept
      : driver_(std::exchange(other.driver_, nullptr)), id_(other.id_), cancel_(other.cancel_) {}
  timer_registration& operator=(timer_registration&& other) noexcept {
    if (this != &other) {
      cancel();
      driver_ = std::exchange(other.driver_, nullptr);
      id_ = other.id_;
      cancel_ = other.cancel_;
    }
    return *this;
  }
  ~timer_registration() { cancel(); }

  /// Removes the wake-up if it has not fired; does nothing on an empty registration.
  void cancel() noexcept {
    if (driver_ != nullptr) cancel_(std::exchange(driver_, nullptr), id_);
  }
  [[nodiscard]] bool is_active() const noexcept { return driver_ != nullptr; }

 private:
  void* driver_ = nullptr;
  std::uint64_t id_ = 0;
  cancel_fn cancel_ = nullptr;
};

template <class T>
concept timer_driver = requires(T& t, time_point deadline, const waker& w) {
  { t.now() } -> std::same_as<time_point>;
  { t.schedule_wake(deadline, w) } -> std::same_as<timer_registration>;
};

}  // namespace gentask
