#pragma once
/// @file
/// The `io_driver` concept: the readiness interface an `io_task` gives its futures.
///
/// Concretely, a type `D` satisfies `io_driver` if, for a file descriptor `fd`, an interest `i`
/// and a wake handle `w`:
///   1. `d.poll_ready(fd, i, w)` returns `true` when `fd` is ready for `i` now, and otherwise
///      returns `false` and arranges for `w` to be woken when it becomes ready (registering
///      `fd` on first use);
///   2. `d.clear_ready(fd, i)` forgets readiness after an operation returned `EAGAIN`;
///   3. `d.deregister(fd)` drops every registration of `fd` (before it is closed).
///
/// This is the shape of tokio's `ScheduledIo::poll_readiness` / `clear_readiness`. The
/// tokio-style reactor models it; until then it is exercised through archetypes.
///
/// @see io_task

#include <gentask/core/waker.hpp>

#include <concepts>

namespace gentask {

/// What a future waits for on a file descriptor.
enum class io_interest : unsigned char { readable = 1, writable = 2 };

template <class D>
concept io_driver = requires(D& d, int fd, io_interest i, const waker& w) {
  { d.poll_ready(fd, i, w) } -> std::same_as<bool>;
  { d.clear_ready(fd, i) } -> std::same_as<void>;
  { d.deregister(fd) } -> std::same_as<void>;
};

}  // namespace gentask
