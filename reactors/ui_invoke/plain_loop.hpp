#pragma once
/// @file
/// `ui_invoke::plain_loop`: the UI-invoke reactor's own loop, for tests and experiments (no
/// toolkit). The reactor's thread sleeps in `poll(2)` on an eventfd, and another thread wakes it
/// by writing to that eventfd (`plain_unparker`, a `runtime::unparker`). With no timer pending
/// it blocks in `read(2)` on the eventfd; with one, in `poll(2)` until the deadline.
///
/// - `unpark()` writes only while the reactor is parked or about to park: a post to a running
///   reactor costs no system call. `park` raises `parked` before it looks at the inbox under the
///   inbox's lock, and a poster reads it after appending under that lock, so each post is either
///   seen by that look or signalled.
/// - `park(inbox, deadline)` returns `woken` once something was posted, `timeout` at `deadline`,
///   and, with no deadline, `stalled` when the reactor holds the inbox's last reference and
///   nothing was posted: nothing can ever wake it.
///
/// The eventfd lives in the inbox (with this unparker), so a poster that signals after the
/// reactor is gone writes to a descriptor its own reference keeps open.

#include <gentask/core/timer_driver.hpp>
#include <gentask/runtime/remote_inbox.hpp>
#include <gentask/runtime/unparker.hpp>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <system_error>

namespace gentask::ui_invoke {

class plain_unparker {
 public:
  // Blocking: with no deadline, park blocks in read(2) itself, one system call where poll(2)
  // and a read take two (measured in experiment 06: the wait's floor). A write never blocks:
  // the counter would have to reach 2^64 - 2 first.
  plain_unparker() : fd_(::eventfd(0, EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  plain_unparker(const plain_unparker&) = delete;
  plain_unparker& operator=(const plain_unparker&) = delete;
  ~plain_unparker() { ::close(fd_); }

  void unpark() noexcept {
    if (!parked_.load(std::memory_order_seq_cst)) return;
    const std::uint64_t one = 1;
    // EAGAIN (the counter is full) leaves the eventfd readable: the wake is not lost.
    [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);
  }

  [[gnu::noinline]] runtime::park_result park(runtime::basic_remote_inbox<plain_unparker>& inbox,
                                              std::optional<time_point> deadline) {
    parked_.store(true, std::memory_order_seq_cst);
    {
      const std::lock_guard lock(inbox.get_mutex());
      if (inbox.is_nonempty()) {
        parked_.store(false, std::memory_order_relaxed);
        return runtime::park_result::woken;
      }
      if (!deadline && inbox.is_last_reference()) {
        parked_.store(false, std::memory_order_relaxed);
        return runtime::park_result::stalled;
      }
    }
    std::uint64_t count = 0;
    if (!deadline) {
      // Nothing to time out: block in the read (EINTR: return, the reactor's loop parks again).
      [[maybe_unused]] const auto r = ::read(fd_, &count, sizeof count);
      parked_.store(false, std::memory_order_relaxed);
      return inbox.is_nonempty() ? runtime::park_result::woken : runtime::park_result::timeout;
    }
    // Rounded up, so a timer is never found early; at most a day at a time (the reactor's loop
    // parks again), so a far deadline never overflows the conversion.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - timer_clock::now());
    const int timeout_ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(
        left.count(), 0, std::chrono::milliseconds(std::chrono::hours(24)).count()));
    pollfd p{fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, timeout_ms);  // EINTR: return, the reactor's loop parks again
    parked_.store(false, std::memory_order_relaxed);
    if (n > 0) {
      // Readable, and only this thread reads: the read does not block; it resets the counter.
      [[maybe_unused]] const auto r = ::read(fd_, &count, sizeof count);
    }
    return inbox.is_nonempty() ? runtime::park_result::woken : runtime::park_result::timeout;
  }

 private:
  int fd_;
  std::atomic<bool> parked_{false};
};

static_assert(runtime::unparker<plain_unparker>);

/// The plain backend: the reactor parks in `plain_unparker::park`; nothing else runs its tasks.
struct plain_loop {
  using unparker_type = plain_unparker;
  static constexpr const char* name = "ui_invoke::reactor";
};

}  // namespace gentask::ui_invoke
