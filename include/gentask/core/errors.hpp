#pragma once
/// @file
/// The errors the library itself reports.
///
/// - `polled_after_completion` (an exception): a future or stream was polled again after it
///   completed. Every future in gentask throws it rather than repeat a result or touch moved-out
///   state; wrap a future in `fuse` to get `pending` forever instead.
/// - `canceled` (an error value): the other side of a channel, or the task that would have
///   produced a result, was dropped before completing.

#include <stdexcept>

namespace gentask {

/// Thrown by `poll` / `poll_next` on a future or stream that has already completed.
class polled_after_completion : public std::logic_error {
 public:
  explicit polled_after_completion(const char* what) : std::logic_error(what) {}
};

namespace detail {
/// Throws `polled_after_completion`; out of line and cold, so that the check before it keeps
/// poll bodies small enough to inline.
[[noreturn]] [[gnu::cold]] [[gnu::noinline]] inline void throw_polled_after_completion(
    const char* what) {
  throw polled_after_completion(what);
}
}  // namespace detail

/// The producer of a value went away before producing it.
struct canceled {
  friend constexpr bool operator==(canceled, canceled) noexcept = default;
};

}  // namespace gentask
