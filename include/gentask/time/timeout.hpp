#pragma once
/// @file
/// `timeout(f, d)` / `f | timeout(d)` and `timeout_at(f, deadline)`: `f`, unless its deadline
/// passes first (tokio's `time::timeout` and `timeout_at`).
///
/// The result is `f`'s: its item when it is ready, its error `e` as
/// `timeout_error<E>::from_error(e)` when it fails; when the deadline passes first the future
/// fails with `timeout_error<E>::from_timeout()` (`is_timed_out()`), and `f` is dropped at that
/// moment. The error type is therefore `timeout_error<error_type_t<F>>` (as a joined task's is
/// `join_error<E>`): for an infallible `f` (`E` = `never`) the only failure is the timeout, and a
/// `timeout_error<never>` widens to any `timeout_error<E>`, so several timeouts unify in a `select`
/// once their inner errors do.
///
/// Each poll polls `f` first, then the deadline (as tokio does): a future that is ready at the
/// poll in which the deadline passes wins, and one that is ready at its first poll never reads the
/// timer's registration. The sleep inside never takes coop budget, so a budget that `f` spent
/// cannot keep the timeout from firing (tokio polls its delay unconstrained for the same reason).
/// `timeout(f, d)` fixes its deadline at its first poll, from the task's clock, before `f` is
/// polled; deadlines saturate (`saturating_add`, and `saturating_duration` for a coarser `d`):
/// `d = duration::max()` (or `std::chrono::hours::max()`) never times out, a zero or
/// negative `d` times out at the first poll at which `f` is pending, as does a deadline already
/// past. Pollable on exactly the `timer_task`s that `f` is pollable on. Dropping the future drops
/// `f` and cancels the timer registration. Polled again after completion, it throws
/// `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/detail/pipeable.hpp>
#include <gentask/time/sleep.hpp>

#include <chrono>
#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace gentask {

/// The deadline of a `timeout` passed before its future completed.
struct timed_out {
  friend constexpr bool operator==(timed_out, timed_out) noexcept = default;
};

/// Why a `timeout(f, d)` produced no item: `f`'s own error `E`, or `timed_out`.
template <class E>
class timeout_error {
 public:
  using error_type = E;

  /// The inner future failed with its own error.
  static timeout_error from_error(E error) {
    return timeout_error(std::in_place_index<0>, std::move(error));
  }
  /// The deadline passed first.
  static timeout_error from_timeout() noexcept {
    return timeout_error(std::in_place_index<1>, timed_out{});
  }
  /// A `timeout_error<never>` (or of another convertible error) widened to this error type.
  template <class G>
  requires(!std::is_same_v<G, E>) &&
      (std::is_same_v<G, never> ||
       std::constructible_from<E, G&&>)timeout_error(timeout_error<G>&& other)  // NOLINT
      : state_(std::in_place_index<1>, timed_out{}) {
    if (other.is_error()) state_.template emplace<0>(unify_cast<E>(std::move(other).get_error()));
  }

  [[nodiscard]] bool is_error() const noexcept { return state_.index() == 0; }
  [[nodiscard]] bool is_timed_out() const noexcept { return state_.index() == 1; }

  /// The inner future's error; precondition: `is_error()`.
  E& get_error() & { return std::get<0>(state_); }
  const E& get_error() const& { return std::get<0>(state_); }
  E&& get_error() && { return std::get<0>(std::move(state_)); }

  friend bool operator==(const timeout_error& a,
                         const timeout_error& b) requires std::equality_comparable<E> {
    return a.state_ == b.state_;
  }

 private:
  template <std::size_t I, class... Args>
  explicit timeout_error(std::in_place_index_t<I> i, Args&&... args)
      : state_(i, std::forward<Args>(args)...) {}

  template <class>
  friend class timeout_error;

  std::variant<E, timed_out> state_;
};

template <future F>
class timeout_future {
 public:
  using future_concept = future_tag;
  using item_type = item_type_t<F>;
  using error_type = timeout_error<error_type_t<F>>;

  /// Times out `delay` after the first poll.
  timeout_future(F f, timer_clock::duration delay)
      : state_(std::in_place, std::move(f), time_point{}), delay_(delay) {}
  /// Times out at `deadline`.
  timeout_future(F f, time_point deadline)
      : state_(std::in_place, std::move(f), deadline), has_deadline_(true) {}

  template <timer_task Task>
  requires pollable<F, Task> poll_result<item_type, error_type> poll(Task& task) {
    if (!state_) detail::throw_polled_after_completion("timeout: polled after completion");
    if (!has_deadline_) {
      state_->sleep.reset(saturating_add(task.get_timer().now(), delay_));
      has_deadline_ = true;
    }
    auto result = state_->inner.poll(task);
    if (result.is_ready()) {
      state_.reset();
      return ready_value<item_type>{std::move(result).get_value()};
    }
    if (result.is_failed()) {
      state_.reset();
      return failed_value<error_type>{error_type::from_error(std::move(result).get_error())};
    }
    if (state_->sleep.poll(task).is_pending()) return pending;
    state_.reset();  // the deadline passed: `f` is dropped now
    return failed_value<error_type>{error_type::from_timeout()};
  }

  /// The deadline, once known (from construction, or from the first poll of `timeout(f, d)`).
  [[nodiscard]] std::optional<time_point> get_deadline() const noexcept {
    if (!has_deadline_ || !state_) return std::nullopt;
    return state_->sleep.get_deadline();
  }

 private:
  struct state {
    state(F f, time_point deadline) : inner(std::move(f)), sleep(deadline) {}
    F inner;
    sleep_future sleep;
  };

  std::optional<state> state_;
  timer_clock::duration delay_{};
  bool has_deadline_ = false;
};

struct timeout_fn {
  /// Any integral duration, converted saturating (`saturating_duration`).
  template <future F, std::integral Rep, class Period>
  auto operator()(F&& f, std::chrono::duration<Rep, Period> delay) const {
    return timeout_future<std::remove_cvref_t<F>>(std::forward<F>(f), saturating_duration(delay));
  }
  template <std::integral Rep, class Period>
  auto operator()(std::chrono::duration<Rep, Period> delay) const {
    return detail::make_pipe_closure<timeout_fn>(saturating_duration(delay));
  }
};
/// `timeout(f, d)`: `f`, or `timed_out` once `d` has passed since the first poll.
inline constexpr timeout_fn timeout{};

struct timeout_at_fn {
  template <future F>
  auto operator()(F&& f, time_point deadline) const {
    return timeout_future<std::remove_cvref_t<F>>(std::forward<F>(f), deadline);
  }
  auto operator()(time_point deadline) const {
    return detail::make_pipe_closure<timeout_at_fn>(deadline);
  }
};
/// `timeout_at(f, deadline)`: `f`, or `timed_out` once the task's clock reaches `deadline`.
inline constexpr timeout_at_fn timeout_at{};

}  // namespace gentask
