#pragma once
/// @file
/// `runtime::stalled`: what every reactor's `block_on` throws when its root future is pending,
/// no task is ready, no timer is pending and nothing outside the reactor holds a way to wake it
/// (no `remote_waker`, remote handle or remote join handle of it exists): waiting would be
/// forever. One type for every reactor, so a caller catches it without naming the reactor.

#include <stdexcept>
#include <string>

namespace gentask::runtime {

class stalled : public std::runtime_error {
 public:
  /// `where` names the reactor's call, e.g. "local::reactor::block_on".
  explicit stalled(const char* where)
      : std::runtime_error(std::string(where) +
                           ": the future is pending, no task is ready and no remote_waker or "
                           "remote handle exists; nothing can wake it") {}
};

/// Throws `stalled(where)`; cold and out of line, so a reactor's loop does not carry the code
/// that builds the message.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_stalled(const char* where) {
  throw stalled(where);
}

}  // namespace gentask::runtime
