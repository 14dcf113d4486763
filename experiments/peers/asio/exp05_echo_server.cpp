// Experiment 05's Boost.Asio TCP echo server (variant `asio`): Asio's own idiom, as its
// async_tcp_echo_server example writes it. One io_context (concurrency hint 1) run by one
// thread; an acceptor that accepts forever; per connection a session owned by a shared_ptr that
// its pending handler holds, with one 4096-byte buffer, looping async_read_some -> async_write
// of what was read -> async_read_some. Handlers are plain lambdas, so Asio's per-thread
// recycling allocator serves their storage (no allocation per operation in steady state).
//
// The server contract (experiments/05-io-reactor/README.md, "Servers"): `--port 0`, the
// `listening <port>` line, SIGTERM exits 0, SIGUSR1 writes `allocations <n>` (every global
// operator new since the start).
#include "../../common/server_contract.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <utility>

namespace {

using boost::asio::ip::tcp;

class session : public std::enable_shared_from_this<session> {
 public:
  explicit session(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() { do_read(); }

 private:
  void do_read() {
    auto self = shared_from_this();
    socket_.async_read_some(boost::asio::buffer(data_),
                            [this, self](boost::system::error_code ec, std::size_t n) {
                              if (!ec) do_write(n);
                            });
  }

  void do_write(std::size_t n) {
    auto self = shared_from_this();
    boost::asio::async_write(socket_, boost::asio::buffer(data_, n),
                             [this, self](boost::system::error_code ec, std::size_t) {
                               if (!ec) do_read();
                             });
  }

  tcp::socket socket_;
  std::array<char, 4096> data_;
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
