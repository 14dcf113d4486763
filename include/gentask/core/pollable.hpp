#pragma once
/// @file
/// `pollable<F, Task>`: the essay's `Pollable<TaskT>`, the relation between a future and the
/// task types that can drive it.
///
/// Concretely, `F` is pollable on `Task` if:
///   1. `F` is a `future` and `Task` is a `task`;
///   2. for an lvalue `f` of `std::remove_cvref_t<F>` and `t` of `Task` (so qualifiers on `F`
///      do not matter, as for `future`), `f.poll(t)` is valid and returns exactly
///      `poll_result<item_type_t<F>, error_type_t<F>>`.
///
/// The task is always a parameter, never ambient: nothing in gentask (outside the
/// deliberately ambient baseline in `ambient/`) reads a thread-local to find it.
///
/// Laws: see future.hpp. In particular, returning `pending` must have arranged a wake through
/// the task `t` (or through a handle it handed out before), or the task may never be polled again.
///
/// @see future, task, diagnostics.hpp (the checked entry point that names a missing capability)

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>

#include <concepts>
#include <type_traits>

namespace gentask {

template <class F, class Task>
concept pollable = future<F> && task<std::remove_reference_t<Task>> &&
    requires(std::remove_cvref_t<F>& f, std::remove_reference_t<Task>& t) {
  { f.poll(t) } -> std::same_as<poll_result<item_type_t<F>, error_type_t<F>>>;
};

/// The result type of polling `F`.
template <future F>
using poll_result_t = poll_result<item_type_t<F>, error_type_t<F>>;

}  // namespace gentask
