#pragma once
/// @file
/// `net::tcp_stream`: a connected TCP socket and its futures, pollable on any `io_task` (on
/// the local reactor, whose task has no I/O driver, they do not compile: the diagnostic names
/// `io_task`).
///
/// - `tcp_stream::connect(ep)`: a nonblocking `connect`; its outcome (`ECONNREFUSED`, ...)
///   comes from `SO_ERROR` once the socket is writable.
/// - `read(buf)` (0 at end of stream), `write(buf)`, `write_all(buf)`, `read_exact(buf)`
///   (`net::errc::unexpected_eof` if the stream ends first), `read_to_end(vec)` (appends until
///   the end of stream; the seeds' shapes), `shutdown(how)` (half-close).
/// - `split()`: a read half and a write half that borrow the stream, so one task can read while
///   another writes (one registration, a reader and a writer waiting on it).
/// - **Errors are values**: a future fails with a `std::error_code` (`ECONNRESET`, `EPIPE`,
///   `ECONNREFUSED`, `EBADF` after `close()`, `net::errc::no_reactor`); writes use
///   `MSG_NOSIGNAL`, so a closed peer is `EPIPE`, never `SIGPIPE`.
/// - A future borrows its stream (or half): the stream must outlive it, as in tokio's
///   `read(&mut self)`. **One reader and one writer at a time**: the driver keeps one waker per
///   direction, so a second read pending on the same stream replaces the first's waker and the
///   first is never woken (tokio makes this impossible with `&mut self`; here it is the
///   caller's rule, and the halves are move-only so that a split cannot be duplicated).
/// - Each read, write and accept takes one unit of the task's cooperative budget per poll
///   (`poll_proceed`), so a connection that is always ready still yields (`connect` takes none:
///   it completes once).
///
/// @par Thread Safety
/// Single-threaded: the reactor's thread that polls it.

#include <gentask/core/budget.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/io_driver.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/net/endpoint.hpp>
#include <gentask/net/errors.hpp>
#include <gentask/net/io_source.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <optional>
#include <span>
#include <system_error>
#include <utility>
#include <vector>

namespace gentask::detail {

inline ssize_t net_recv_some(int fd, std::span<std::byte> buf) noexcept {
  return ::recv(fd, buf.data(), buf.size(), 0);
}
inline ssize_t net_send_some(int fd, std::span<const std::byte> buf) noexcept {
  return ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
}

/// What every socket future shares: the borrowed source and the completion flag.
class net_source_future_base {
 protected:
  explicit net_source_future_base(net::io_source* source) noexcept : source_(source) {}
  void check_not_done(const char* what) const {
    if (done_) throw_polled_after_completion(what);
  }
  net::io_source* source_;
  bool done_ = false;
};

}  // namespace gentask::detail

namespace gentask::net {

class tcp_stream;

/// `read(buf)`: the bytes that are there, at most `buf.size()`; 0 at the end of the stream.
class read_future : gentask::detail::net_source_future_base {
 public:
  using future_concept = future_tag;
  using item_type = std::size_t;
  using error_type = std::error_code;

  read_future(io_source* source, std::span<std::byte> buf) noexcept
      : net_source_future_base(source), buf_(buf) {}

  template <io_task Task>
  poll_result<std::size_t, std::error_code> poll(Task& task) {
    check_not_done("tcp read: polled after completion");
    if (buf_.empty()) return done(ready_value{std::size_t{0}});
    if (!poll_proceed(task)) return pending;
    const int fd = source_->get_fd();
    return done(source_->poll_io(task, io_interest::readable, buf_.size(),
                                 [&] { return gentask::detail::net_recv_some(fd, buf_); }));
  }

 private:
  poll_result<std::size_t, std::error_code> done(poll_result<std::size_t, std::error_code> r) {
    done_ = r.is_complete();
    return r;
  }
  std::span<std::byte> buf_;
};

/// `write(buf)`: as many bytes as the kernel takes now (at least one), never `SIGPIPE`.
class write_future : gentask::detail::net_source_future_base {
 public:
  using future_concept = future_tag;
  using item_type = std::size_t;
  using error_type = std::error_code;

