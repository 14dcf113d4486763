#pragma once
/// @file
/// `futex_unparker`: parks the reactor's thread on a Linux futex, a 32-bit word that carries a
/// wake token (`unparker` concept, runtime/unparker.hpp). A remote wake is one atomic exchange,
/// plus one `FUTEX_WAKE` only when the reactor is asleep; the woken reactor takes no lock before
/// it returns (the condition variable's waiter re-acquires the inbox's mutex first).
///
/// - The word is `empty`, `parked` (the reactor sleeps, or is about to) or `notified` (a wake
///   token waits). `unpark()` (any thread, noexcept) sets `notified` and issues a
///   `FUTEX_WAKE` only if the word was `parked`: unparks coalesce into one token, and a post to
///   a running reactor costs no system call. An unpark before `park` is not lost: the next
///   `park` consumes the token and looks at the inbox again instead of sleeping.
/// - `park(inbox, deadline)` (the reactor's thread) returns `woken` once the inbox is nonempty,
///   `timeout` at `deadline` (if any), and, with no deadline, `stalled` when the reactor holds
///   the inbox's last reference and nothing was posted. It looks at the inbox without its lock:
///   a poster appends, then exchanges the word (release), and a release that may leave the
///   reactor alone drops its reference, then unparks; the park's acquire of the token makes the
///   append or the drop visible. A token with nothing posted (left by a wake the reactor drained
///   while running, or by a release that did not leave it alone) is consumed and the park
///   sleeps again.
/// - The futex is private to the process (`FUTEX_PRIVATE_FLAG`); a deadline is absolute on
///   `CLOCK_MONOTONIC` (`timer_clock` is `steady_clock`), at most a day ahead at a time (the
///   reactor's loop parks again), so a far deadline is never handed to the kernel.
///
/// The word lives in the inbox (with this unparker), so a poster that signals after the reactor
/// is gone touches memory its own reference keeps alive. Linux only (the local reactor's default
/// there), and only where `time_t` is as wide as the native futex call's (not a 32-bit build
/// with a 64-bit `time_t`, whose call is `futex_time64`: a static assertion refuses it).

#include <gentask/core/timer_driver.hpp>
#include <gentask/runtime/remote_inbox.hpp>
#include <gentask/runtime/unparker.hpp>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>

namespace gentask::runtime {

class futex_unparker {
 public:
  futex_unparker() = default;
  futex_unparker(const futex_unparker&) = delete;
  futex_unparker& operator=(const futex_unparker&) = delete;

  void unpark() noexcept {
    if (word_.exchange(notified, std::memory_order_release) == parked) wake();
  }

  /// Out of line: it blocks anyway, and its code would crowd the reactor's loop.
  [[gnu::noinline]] park_result park(basic_remote_inbox<futex_unparker>& inbox,
                                     std::optional<time_point> deadline) {
    std::optional<timespec> until;
    if (deadline) {
      const time_point capped =
          std::min(*deadline, saturating_add(timer_clock::now(), std::chrono::hours(24)));
      until = to_timespec(capped);
    }
    for (;;) {
      if (inbox.is_nonempty()) return park_result::woken;
      if (!deadline && inbox.is_last_reference()) return park_result::stalled;
      // empty -> parked, or consume a waiting token (notified -> empty) and look again.
      if (word_.fetch_sub(1, std::memory_order_acquire) == notified) continue;
      if (!sleep(until ? &*until : nullptr)) {
        // The deadline passed. A token that came meanwhile is consumed (its FUTEX_WAKE, if any,
        // finds no waiter); then the post it announces, if any, is reported.
        word_.exchange(empty, std::memory_order_acquire);
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

  static_assert(sizeof(std::time_t) == sizeof(long),
                "futex_unparker: FUTEX_WAIT_BITSET would read this timespec with another layout");

  static timespec to_timespec(time_point t) noexcept {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
    timespec ts{};
    ts.tv_sec = static_cast<std::time_t>(ns.count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
    return ts;
  }

  std::uint32_t* address() noexcept {
    static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
    static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
    return reinterpret_cast<std::uint32_t*>(&word_);
  }

  void wake() noexcept {
    ::syscall(SYS_futex, address(), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }

  /// The word is `parked`: sleeps until a token (true: consumed, the word is `empty`) or the
  /// absolute deadline (false: the word may be `parked` or `notified`). Spurious returns of the
  /// system call (a signal, a stale wake) sleep again.
  bool sleep(const timespec* until) noexcept {
    for (;;) {
      // Sleeps only while the word is still `parked` (EAGAIN otherwise).
      const long r = ::syscall(SYS_futex, address(), FUTEX_WAIT_BITSET_PRIVATE, parked, until,
                               nullptr, FUTEX_BITSET_MATCH_ANY);
      std::uint32_t expected = notified;
      if (word_.compare_exchange_strong(expected, empty, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
        return true;
      }
      if (r != 0 && errno == ETIMEDOUT) return false;
    }
  }

  std::atomic<std::uint32_t> word_{empty};
};

static_assert(unparker<futex_unparker>);

}  // namespace gentask::runtime
