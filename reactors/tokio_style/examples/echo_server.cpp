// An echo server on the tokio-style reactor: each accepted connection is a task of its own that
// writes back whatever it reads, until the peer closes. Also experiment 05's gentask echo server
// (variants `one_trip` and `two_trip`), so it follows the experiment's server contract
// (experiments/05-io-reactor/README.md, "Servers"):
//
//   gentask_echo_server --port 0 [--dispatch one_trip|two_trip]
//
// prints `listening <port>`, serves 127.0.0.1 until SIGTERM, and prints `allocations <n>` on
// SIGUSR1. Try it: `nc 127.0.0.1 <port>`.
#include "common/server_contract.hpp"

#include "example_args.hpp"

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/net/tcp_listener.hpp>
#include <gentask/net/tcp_stream.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>

#include <array>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <system_error>

using namespace gentask;

namespace {

/// One connection: read into a 4096-byte buffer, write it all back, again, until the end of
/// the stream or an error (then the connection is closed and forgotten).
class echo_connection {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  explicit echo_connection(net::tcp_stream s) noexcept : stream_(std::move(s)) {}
  // Moved only before its first poll (into its task), when no operation borrows the stream.
  echo_connection(echo_connection&& other) noexcept : stream_(std::move(other.stream_)) {}

  template <io_task Task>
  poll_result<unit, never> poll(Task& task) {
    for (;;) {
      if (write_) {
        auto w = write_->poll(task);
        if (w.is_pending()) return pending;
        write_.reset();
        if (w.is_failed()) return ready_value{};
      }
      if (!read_) read_.emplace(stream_.read(buf_));
      auto r = read_->poll(task);
      if (r.is_pending()) return pending;
      read_.reset();
      if (r.is_failed() || r.get_value() == 0) return ready_value{};
      write_.emplace(stream_.write_all(std::span<const std::byte>(buf_.data(), r.get_value())));
    }
  }

 private:
  net::tcp_stream stream_;
  std::array<std::byte, 4096> buf_{};
  std::optional<net::read_future> read_;
  std::optional<net::write_all_future> write_;
};

/// Accepts forever, spawning a detached echo task per connection.
class accept_loop {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = std::error_code;

  explicit accept_loop(net::tcp_listener& l) noexcept : incoming_(l.incoming()) {}

  template <class Task>
  poll_result<unit, std::error_code> poll(Task& task) {
    for (;;) {
      auto next = incoming_.poll_next(task);
      if (next.is_pending()) return pending;
      if (next.is_failed()) return failed_value{next.get_error()};
      if (!next.get_value()) return ready_value{};
      task.spawn(echo_connection(std::move(*std::move(next).get_value()))).detach();
    }
  }

 private:
  net::incoming_stream incoming_;
};

template <class Reactor>
int serve(std::uint16_t port) {
  Reactor reactor;
  auto listener = net::tcp_listener::bind(net::endpoint::loopback(port));
  exp05::announce_listening(listener.get_local_endpoint().get_port());
  auto result = reactor.block_on(accept_loop(listener));
  if (result.is_failed()) {
    std::fprintf(stderr, "echo_server: accept failed: %s\n",
                 result.get_error().message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  exp05::install_signal_handlers();
  const std::uint16_t port = exp05::port_from_args(argc, argv);
  return examples::dispatch_from_args(argc, argv) == tokio_style::dispatch::two_trip
             ? serve<tokio_style::two_trip_reactor>(port)
             : serve<tokio_style::reactor>(port);
}
