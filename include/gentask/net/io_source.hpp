#pragma once
/// @file
/// `net::io_source`: a nonblocking file descriptor, owned, and its registration with the I/O
/// driver of the task that first polls it (tokio's `PollEvented`). The socket types are built
/// on it; a user can wrap another descriptor (a pipe, an eventfd) the same way.
///
/// - The descriptor is registered lazily, on the first poll, with `task.get_io_driver()`: a
///   socket can be made outside any reactor and handed to a task.
/// - `poll_io(task, interest, want, op)` is the readiness loop every leaf runs: ask the driver
///   for readiness (it keeps the task's waker when there is none), try the system call `op`,
///   and on `EAGAIN` clear the readiness and ask again; a transfer shorter than `want` bytes
///   clears it too (the kernel had no more), so the next call waits for a new edge instead of
///   failing with `EAGAIN` first.
/// - `close()` deregisters (waking whatever waits on it, which then fails with `EBADF`) and
///   closes; the destructor does the same. A registration dropped before its descriptor is
///   closed never lets a reused descriptor number lose its own registration.
/// - Polled by a task of another reactor than the one it registered with, or after that
///   reactor is gone, a leaf fails with `net::errc::no_reactor` instead of waiting forever.
///
/// @par Thread Safety
/// Single-threaded: its reactor's thread (dropping it elsewhere aborts when owner-thread checks
/// are on).

#include <gentask/core/io_driver.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/net/errors.hpp>

#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <system_error>
#include <utility>

namespace gentask::net {

class io_source {
 public:
  io_source() noexcept = default;
  /// Takes ownership of `fd`, which must be nonblocking.
  explicit io_source(int fd) noexcept : fd_(fd) {}
  io_source(io_source&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), registration_(std::move(other.registration_)) {}
  io_source& operator=(io_source&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = std::exchange(other.fd_, -1);
      registration_ = std::move(other.registration_);
    }
    return *this;
  }
  ~io_source() { close(); }

  [[nodiscard]] int get_fd() const noexcept { return fd_; }
  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  [[nodiscard]] bool is_registered() const noexcept { return registration_.is_registered(); }

  /// Deregisters (a task waiting on it is woken and fails with `EBADF`), then closes.
  void close() noexcept {
    registration_.reset();
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

  /// Readiness for `interest`, registering on first use: ready with the readiness, pending
  /// (the task will be woken), or failed (closed, no reactor, or registration refused).
  template <io_task Task>
  poll_result<io_readiness, std::error_code> poll_ready(Task& task, io_interest interest) {
    if (fd_ < 0) return failed_value{system_error_code(EBADF)};
    auto& driver = task.get_io_driver();
    if (!registration_.is_registered()) {
      try {
        registration_ = driver.register_io(fd_);
      } catch (const std::system_error& e) {
        return failed_value{e.code()};
      }
    }
    const io_readiness ready = driver.poll_ready(registration_, interest, task.get_waker());
    if (ready.is_empty()) return pending;
    if (ready.is_detached()) return failed_value{make_error_code(errc::no_reactor)};
    return ready_value{ready};
  }

  /// Forgets `ready` (after `EAGAIN`, or a short transfer).
  template <io_task Task>
  void clear_ready(Task& task, io_readiness ready) {
    if (registration_.is_registered()) task.get_io_driver().clear_ready(registration_, ready);
  }

  /// The readiness loop: `op()` is a nonblocking system call returning a count, or -1 with
  /// `errno`. Ready with the count, pending, or failed with the error. A count below `want`
  /// (when `want` is not 0) clears the readiness.
  template <io_task Task, class Op>
  poll_result<std::size_t, std::error_code> poll_io(Task& task, io_interest interest,
                                                    std::size_t want, Op op) {
    for (;;) {
      auto ready = poll_ready(task, interest);
      if (ready.is_pending()) return pending;
      if (ready.is_failed()) return failed_value{std::move(ready).get_error()};
      const io_readiness r = ready.get_value();
      const ssize_t n = op();
      if (n >= 0) {
        if (want != 0 && static_cast<std::size_t>(n) < want) clear_ready(task, r);
        return ready_value{static_cast<std::size_t>(n)};
      }
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        clear_ready(task, r);
        continue;  // asks again: pending now, unless an edge arrived meanwhile
      }
      if (err == EINTR) continue;
      return failed_value{system_error_code(err)};
    }
  }

 private:
  int fd_ = -1;
  io_registration registration_;
};

}  // namespace gentask::net
