#pragma once
// Futures the socket tests spawn: an echo connection, a client that sends a message and reads
// it back, and a bidirectional transfer. Each owns its stream (the operations borrow it).
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/net/tcp_stream.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace gentask::test {

/// Echoes what it reads until the end of the stream; ready with the bytes echoed.
class echo_connection {
 public:
  using future_concept = future_tag;
  using item_type = std::size_t;
  using error_type = std::error_code;

  explicit echo_connection(net::tcp_stream s) : stream_(std::move(s)) {}
  echo_connection(echo_connection&& other) noexcept
      : stream_(std::move(other.stream_)), echoed_(other.echoed_) {}  // between ops only

  template <io_task Task>
  poll_result<std::size_t, std::error_code> poll(Task& task) {
    for (;;) {
      if (write_) {
        auto w = write_->poll(task);
        if (w.is_pending()) return pending;
        write_.reset();
        if (w.is_failed()) return failed_value{w.get_error()};
      }
      if (!read_) read_.emplace(stream_.read(buf_));
      auto r = read_->poll(task);
      if (r.is_pending()) return pending;
      read_.reset();
      if (r.is_failed()) return failed_value{r.get_error()};
      const std::size_t n = r.get_value();
      if (n == 0) return ready_value{echoed_};
      echoed_ += n;
      write_.emplace(stream_.write_all(std::span<const std::byte>(buf_.data(), n)));
    }
  }

 private:
  net::tcp_stream stream_;
  std::array<std::byte, 4096> buf_{};
  std::optional<net::read_future> read_;
  std::optional<net::write_all_future> write_;
  std::size_t echoed_ = 0;
};

/// Connects to `ep`, writes `message`, reads as many bytes back; ready with what it read.
class echo_client {
 public:
  using future_concept = future_tag;
  using item_type = std::string;
  using error_type = std::error_code;

  echo_client(net::endpoint ep, std::string message)
      : connect_(net::tcp_stream::connect(ep)), message_(std::move(message)) {}
  echo_client(echo_client&& other) noexcept
      : connect_(std::move(other.connect_)), message_(std::move(other.message_)) {}

  template <io_task Task>
  poll_result<std::string, std::error_code> poll(Task& task) {
    if (!stream_) {
      auto c = connect_.poll(task);
      if (c.is_pending()) return pending;
      if (c.is_failed()) return failed_value{c.get_error()};
      stream_.emplace(std::move(c).get_value());
      back_.resize(message_.size());
      write_.emplace(stream_->write_all(std::as_bytes(std::span(message_))));
      read_.emplace(stream_->read_exact(std::as_writable_bytes(std::span(back_))));
    }
    if (write_) {
      auto w = write_->poll(task);
      if (w.is_failed()) return failed_value{w.get_error()};
      if (w.is_ready()) write_.reset();
    }
    auto r = read_->poll(task);
    if (r.is_pending()) return pending;
    if (r.is_failed()) return failed_value{r.get_error()};
    return ready_value{back_};
  }

 private:
  net::connect_future connect_;
  std::string message_;
  std::string back_;
  std::optional<net::tcp_stream> stream_;
  std::optional<net::write_all_future> write_;
  std::optional<net::read_exact_future> read_;
};

}  // namespace gentask::test
