#pragma once
/// @file
/// `condvar_unparker`: parks the reactor's thread on a condition variable that waits on the
/// inbox's own mutex, so a remote wake takes one lock and one notify (`unparker` concept,
/// runtime/unparker.hpp): portable C++, the local reactor's default where there is no futex
/// (`runtime::futex_unparker`, its default on Linux).
///
/// - `unpark()` (any thread, noexcept) notifies one waiter; with none, the next `park` still sees
///   the post, which it looks for under the mutex before it waits.
/// - `park(inbox, deadline)` (the reactor's thread) returns `woken` once the inbox is nonempty,
///   `timeout` at `deadline` (if any), and, with no deadline, `stalled` when the reactor holds
///   the inbox's last reference and nothing was posted.
///
/// What a wake from idle costs beyond the futex's (experiment 04, variant `open_map_condvar`):
/// glibc's waiter re-takes the mutex marked contended, so the unlock at the end of `park` makes a
/// `FUTEX_WAKE` system call that wakes no one before the reactor polls (three futex calls per
/// wake where `futex_unparker` makes two), plus the condition variable's own bookkeeping.

#include <gentask/core/timer_driver.hpp>
#include <gentask/runtime/remote_inbox.hpp>
#include <gentask/runtime/unparker.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace gentask::runtime {

class condvar_unparker {
 public:
  void unpark() noexcept { wakeup_.notify_one(); }

  /// Out of line: it blocks anyway, and its code would crowd the reactor's loop.
  [[gnu::noinline]] park_result park(basic_remote_inbox<condvar_unparker>& inbox,
                                     std::optional<time_point> deadline) {
    std::unique_lock lock(inbox.get_mutex());
    if (deadline) {
      // A timer will fire: not stalled. Sleep until then or until a remote post, at most a day
      // at a time (a far deadline, up to time_point::max(), is then never handed to the C++
      // library's conversion to the kernel's clock; the reactor's loop parks again).
      const time_point until =
          std::min(*deadline, saturating_add(timer_clock::now(), std::chrono::hours(24)));
      const bool posted = wakeup_.wait_until(lock, until, [&] { return inbox.is_nonempty(); });
      return posted ? park_result::woken : park_result::timeout;
    }
    wakeup_.wait(lock, [&] { return inbox.is_nonempty() || inbox.is_last_reference(); });
    return inbox.is_nonempty() ? park_result::woken : park_result::stalled;
  }

 private:
  std::condition_variable wakeup_;
};

static_assert(unparker<condvar_unparker>);

}  // namespace gentask::runtime