  write_future(io_source* source, std::span<const std::byte> buf) noexcept
      : net_source_future_base(source), buf_(buf) {}

  template <io_task Task>
  poll_result<std::size_t, std::error_code> poll(Task& task) {
    check_not_done("tcp write: polled after completion");
    if (buf_.empty()) {
      done_ = true;
      return failed_value{make_error_code(errc::write_zero)};
    }
    if (!poll_proceed(task)) return pending;
    const int fd = source_->get_fd();
    auto r = source_->poll_io(task, io_interest::writable, buf_.size(),
                              [&] { return gentask::detail::net_send_some(fd, buf_); });
    done_ = r.is_complete();
    return r;
  }

 private:
  std::span<const std::byte> buf_;
};

/// `write_all(buf)`: every byte, in as many writes as it takes.
class write_all_future : gentask::detail::net_source_future_base {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = std::error_code;

  write_all_future(io_source* source, std::span<const std::byte> buf) noexcept
      : net_source_future_base(source), buf_(buf) {}

  template <io_task Task>
  poll_result<unit, std::error_code> poll(Task& task) {
    check_not_done("tcp write_all: polled after completion");
    if (!buf_.empty() && !poll_proceed(task)) return pending;
    const int fd = source_->get_fd();
    while (!buf_.empty()) {
      auto r = source_->poll_io(task, io_interest::writable, buf_.size(),
                                [&] { return gentask::detail::net_send_some(fd, buf_); });
      if (r.is_pending()) return pending;
      done_ = true;
      if (r.is_failed()) return failed_value{std::move(r).get_error()};
      if (r.get_value() == 0) return failed_value{make_error_code(errc::write_zero)};
      buf_ = buf_.subspan(r.get_value());
      done_ = false;
    }
    done_ = true;
    return ready_value{unit{}};
  }

 private:
  std::span<const std::byte> buf_;
};

/// `read_exact(buf)`: fills `buf`; `net::errc::unexpected_eof` if the stream ends first.
class read_exact_future : gentask::detail::net_source_future_base {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = std::error_code;

  read_exact_future(io_source* source, std::span<std::byte> buf) noexcept
      : net_source_future_base(source), buf_(buf) {}

  template <io_task Task>
  poll_result<unit, std::error_code> poll(Task& task) {
    check_not_done("tcp read_exact: polled after completion");
    if (!buf_.empty() && !poll_proceed(task)) return pending;
    const int fd = source_->get_fd();
    while (!buf_.empty()) {
      auto r = source_->poll_io(task, io_interest::readable, buf_.size(),
                                [&] { return gentask::detail::net_recv_some(fd, buf_); });
      if (r.is_pending()) return pending;
      done_ = true;
      if (r.is_failed()) return failed_value{std::move(r).get_error()};
      if (r.get_value() == 0) return failed_value{make_error_code(errc::unexpected_eof)};
      buf_ = buf_.subspan(r.get_value());
      done_ = false;
    }
    done_ = true;
    return ready_value{unit{}};
  }

 private:
  std::span<std::byte> buf_;
};

/// `read_to_end(out)`: appends everything until the end of the stream; ready with the count
/// appended. The bytes read before an error stay in `out`.
class read_to_end_future : gentask::detail::net_source_future_base {
 public:
  using future_concept = future_tag;
  using item_type = std::size_t;
  using error_type = std::error_code;

  /// Bytes asked of the kernel per read when `out` has no spare capacity.
  static constexpr std::size_t chunk = 4096;
  /// The most asked of the kernel per read: the vector is resized (its new bytes written with
  /// zeros) to what is asked, so asking for all of a large spare capacity would cost its length
  /// on every read however few bytes came.
  static constexpr std::size_t max_read = 64 * 1024;

  read_to_end_future(io_source* source, std::vector<std::byte>* out) noexcept
      : net_source_future_base(source), out_(out) {}

