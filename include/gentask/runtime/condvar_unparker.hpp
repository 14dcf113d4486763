#pragma once
/// @file
/// `condvar_unparker`: parks the reactor's thread on a condition variable that waits on the
/// inbox's own mutex, so a remote wake takes one lock and one notify. The local reactor's.

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
