#pragma once
/// @file
/// The `reactor` concept: what every reactor built on the kit offers its user, and what the
/// conformance suite (tests/conformance/) is parameterised on. Modelled by
/// `local::basic_reactor<P>` and `tokio_style::basic_reactor<P, D>` for every storage policy `P`
/// (and both dispatch policies `D`); the UI-invoke reactor is to model it unchanged.
///
/// - `R::storage_policy_type` is its storage policy (a reactor accepts every one);
/// - `R::task_type` models `spawning_task` and `remote_waking_task` (and may model more:
///   `timer_task`, `io_task`, `ui_task`, `budgeted_task`);
/// - `spawn(f)` returns a join handle; `get_remote_handle().spawn(f)` spawns from any thread;
/// - `block_on(f)` polls a root future to completion, running tasks between polls, and throws
///   `runtime::stalled` when nothing could ever wake it; `run_until_idle()` runs tasks until
///   none is ready and never blocks;
/// - counters: `get_task_count()`, `get_poll_count()`, `get_unobserved_exception_count()`;
/// - `set_coop_budget(n)`, meaningful where `task_type` models `budgeted_task`.
/// Construction is default construction, on the thread that will run it.

#include <gentask/core/budget.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace gentask {
namespace detail {
/// A root future every reactor must accept: pollable on any task, never pending.
struct reactor_probe_future {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  template <task T>
  poll_result<unit, never> poll(T&) {
    return ready_value{};
  }
};
}  // namespace detail

namespace runtime {

template <class R>
concept reactor = std::default_initializable<R> && !std::copy_constructible<R> && requires {
  typename R::storage_policy_type;
}
&&spawning_task<typename R::task_type>&& remote_waking_task<typename R::task_type>&& requires(
    R& r, const R& cr, gentask::detail::reactor_probe_future f, std::optional<unsigned> n) {
  { r.spawn(f) } -> future;
  r.get_remote_handle().spawn(f);
  { r.block_on(f) } -> std::same_as<poll_result<unit, never>>;
  { r.run_until_idle() } -> std::same_as<std::size_t>;
  { cr.get_task_count() }
  noexcept->std::same_as<std::size_t>;
  { cr.get_poll_count() }
  noexcept->std::same_as<std::uint64_t>;
  { cr.get_unobserved_exception_count() }
  noexcept->std::same_as<std::uint64_t>;
  r.set_coop_budget(n);
};

}  // namespace runtime
}  // namespace gentask
