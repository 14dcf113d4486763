// A minimal HTTP/1.1 server on the tokio-style reactor: `GET /` answers `Hello, World!`, any
// other request 404; connections are kept alive and pipelined requests answered in order, the
// responses to every request one read completed going out in one write. Requests are parsed by
// Node's http-parser (Debian's libhttp-parser-dev): the parser is not the subject. A request
// that asks to close (HTTP/1.0 without keep-alive, `Connection: close`) is answered, then the
// connection closed; a malformed request, or one longer than the 4096-byte read buffer, closes
// it. Each connection is a task; its buffers are its own and keep their capacity, so a warm
// connection allocates nothing per request.
//
// Also experiment 05's gentask HTTP server (workload `http`), on its server contract:
//
//   gentask_http_server --port 0 [--dispatch one_trip|two_trip]
//
// Try it: `curl http://127.0.0.1:<port>/`, or `wrk -c 16 -d 2s http://127.0.0.1:<port>/`.
#include "common/server_contract.hpp"

#include "example_args.hpp"

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/net/tcp_listener.hpp>
#include <gentask/net/tcp_stream.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>

#include <http_parser.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

using namespace gentask;

namespace {

constexpr std::string_view ok_response =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
constexpr std::string_view not_found_response =
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

class http_connection {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  explicit http_connection(net::tcp_stream s) : stream_(std::move(s)) {
    http_parser_init(&parser_, HTTP_REQUEST);
    out_.reserve(4096);
  }
  // Moved only before its first poll (into its task), when no operation borrows its members.
  http_connection(http_connection&& other) noexcept
      : stream_(std::move(other.stream_)), parser_(other.parser_), out_(std::move(other.out_)) {}

  template <io_task Task>
  poll_result<unit, never> poll(Task& task) {
    parser_.data = this;  // the parser's callbacks find the connection where it now lives
    for (;;) {
      if (write_) {
        auto w = write_->poll(task);
        if (w.is_pending()) return pending;
        write_.reset();
        if (w.is_failed() || closing_) return ready_value{};
        out_.clear();
      }
      if (!read_) read_.emplace(stream_.read(in_));
      auto r = read_->poll(task);
      if (r.is_pending()) return pending;
      read_.reset();
      if (r.is_failed() || r.get_value() == 0) return ready_value{};
      const std::size_t n = r.get_value();
      http_parser_execute(&parser_, &settings(), reinterpret_cast<const char*>(in_.data()), n);
      if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK && !closing_) return ready_value{};  // malformed
      // A request still incomplete after a whole buffer's worth of its bytes is too long: its
      // head (the parser counts the bytes of the current request's head, `nread`) or its body.
      if (in_message_ && (parser_.nread >= in_.size() || body_bytes_ >= in_.size())) {
        return ready_value{};
      }
      if (out_.empty()) continue;  // no request completed yet: read on
      write_.emplace(stream_.write_all(std::as_bytes(std::span(out_.data(), out_.size()))));
    }
  }

 private:
  static int on_message_begin(http_parser* p) {
    auto* c = static_cast<http_connection*>(p->data);
    c->url_length_ = 0;
    c->in_message_ = true;
    c->body_bytes_ = 0;
    return 0;
  }
  static int on_body(http_parser* p, const char*, std::size_t n) {
    static_cast<http_connection*>(p->data)->body_bytes_ += n;
    return 0;
  }
  static int on_url(http_parser* p, const char* at, std::size_t n) {
    auto* c = static_cast<http_connection*>(p->data);
    const std::size_t used = std::min(c->url_length_, c->url_.size());
    std::memcpy(c->url_.data() + used, at, std::min(n, c->url_.size() - used));
    c->url_length_ += n;  // longer than the buffer: cannot be "/"
    return 0;
  }
  static int on_message_complete(http_parser* p) {
    auto* c = static_cast<http_connection*>(p->data);
    const bool root = p->method == HTTP_GET && c->url_length_ == 1 && c->url_[0] == '/';
    c->out_.append(root ? ok_response : not_found_response);
    c->in_message_ = false;
    if (!http_should_keep_alive(p)) {
      c->closing_ = true;
      return 1;  // stop: nothing after a request that closes the connection is answered
    }
    return 0;
  }
  static const http_parser_settings& settings() {
    static const http_parser_settings s = [] {
      http_parser_settings x;
      http_parser_settings_init(&x);
      x.on_message_begin = on_message_begin;
      x.on_url = on_url;
      x.on_body = on_body;
      x.on_message_complete = on_message_complete;
      return x;
    }();
    return s;
  }

  net::tcp_stream stream_;
  http_parser parser_{};
  std::array<std::byte, 4096> in_{};
  std::string out_;
  std::array<char, 8> url_{};
  std::size_t url_length_ = 0;
  std::size_t body_bytes_ = 0;
  bool in_message_ = false;
  bool closing_ = false;
  std::optional<net::read_future> read_;
  std::optional<net::write_all_future> write_;
};

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
      task.spawn(http_connection(std::move(*std::move(next).get_value()))).detach();
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
    std::fprintf(stderr, "http_server: accept failed: %s\n",
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
