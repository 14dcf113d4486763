#pragma once
/// @file
/// The `unparker` concept: how another thread wakes a reactor that sleeps waiting for work, and
/// how the reactor sleeps. A reactor chooses one; its remote inbox holds it
/// (`basic_remote_inbox<Unparker>`).
///
/// - `unpark()`: any thread, noexcept; after it, the reactor's current or next `park` returns.
///   The inbox calls it after every post and when a release leaves the reactor the only holder
///   of its inbox (the stall signal).
/// - `park(inbox, deadline)`: the reactor's thread; returns `park_result::woken` once the inbox
///   is nonempty, `timeout` at `deadline` (if any), and, with no deadline, `stalled` when the
///   reactor holds the inbox's last reference and nothing was posted: nothing can ever wake it.
///
/// Modelled by `futex_unparker` (the local reactor's default on Linux), `condvar_unparker`
/// (portable; its default elsewhere), `blocking_eventfd_unparker`, `tokio_style::eventfd_unparker`
/// (an eventfd in the reactor's epoll set) and the UI-invoke reactor's own (an eventfd polled by
/// its plain loop, or a GLib main context's wakeup).

#include <gentask/core/timer_driver.hpp>
#include <gentask/runtime/remote_inbox.hpp>

#include <concepts>
#include <optional>

namespace gentask::runtime {

/// What `park` found.
enum class park_result : unsigned char { woken, timeout, stalled };

template <class U>
concept unparker = std::default_initializable<U> &&
    requires(U& u, basic_remote_inbox<U>& inbox, std::optional<time_point> deadline) {
  { u.unpark() }
  noexcept;
  { u.park(inbox, deadline) } -> std::same_as<park_result>;
};

}  // namespace gentask::runtime
