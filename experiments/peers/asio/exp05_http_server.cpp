// Experiment 05's Boost.Asio HTTP/1.1 server (variant `asio`, workload `http`): `GET /` answers
// `Hello, World!`, with keep-alive and pipelining. The parser is Node's http-parser (Debian's
// libhttp-parser-dev; the parser is not the subject). The Asio side is the echo server's idiom
// (exp05_echo_server.cpp): one io_context (concurrency hint 1) run by one thread, a session per
// connection owned by a shared_ptr its pending handler holds, async_read_some into a 4096-byte
// buffer. Each read is fed to the connection's parser; every request it completes appends its
// response to the connection's output buffer (so the responses to pipelined requests that came
// in one read go out in one async_write), then the session reads again. The output buffer keeps
// its capacity, so steady state allocates nothing.
//
// Responses: `GET /` -> 200 with `Content-Type: text/plain`, `Content-Length: 13` and the body
// `Hello, World!`; any other request -> 404 with `Content-Length: 0`. A request that asks to
// close (HTTP/1.0 without keep-alive, or `Connection: close`: http_should_keep_alive) gets its
// response, then the connection is closed; a malformed request closes the connection.
//
// The server contract (experiments/05-io-reactor/README.md, "Servers"): `--port 0`, the
// `listening <port>` line, SIGTERM exits 0, SIGUSR1 writes `allocations <n>`.
#include "../../common/server_contract.hpp"

#include <http_parser.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace {

using boost::asio::ip::tcp;

constexpr std::string_view ok_response =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
constexpr std::string_view not_found_response =
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

class session : public std::enable_shared_from_this<session> {
 public:
  explicit session(tcp::socket socket) : socket_(std::move(socket)) {
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
    out_.reserve(4096);
  }

  void start() { do_read(); }

 private:
  static int on_message_begin(http_parser* p) {
    static_cast<session*>(p->data)->url_length_ = 0;
    return 0;
  }

  static int on_url(http_parser* p, const char* at, std::size_t n) {
    auto* s = static_cast<session*>(p->data);
    const std::size_t room = s->url_.size() - std::min(s->url_length_, s->url_.size());
    std::memcpy(s->url_.data() + std::min(s->url_length_, s->url_.size()), at, std::min(n, room));
    s->url_length_ += n;  // longer than the buffer: cannot be "/"
    return 0;
  }

  static int on_message_complete(http_parser* p) {
    auto* s = static_cast<session*>(p->data);
    const bool root = p->method == HTTP_GET && s->url_length_ == 1 && s->url_[0] == '/';
    s->out_.append(root ? ok_response : not_found_response);
    if (!http_should_keep_alive(p)) {
      s->closing_ = true;
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
      x.on_message_complete = on_message_complete;
      return x;
    }();
    return s;
  }

  void do_read() {
    auto self = shared_from_this();
    socket_.async_read_some(
        boost::asio::buffer(in_), [this, self](boost::system::error_code ec, std::size_t n) {
          if (ec) return;
          http_parser_execute(&parser_, &settings(), in_.data(), n);
          const bool failed = HTTP_PARSER_ERRNO(&parser_) != HPE_OK && !closing_;
          if (failed) return;  // malformed: the session ends, closing the socket
          if (out_.empty()) return do_read();
          do_write();
        });
  }

  void do_write() {
    auto self = shared_from_this();
    boost::asio::async_write(socket_, boost::asio::buffer(out_),
                             [this, self](boost::system::error_code ec, std::size_t) {
                               if (ec || closing_) return;
                               out_.clear();
                               do_read();
                             });
  }

  tcp::socket socket_;
  http_parser parser_;
  std::array<char, 4096> in_;
  std::string out_;
  std::array<char, 8> url_{};
  std::size_t url_length_ = 0;
  bool closing_ = false;
};

class server {
 public:
  server(boost::asio::io_context& io, std::uint16_t port)
      : acceptor_(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port)) {
    do_accept();
  }

  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void do_accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (!ec) std::make_shared<session>(std::move(socket))->start();
      do_accept();
    });
  }

  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::uint16_t port = gentask::exp05::port_from_args(argc, argv);
  gentask::exp05::install_signal_handlers();
  boost::asio::io_context io(1);
  server s(io, port);
  gentask::exp05::announce_listening(s.port());
  io.run();
  return 0;
}
