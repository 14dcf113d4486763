#pragma once
/// @file
/// `blocking_eventfd_unparker`: parks the reactor's thread in a blocking `read(2)` on an
/// eventfd (`poll(2)` when a deadline is set), the floor `eventfd_wake_idle`'s own wait
/// (`unparker` concept, runtime/unparker.hpp). For a reactor that has no epoll set to sleep in
/// (the tokio-style reactor's `eventfd_unparker` sits in its epoll set instead).
///
/// - A 32-bit word carries the wake token, as in `futex_unparker`: `empty`, `parked` (the
///   reactor sleeps, or is about to) or `notified`. `unpark()` (any thread, noexcept) sets
///   `notified` and writes the eventfd only if the word was `parked`: unparks coalesce into one
///   token, a post to a running reactor costs no system call, and an unpark before `park` is not
///   lost (the next `park` consumes the token and looks at the inbox again instead of
///   sleeping). The eventfd is a doorbell; the word decides: a count left in it (a write that
///   landed after the park it was meant for had returned) only makes a later read return early,
///   and the park sleeps again.
/// - `park(inbox, deadline)` (the reactor's thread) returns `woken` once the inbox is nonempty,
///   `timeout` at `deadline` (if any), and, with no deadline, `stalled` when the reactor holds
///   the inbox's last reference and nothing was posted. It looks at the inbox without its lock:
///   a poster appends, then exchanges the word (release), and a release that may leave the
///   reactor alone drops its reference, then unparks; the park's acquire of the token makes the
///   append or the drop visible. A deadline is rounded up to whole milliseconds (`poll`), at
///   most a day at a time (the reactor's loop parks again).
///
/// The eventfd lives in the inbox (with this unparker), so a poster that signals after the
/// reactor is gone writes to a descriptor its own reference keeps open. Linux only.

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
#include <optional>
#include <system_error>

namespace gentask::runtime {

class blocking_eventfd_unparker {
 public:
  /// Throws `std::system_error` if no eventfd can be made.
  blocking_eventfd_unparker() : fd_(::eventfd(0, EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  blocking_eventfd_unparker(const blocking_eventfd_unparker&) = delete;
  blocking_eventfd_unparker& operator=(const blocking_eventfd_unparker&) = delete;
  ~blocking_eventfd_unparker() { ::close(fd_); }

  void unpark() noexcept {
    if (word_.exchange(notified, std::memory_order_release) != parked) return;
    const std::uint64_t one = 1;
    // Never blocks: the counter would have to reach 2^64 - 2 first.
    [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);
  }

  /// Out of line: it blocks anyway, and its code would crowd the reactor's loop.
  [[gnu::noinline]] park_result park(basic_remote_inbox<blocking_eventfd_unparker>& inbox,
                                     std::optional<time_point> deadline) {
    for (;;) {
      if (inbox.is_nonempty()) return park_result::woken;
      if (!deadline && inbox.is_last_reference()) return park_result::stalled;
      // empty -> parked, or consume a waiting token (notified -> empty) and look again.
      if (word_.fetch_sub(1, std::memory_order_acquire) == notified) continue;
      if (!sleep(deadline)) {
        // The deadline passed. A token that came meanwhile is consumed, with its count when it
        // has been (or is being) written: the read then returns at once.
        if (word_.exchange(empty, std::memory_order_acquire) == notified) drain();
        return inbox.is_nonempty() ? park_result::woken : park_result::timeout;
      }
    }
  }

 private:
  // Unsigned wrap-around makes `parked` one below `empty`: park's decrement moves empty to
  // parked and notified to empty.
  static constexpr std::uint32_t notified = 1;
  static constexpr std::uint32_t empty = 0;
  static constexpr std::uint32_t parked = 0xffff'ffffU;

  /// Blocks until the eventfd's count is nonzero and resets it (EINTR: returns).
  void drain() noexcept {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto r = ::read(fd_, &count, sizeof count);
  }

  /// Took the token: true. The word is `notified` only after the write that goes with it has
  /// been decided, so a token found here is consumed with its count.
  bool take_token() noexcept {
    std::uint32_t expected = notified;
    return word_.compare_exchange_strong(expected, empty, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }

  /// The word is `parked`: sleeps until a token (true: consumed, the word is `empty`) or the
  /// deadline (false: the word may be `parked` or `notified`). A read that returns without a
  /// token (a signal, a stale count) sleeps again.
  bool sleep(std::optional<time_point> deadline) noexcept {
    for (;;) {
      if (!deadline) {
        drain();
        if (take_token()) return true;
        continue;
      }
      // Rounded up, so a timer is never found early; at most a day at a time.
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(*deadline - timer_clock::now());
      const int timeout_ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(
          left.count(), 0, std::chrono::milliseconds(std::chrono::hours(24)).count()));
      pollfd p{fd_, POLLIN, 0};
      const int n = ::poll(&p, 1, timeout_ms);
      if (n > 0) drain();  // readable, and only this thread reads: does not block
      if (take_token()) return true;
      if (n == 0) return false;  // timed out
    }
  }

  int fd_;
  std::atomic<std::uint32_t> word_{empty};
};

static_assert(unparker<blocking_eventfd_unparker>);

}  // namespace gentask::runtime