  template <io_task Task>
  poll_result<std::size_t, std::error_code> poll(Task& task) {
    check_not_done("tcp read_to_end: polled after completion");
    if (!poll_proceed(task)) return pending;
    const int fd = source_->get_fd();
    for (;;) {
      const std::size_t used = out_->size();
      const std::size_t capacity_left = out_->capacity() - used;
      const std::size_t room = capacity_left > 0 ? std::min(capacity_left, max_read) : chunk;
      out_->resize(used + room);  // may throw: the future then fails with the exception
      const std::span<std::byte> spare(out_->data() + used, room);
      auto r = [&] {
        try {
          return source_->poll_io(task, io_interest::readable, room,
                                  [&] { return gentask::detail::net_recv_some(fd, spare); });
        } catch (...) {
          out_->resize(used);  // the registration could not be made: nothing was read
          throw;
        }
      }();
      const std::size_t got = r.is_ready() ? r.get_value() : 0;
      out_->resize(used + got);
      if (r.is_pending()) return pending;
      if (r.is_failed()) {
        done_ = true;
        return failed_value{std::move(r).get_error()};
      }
      if (got == 0) {
        done_ = true;
        return ready_value{std::exchange(total_, 0)};
      }
      total_ += got;
    }
  }

 private:
  std::vector<std::byte>* out_;
  std::size_t total_ = 0;
};

/// Which directions `shutdown` closes.
enum class shutdown_how : int { read = SHUT_RD, write = SHUT_WR, both = SHUT_RDWR };

/// The read side of a split stream (borrows it). Move-only: one reader per stream.
class tcp_read_half {
 public:
  explicit tcp_read_half(io_source* source) noexcept : source_(source) {}
  tcp_read_half(tcp_read_half&&) noexcept = default;
  tcp_read_half& operator=(tcp_read_half&&) noexcept = default;
  tcp_read_half(const tcp_read_half&) = delete;
  tcp_read_half& operator=(const tcp_read_half&) = delete;
  [[nodiscard]] read_future read(std::span<std::byte> buf) const noexcept {
    return {source_, buf};
  }
  [[nodiscard]] read_exact_future read_exact(std::span<std::byte> buf) const noexcept {
    return {source_, buf};
  }
  [[nodiscard]] read_to_end_future read_to_end(std::vector<std::byte>& out) const noexcept {
    return {source_, &out};
  }

 private:
  io_source* source_;
};

/// The write side of a split stream (borrows it). Move-only: one writer per stream.
class tcp_write_half {
 public:
  explicit tcp_write_half(io_source* source) noexcept : source_(source) {}
  tcp_write_half(tcp_write_half&&) noexcept = default;
  tcp_write_half& operator=(tcp_write_half&&) noexcept = default;
  tcp_write_half(const tcp_write_half&) = delete;
  tcp_write_half& operator=(const tcp_write_half&) = delete;
  [[nodiscard]] write_future write(std::span<const std::byte> buf) const noexcept {
    return {source_, buf};
  }
  [[nodiscard]] write_all_future write_all(std::span<const std::byte> buf) const noexcept {
    return {source_, buf};
  }
  /// Half-closes the write direction: the peer reads the end of the stream.
  std::error_code shutdown() const noexcept {
    return ::shutdown(source_->get_fd(), SHUT_WR) == 0 ? std::error_code()
                                                       : system_error_code(errno);
  }

 private:
  io_source* source_;
};

class connect_future;

class tcp_stream {
 public:
  tcp_stream() noexcept = default;
  /// Takes a connected, nonblocking socket.
  explicit tcp_stream(int fd) noexcept : source_(fd) {}

  /// Connects to `ep` (nonblocking: the future completes once the kernel has the outcome).
  [[nodiscard]] static connect_future connect(endpoint ep) noexcept;

  [[nodiscard]] read_future read(std::span<std::byte> buf) noexcept { return {&source_, buf}; }
  [[nodiscard]] write_future write(std::span<const std::byte> buf) noexcept {
    return {&source_, buf};
  }
  [[nodiscard]] write_all_future write_all(std::span<const std::byte> buf) noexcept {
    return {&source_, buf};
  }
  [[nodiscard]] read_exact_future read_exact(std::span<std::byte> buf) noexcept {
    return {&source_, buf};
  }
  [[nodiscard]] read_to_end_future read_to_end(std::vector<std::byte>& out) noexcept {
    return {&source_, &out};
  }
  /// Half-close (`shutdown(2)`): `write` sends the end of the stream to the peer.
  std::error_code shutdown(shutdown_how how) noexcept {
    return ::shutdown(source_.get_fd(), static_cast<int>(how)) == 0 ? std::error_code()
                                                                    : system_error_code(errno);
  }
  /// A read half and a write half borrowing this stream.
  [[nodiscard]] std::pair<tcp_read_half, tcp_write_half> split() noexcept {
    return {tcp_read_half(&source_), tcp_write_half(&source_)};
  }

