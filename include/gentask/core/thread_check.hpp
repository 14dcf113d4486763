#pragma once
/// @file
/// Owner-thread checks of the single-threaded handles (join handles, same-thread wakers, mutex
/// guards and semaphore permits): a handle used on a thread other than its owner's aborts with a
/// message naming the handle and what to use instead, rather than racing.
///
/// Switched by `GENTASK_THREAD_CHECKS` (1: check; 0: do not), by default on unless `NDEBUG` is
/// defined. The switch never changes a class's layout: the owner's thread id is stored whether or
/// not it is checked (in the reactor's anchor for join handles and wakers, in the semaphore for
/// its permits), so translation units built with and without the checks may be linked together.
/// The reactor's own entry points (`block_on`, `run_until_idle`, `spawn`, its destruction) check
/// their thread always, whatever the switch says.

#include <cstdio>
#include <cstdlib>
#include <thread>

#ifndef GENTASK_THREAD_CHECKS
#ifdef NDEBUG
#define GENTASK_THREAD_CHECKS 0
#else
#define GENTASK_THREAD_CHECKS 1
#endif
#endif

namespace gentask {

/// Whether the owner-thread checks of single-threaded handles are compiled in.
inline constexpr bool thread_checks_enabled = GENTASK_THREAD_CHECKS != 0;

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void abort_off_thread(const char* what,
                                                                    const char* instead) noexcept {
  std::fprintf(stderr, "gentask: %s used off its owner's thread; %s\n", what, instead);
  std::fflush(stderr);
  std::abort();
}

/// Aborts (when the checks are on) unless called on `owner`'s thread.
inline void check_owner_thread(std::thread::id owner, const char* what,
                               const char* instead) noexcept {
  if constexpr (thread_checks_enabled) {
    if (std::this_thread::get_id() != owner) [[unlikely]]
      abort_off_thread(what, instead);
  }
}

}  // namespace detail
}  // namespace gentask
