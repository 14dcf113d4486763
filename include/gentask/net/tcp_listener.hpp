#pragma once
/// @file
/// `net::tcp_listener`: a listening TCP socket. `accept()` is a future of one connection;
/// `incoming()` is the stream of connections a server loops over.
///
/// - `bind(ep, backlog)` makes, binds (`SO_REUSEADDR`) and listens, nonblocking; it throws
///   `std::system_error` (a setup step, not an I/O outcome).
/// - `accept()`: pollable on any `io_task`; fails with the error `accept4` gives (`EMFILE`
///   included: the caller decides).
/// - `incoming()`: pollable on a task that is an `io_task` and a `timer_task`. A connection
///   that failed before it was accepted (`ECONNABORTED`, `EPROTO`, ...) is skipped. When the
///   process or the system is out of descriptors or memory (`EMFILE`, `ENFILE`, `ENOBUFS`,
///   `ENOMEM`), the connection stays queued in the kernel, and, since an edge-triggered
///   listener gets no new edge for it, the stream retries on a backoff timer (1 ms, doubling
///   to 128 ms; no busy loop) and goes on once a descriptor is free. Any other error ends the
///   stream with it.
///
/// @par Thread Safety
/// Single-threaded: the reactor's thread that polls it.

#include <gentask/core/budget.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/net/endpoint.hpp>
#include <gentask/net/errors.hpp>
#include <gentask/net/io_source.hpp>
#include <gentask/net/tcp_stream.hpp>
#include <gentask/time/sleep.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>
#include <system_error>
#include <utility>

namespace gentask::detail {

/// One `accept4` through `source`'s readiness loop: ready with a stream, pending, or failed.
template <io_task Task>
poll_result<net::tcp_stream, std::error_code> net_poll_accept(net::io_source& source,
                                                              Task& task) {
  int accepted = -1;
  auto r = source.poll_io(task, io_interest::readable, 0, [&]() -> ssize_t {
    accepted = ::accept4(source.get_fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    return accepted < 0 ? -1 : 0;
  });
  if (r.is_pending()) return pending;
  if (r.is_failed()) return failed_value{std::move(r).get_error()};
  return ready_value{net::tcp_stream(accepted)};
}

}  // namespace gentask::detail

namespace gentask::net {

class tcp_listener;

/// `listener.accept()`: the next connection.
class accept_future {
 public:
  using future_concept = future_tag;
  using item_type = tcp_stream;
  using error_type = std::error_code;

  explicit accept_future(io_source* source) noexcept : source_(source) {}

  template <io_task Task>
  poll_result<tcp_stream, std::error_code> poll(Task& task) {
    if (done_) detail::throw_polled_after_completion("tcp accept: polled after completion");
    if (!poll_proceed(task)) return pending;
    auto r = detail::net_poll_accept(*source_, task);
    done_ = r.is_complete();
    return r;
  }

 private:
  io_source* source_;
  bool done_ = false;
};

/// `listener.incoming()`: connections as they come, with a backoff when out of descriptors.
class incoming_stream {
 public:
  using stream_concept = stream_tag;
  using item_type = tcp_stream;
  using error_type = std::error_code;

  static constexpr std::chrono::milliseconds first_backoff{1};
  static constexpr std::chrono::milliseconds max_backoff{128};

  explicit incoming_stream(io_source* source) noexcept : source_(source) {}

  template <class Task>
    requires io_task<Task> && timer_task<Task>
  stream_poll_result<tcp_stream, std::error_code> poll_next(Task& task) {
    if (ended_) detail::throw_polled_after_completion("tcp incoming: polled after its end");
    if (backoff_) {
      if (backoff_->poll(task).is_pending()) return pending;
      backoff_.reset();
    }
    if (!poll_proceed(task)) return pending;
    for (;;) {
      auto r = detail::net_poll_accept(*source_, task);
      if (r.is_pending()) return pending;
      if (r.is_ready()) {
        delay_ = first_backoff;
        return ready_value{std::optional<tcp_stream>(std::move(r).get_value())};
      }
      const std::error_code e = std::move(r).get_error();
      if (is_resource_shortage(e)) {
        // The connection stays queued, and no new edge will come for it: retry on a timer.
        backoff_.emplace(sleep_for(delay_));
        delay_ = std::min(delay_ * 2, std::chrono::duration_cast<std::chrono::milliseconds>(
                                          max_backoff));
        ++backoff_count_;
        if (backoff_->poll(task).is_pending()) return pending;
        backoff_.reset();
        continue;
      }
      if (is_per_connection(e)) continue;  // that connection is gone; the next may be there
      ended_ = true;
      return failed_value{e};
    }
  }

  /// How many times the stream backed off (out of descriptors or memory).
  [[nodiscard]] std::size_t get_backoff_count() const noexcept { return backoff_count_; }

 private:
  static bool is_resource_shortage(const std::error_code& e) noexcept {
    if (e.category() != std::generic_category()) return false;
    const int v = e.value();
    return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
  }
  static bool is_per_connection(const std::error_code& e) noexcept {
    if (e.category() != std::generic_category()) return false;
    const int v = e.value();
    return v == ECONNABORTED || v == EPROTO || v == EPERM || v == ENETDOWN || v == ENOPROTOOPT ||
           v == EHOSTDOWN || v == ENONET || v == EHOSTUNREACH || v == EOPNOTSUPP ||
           v == ENETUNREACH;
  }

  io_source* source_;
  std::optional<sleep_future> backoff_;
  std::chrono::milliseconds delay_ = first_backoff;
  std::size_t backoff_count_ = 0;
  bool ended_ = false;
};

class tcp_listener {
 public:
  tcp_listener() noexcept = default;

  /// Binds `ep` (port 0: the kernel picks; see `get_local_endpoint`) and listens.
  [[nodiscard]] static tcp_listener bind(endpoint ep, int backlog = SOMAXCONN) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
    tcp_listener l;
    l.source_ = io_source(fd);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const sockaddr_in sa = ep.to_sockaddr();
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
      const int err = errno;  // before the message is built: it allocates (and GCC builds it first)
      throw std::system_error(err, std::generic_category(), "bind " + ep.to_string());
    }
    if (::listen(fd, backlog) != 0) throw std::system_error(errno, std::generic_category(), "listen");
    return l;
  }

  [[nodiscard]] accept_future accept() noexcept { return accept_future(&source_); }
  [[nodiscard]] incoming_stream incoming() noexcept { return incoming_stream(&source_); }

  [[nodiscard]] endpoint get_local_endpoint() const {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    if (::getsockname(source_.get_fd(), reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
      throw std::system_error(errno, std::generic_category(), "getsockname");
    }
    return endpoint::from_sockaddr(sa);
  }
  [[nodiscard]] int get_fd() const noexcept { return source_.get_fd(); }
  void close() noexcept { source_.close(); }

 private:
  io_source source_;
};

}  // namespace gentask::net