  std::error_code set_nodelay(bool on) noexcept {
    const int v = on ? 1 : 0;
    return ::setsockopt(source_.get_fd(), IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) == 0
               ? std::error_code()
               : system_error_code(errno);
  }
  [[nodiscard]] std::optional<endpoint> get_local_endpoint() const noexcept {
    return name_of(&::getsockname);
  }
  [[nodiscard]] std::optional<endpoint> get_peer_endpoint() const noexcept {
    return name_of(&::getpeername);
  }
  [[nodiscard]] int get_fd() const noexcept { return source_.get_fd(); }
  [[nodiscard]] bool is_open() const noexcept { return source_.is_open(); }
  /// Deregisters (a task waiting on the stream fails with `EBADF`) and closes.
  void close() noexcept { source_.close(); }
  [[nodiscard]] io_source& get_source() noexcept { return source_; }

 private:
  template <class Fn>
  std::optional<endpoint> name_of(Fn fn) const noexcept {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    if (fn(source_.get_fd(), reinterpret_cast<sockaddr*>(&sa), &len) != 0) return std::nullopt;
    return endpoint::from_sockaddr(sa);
  }

  io_source source_;
};

/// `tcp_stream::connect(ep)`: the socket is made and `connect` called on the first poll.
class connect_future {
 public:
  using future_concept = future_tag;
  using item_type = tcp_stream;
  using error_type = std::error_code;

  explicit connect_future(endpoint ep) noexcept : endpoint_(ep) {}

  template <io_task Task>
  poll_result<tcp_stream, std::error_code> poll(Task& task) {
    if (done_) gentask::detail::throw_polled_after_completion("tcp connect: polled after completion");
    if (!started_) {
      started_ = true;
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return fail(errno);
      source_ = io_source(fd);
      const sockaddr_in sa = endpoint_.to_sockaddr();
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0) return finish();
      if (errno != EINPROGRESS) return fail(errno);
      // A fresh registration is optimistically writable; a connection in progress must wait
      // for the kernel's own edge (`SO_ERROR` reads 0 while it is still in progress).
      auto first = source_.poll_ready(task, io_interest::writable);
      if (first.is_ready()) source_.clear_ready(task, first.get_value());
    }
    for (;;) {
      auto ready = source_.poll_ready(task, io_interest::writable);
      if (ready.is_pending()) return pending;
      if (ready.is_failed()) {
        done_ = true;
        source_.close();
        return failed_value{std::move(ready).get_error()};
      }
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(source_.get_fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        return fail(errno);
      }
      if (err != 0) return fail(err);
      // No error, but is it connected? A writable readiness that is not the kernel's (the
      // optimistic one of a registration made after the first poll, whose own registration
      // failed) comes while the handshake is still pending: `getpeername` says ENOTCONN then.
      sockaddr_in peer{};
      socklen_t peer_len = sizeof peer;
      if (::getpeername(source_.get_fd(), reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0) {
        return finish();
      }
      const int peer_error = errno;
      if (peer_error != ENOTCONN || ready.get_value().is_write_closed()) return fail(peer_error);
      source_.clear_ready(task, ready.get_value());  // wait for the kernel's edge
    }
  }

 private:
  poll_result<tcp_stream, std::error_code> fail(int err) {
    done_ = true;
    source_.close();
    return failed_value{system_error_code(err)};
  }
  poll_result<tcp_stream, std::error_code> finish() {
    done_ = true;
    tcp_stream s;
    s.get_source() = std::move(source_);  // keeps its registration
    return ready_value{std::move(s)};
  }

  endpoint endpoint_;
  io_source source_;
  bool started_ = false;
  bool done_ = false;
};

inline connect_future tcp_stream::connect(endpoint ep) noexcept { return connect_future(ep); }

}  // namespace gentask::net
