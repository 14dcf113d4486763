#pragma once
/// @file
/// Archetypes: minimal task types that model exactly one combination of capabilities, for
/// compile-time checks such as `STATIC_REQUIRE(pollable<F, archetypes::io_task>)`.
///
/// `archetypes::task_with<Caps>` declares the members of the capabilities in `Caps` and nothing
/// else. Its members are declared, never defined: archetypes exist for concept checks, not to
/// run. The named aliases cover the ladder's rungs; `full_task` has every capability.

#include <gentask/core/future.hpp>
#include <gentask/core/io_driver.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>

namespace gentask {

/// One bit per rung of the capability ladder above `task`.
enum class capability : unsigned {
  none = 0,
  remote_wake = 1U << 0U,
  spawn = 1U << 1U,
  io = 1U << 2U,
  timer = 1U << 3U,
  ui = 1U << 4U,
  all = (1U << 5U) - 1U,
};

constexpr capability operator|(capability a, capability b) noexcept {
  return static_cast<capability>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr capability without(capability set, capability c) noexcept {
  return static_cast<capability>(static_cast<unsigned>(set) & ~static_cast<unsigned>(c));
}
constexpr bool has_capability(capability set, capability c) noexcept {
  return (static_cast<unsigned>(set) & static_cast<unsigned>(c)) == static_cast<unsigned>(c);
}

namespace archetypes {

struct io_driver_archetype {
  io_registration register_io(int fd);
  io_readiness poll_ready(const io_registration& r, io_interest interest, const waker& w);
  void clear_ready(const io_registration& r, io_readiness ready);
};

struct timer_driver_archetype {
  time_point now();
  timer_registration schedule_wake(time_point deadline, const waker& w);
};

struct ui_state_archetype {};

/// What `spawn` returns on an archetype: a future of the child's result.
template <class T, class E>
struct join_handle_archetype {
  using future_concept = future_tag;
  using item_type = T;
  using error_type = E;
  template <gentask::task U>
  poll_result<T, E> poll(U& t);
};

template <capability Caps>
struct task_with {
  using ui_state_type = ui_state_archetype;

  waker get_waker();
  remote_waker get_remote_waker() requires(has_capability(Caps, capability::remote_wake));
  template <gentask::future F>
  join_handle_archetype<item_type_t<F>, error_type_t<F>> spawn(F&& f) requires(
      has_capability(Caps, capability::spawn));
  io_driver_archetype& get_io_driver() requires(has_capability(Caps, capability::io));
  timer_driver_archetype& get_timer() requires(has_capability(Caps, capability::timer));
  ui_state_archetype& get_ui_state() requires(has_capability(Caps, capability::ui));
};

using task = task_with<capability::none>;
using remote_waking_task = task_with<capability::remote_wake>;
using spawning_task = task_with<capability::spawn>;
using io_task = task_with<capability::io>;
using timer_task = task_with<capability::timer>;
using ui_task = task_with<capability::ui>;
using full_task = task_with<capability::all>;

}  // namespace archetypes
}  // namespace gentask
