#pragma once
/// @file
/// `tokio_style::eventfd_unparker`: the tokio-style reactor parks in `epoll_wait`, and another
/// thread wakes it by writing to an eventfd that sits in the same epoll set (`unparker`
/// concept, runtime/unparker.hpp).
///
/// - `unpark()` writes to the eventfd only while the reactor is parked (or about to be): a
///   remote post to a running reactor costs no system call. The reactor raises `parked` before
///   it checks the inbox under the inbox's lock, and a poster reads it after appending under
///   that lock, so a post is either seen by the check or signalled.
/// - `park(inbox, deadline)` waits in the driver (`epoll_driver::wait`), which applies the I/O
///   events it finds. If something was posted it returns at once, after a non-blocking look at
///   the sockets (so posts that wake no task cannot keep I/O from being polled). With no
///   deadline, it reports `stalled` when the reactor holds the inbox's last reference, nothing
///   was posted, and no task waits for I/O (a socket can wake a task from outside: that is not
///   a stall; a waiter whose future was dropped while pending still counts, so such a reactor
///   waits instead of reporting the stall).
///
/// The eventfd is owned here, in the inbox, so a poster that signals after the reactor is gone
/// writes to a descriptor its own reference keeps open.

#include <gentask/core/timer_driver.hpp>
#include <gentask/runtime/remote_inbox.hpp>
#include <gentask/runtime/unparker.hpp>

#include "epoll_driver.hpp"

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

namespace gentask::tokio_style {

class eventfd_unparker {
 public:
  eventfd_unparker() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  eventfd_unparker(const eventfd_unparker&) = delete;
  eventfd_unparker& operator=(const eventfd_unparker&) = delete;
  ~eventfd_unparker() { ::close(fd_); }

  /// The reactor's thread, once: the driver it parks in (the eventfd joins its set).
  void bind(epoll_driver& driver) {
    driver.set_wakeup_fd(fd_);
    driver_ = &driver;
  }
  /// The reactor's thread, when its driver is about to go: parks no more.
  void unbind() noexcept { driver_ = nullptr; }

  void unpark() noexcept {
    if (!parked_.load(std::memory_order_seq_cst)) return;
    const std::uint64_t one = 1;
    // EAGAIN (the counter is full) still leaves the eventfd readable: the wake is not lost.
    [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);
  }

  [[gnu::noinline]] runtime::park_result park(runtime::basic_remote_inbox<eventfd_unparker>& inbox,
                                              std::optional<time_point> deadline) {
    parked_.store(true, std::memory_order_seq_cst);
    bool posted = false;
    {
      const std::lock_guard lock(inbox.get_mutex());
      posted = inbox.is_nonempty();
      if (!posted && !deadline && inbox.is_last_reference() &&
          (driver_ == nullptr || driver_->get_waiter_count() == 0)) {
        parked_.store(false, std::memory_order_relaxed);
        return runtime::park_result::stalled;
      }
    }
    if (posted) {
      // Something to take: return at once, but look at the sockets on the way (a stream of
      // posts that wakes no task must not keep the driver from being polled).
      parked_.store(false, std::memory_order_relaxed);
      if (driver_ != nullptr) driver_->wait(0);
      return runtime::park_result::woken;
    }
    int timeout_ms = -1;
    if (deadline) {
      // Rounded up, so a timer is never found early; at most a day at a time (the reactor's
      // loop parks again), so a far deadline never overflows the conversion.
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline -
                                                                     timer_clock::now());
      timeout_ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(
          left.count(), 0, std::chrono::milliseconds(std::chrono::hours(24)).count()));
    }
    const std::size_t events = driver_ != nullptr ? driver_->wait(timeout_ms) : 0;
    parked_.store(false, std::memory_order_relaxed);
    return events > 0 || inbox.is_nonempty() ? runtime::park_result::woken
                                              : runtime::park_result::timeout;
  }

  [[nodiscard]] int get_fd() const noexcept { return fd_; }

 private:
  int fd_;
  std::atomic<bool> parked_{false};
  epoll_driver* driver_ = nullptr;
};

static_assert(runtime::unparker<eventfd_unparker>);

}  // namespace gentask::tokio_style
