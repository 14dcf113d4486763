#pragma once
/// @file
/// `with_ui_state<State>(fn)`: a future that runs `fn(state)` once, at its first poll, with the
/// UI thread's state of the task that polls it (`task.get_ui_state()`), and is ready with what
/// `fn` returns (`void` gives `unit`). The way a future touches UI state: it is pollable only on
/// a `ui_task`, so on a reactor without one (the local or the tokio-style reactor) it does not
/// compile, and the diagnostic names the capability (`_FUTURE_REQUIRES_UI_TASK_`).
///
///   auto show = with_ui_state<demo_widgets>([n](demo_widgets& w) { set_label(w.label, n); });
///
/// `State` is the reactor's UI state type; polling on a `ui_task` whose state is another type
/// fails to compile with a message saying so. An exception from `fn` leaves the poll (the
/// task fails with it). Polled again after completion: `std::logic_error`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>

#include <concepts>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace gentask {

template <class State, class Fn>
class with_ui_state_future {
  using result_type = std::invoke_result_t<Fn&, State&>;
  static_assert(!std::is_reference_v<result_type>,
                "gentask: with_ui_state: fn must return a value, not a reference into the UI "
                "state (the future's result may be read after the state changed)");

 public:
  using future_concept = future_tag;
  using item_type = std::conditional_t<std::is_void_v<result_type>, unit, result_type>;
  using error_type = never;

  explicit with_ui_state_future(Fn fn) : fn_(std::in_place, std::move(fn)) {}

  template <ui_task Task>
  poll_result<item_type, never> poll(Task& task) {
    static_assert(std::same_as<typename Task::ui_state_type, State>,
                  "gentask: with_ui_state<State>: the task's UI state (ui_state_type) is "
                  "another type than State");
    if (!fn_) detail::throw_polled_after_completion("with_ui_state: polled after completion");
    struct reset_on_exit {
      std::optional<Fn>& fn;
      ~reset_on_exit() { fn.reset(); }
    } reset{fn_};
    State& state = task.get_ui_state();
    if constexpr (std::is_void_v<result_type>) {
      std::invoke(*fn_, state);
      return ready_value{unit{}};
    } else {
      return ready_value{std::invoke(*fn_, state)};
    }
  }

 private:
  std::optional<Fn> fn_;
};

/// A future that runs `fn(task.get_ui_state())` at its first poll; pollable only on a `ui_task`
/// whose `ui_state_type` is `State`.
template <class State, class Fn>
  requires std::invocable<Fn&, State&>
[[nodiscard]] with_ui_state_future<State, Fn> with_ui_state(Fn fn) {
  return with_ui_state_future<State, Fn>(std::move(fn));
}

}  // namespace gentask
