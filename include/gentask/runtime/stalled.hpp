#pragma once
/// @file
/// `runtime::stalled`: what every reactor's `block_on` throws when its root future is pending,
/// no task is ready, no timer is pending and nothing outside the reactor holds a way to wake it
/// (no `remote_waker`, remote handle or remote join handle of it exists): waiting would be
/// forever. One type for every reactor, so a caller catches it without naming the reactor.
///
/// **What it can and cannot detect.** The reactor counts the references to its inbox: a
/// `remote_waker`, a remote handle or a remote join handle of this reactor anywhere means some
/// thread might still wake it, so `block_on` waits instead of throwing. It cannot tell whether
/// that holder will ever use it: a remote waker kept inside one of the reactor's own pending
/// tasks (or in a structure only those tasks reach) can never be woken by anyone else, yet it
/// counts, and `block_on` then waits forever rather than throwing `stalled`. A same-thread
/// `waker` kept by a pending future counts for nothing (only this thread could use it, and this
/// thread is the one waiting). tokio does not detect stalls at all (its `block_on` parks).

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
