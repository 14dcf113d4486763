// The floor of experiment 05's `http` workload (variant `epoll_floor`): the echo floor's bare
// epoll loop (epoll_echo_floor.cpp: one thread, a level-triggered listener, edge-triggered
// connections read until EAGAIN or a short read, EPOLLRDHUP/HUP/ERR handled) answering HTTP/1.1
// with the least work that still serves wrk correctly. It is a floor, not an HTTP server: a
// request is framed by its blank line (`\r\n\r\n`; no request body is supported), and only the
// request line and a `Connection: close` header are looked at. `GET / ` gets the same 200
// response as the other servers (`Content-Type: text/plain`, `Content-Length: 13`,
// `Hello, World!`), any other request line gets 404; HTTP/1.0 requests and `Connection: close`
// get their response and then the connection is closed. Responses to pipelined requests that
// came in one read go out in one write. Per connection a slot holds a partial request (allocated
// at accept, reused: nothing is allocated per request).
//
// The server contract (experiments/05-io-reactor/README.md, "Servers"): `--port 0`, the
// `listening <port>` line, SIGTERM exits 0, SIGUSR1 writes `allocations <n>`.
#include "../common/server_contract.hpp"

#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t buffer_size = 4096;
constexpr std::uint32_t connection_events = EPOLLIN | EPOLLRDHUP | EPOLLET;
constexpr std::string_view ok_response =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
constexpr std::string_view not_found_response =
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

// The most output one read can produce: every request is at least its blank line (4 bytes), and
// no response is longer than the 200 one.
constexpr std::size_t max_output = buffer_size / 4 * ok_response.size();
static_assert(not_found_response.size() <= ok_response.size());

struct connection {
  char in[buffer_size];
  std::size_t filled = 0;
  std::unique_ptr<char[]> parked;  ///< output the socket did not take yet (made on first use)
  std::size_t parked_offset = 0;
  std::size_t parked_length = 0;
};

std::vector<std::unique_ptr<connection>> connections;
char out[max_output];
int epoll_fd = -1;

void close_connection(int fd) {
  connections[static_cast<std::size_t>(fd)]->filled = 0;
  connections[static_cast<std::size_t>(fd)]->parked_length = 0;
  ::close(fd);
}

bool asks_to_close(std::string_view head) {
  if (head.find(" HTTP/1.0\r\n") != std::string_view::npos) return true;
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;
       at = head.find("\r\n", at + 2)) {
    if (head.size() - at >= 19 && ::strncasecmp(head.data() + at, "\r\nconnection: close", 19) == 0) {
      return true;
    }
  }
  return false;
}

/// Writes out[0, n); parks the rest and waits for EPOLLOUT. False: closed or parked.
bool write_out(int fd, connection& c, std::size_t n) {
  std::size_t off = 0;
  while (off < n) {
    const ssize_t w = ::write(fd, out + off, n - off);
    if (w > 0) {
      off += static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) break;
    close_connection(fd);
    return false;
  }
  if (off == n) return true;
  if (!c.parked) c.parked = std::make_unique<char[]>(max_output);
  std::memcpy(c.parked.get(), out + off, n - off);
  c.parked_offset = 0;
  c.parked_length = n - off;
  epoll_event ev{};
  ev.events = connection_events | EPOLLOUT;
  ev.data.fd = fd;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev);
  return false;
}

/// Reads, answers every complete request, until EAGAIN, a short read (unless `to_end`), the
/// end of the stream or an error.
void serve(int fd, bool to_end) {
  connection& c = *connections[static_cast<std::size_t>(fd)];
  for (;;) {
    const std::size_t room = buffer_size - c.filled;
    const ssize_t n = ::read(fd, c.in + c.filled, room);
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close_connection(fd);
      return;
    }
    c.filled += static_cast<std::size_t>(n);
    std::size_t start = 0;
    std::size_t produced = 0;
    bool closing = false;
    const std::string_view data(c.in, c.filled);
    for (;;) {
      const std::size_t end = data.find("\r\n\r\n", start);
      if (end == std::string_view::npos) break;
      const std::string_view head = data.substr(start, end + 2 - start);
      const std::string_view reply = head.substr(0, 6) == "GET / " ? ok_response
                                                                     : not_found_response;
      std::memcpy(out + produced, reply.data(), reply.size());
      produced += reply.size();
      start = end + 4;
      if (asks_to_close(head)) {
        closing = true;
        break;
      }
    }
    std::memmove(c.in, c.in + start, c.filled - start);
    c.filled -= start;
    if (produced > 0 && !write_out(fd, c, produced)) return;
    if (closing || c.filled == buffer_size) {  // asked to close, or a request too large
      close_connection(fd);
      return;
    }
    if (static_cast<std::size_t>(n) < room && !to_end) return;
  }
}

void flush_parked(int fd) {
  connection& c = *connections[static_cast<std::size_t>(fd)];
  while (c.parked_length > 0) {
    const ssize_t w = ::write(fd, c.parked.get() + c.parked_offset, c.parked_length);
    if (w > 0) {
      c.parked_offset += static_cast<std::size_t>(w);
      c.parked_length -= static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) return;
    close_connection(fd);
    return;
  }
  epoll_event ev{};
  ev.events = connection_events;
  ev.data.fd = fd;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev);
  serve(fd, true);
}

void accept_all(int listen_fd) {
  for (;;) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN) std::perror("accept4");
      return;
    }
    const auto slot = static_cast<std::size_t>(fd);
    if (slot >= connections.size()) connections.resize(slot * 2);
    if (!connections[slot]) connections[slot] = std::make_unique<connection>();
    connections[slot]->filled = 0;
    connections[slot]->parked_length = 0;
    epoll_event ev{};
    ev.events = connection_events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) ::close(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint16_t port = gentask::exp05::port_from_args(argc, argv);
  gentask::exp05::install_signal_handlers();
  connections.resize(1024);
  std::uint16_t bound = 0;
  const int listen_fd = gentask::exp05::listen_loopback(port, bound);
  epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd;
  if (epoll_fd < 0 || ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
    std::perror("epoll");
    return 1;
  }
  gentask::exp05::announce_listening(bound);

  epoll_event events[128];
  for (;;) {
    const int n = ::epoll_wait(epoll_fd, events, 128, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      const std::uint32_t e = events[i].events;
      if (fd == listen_fd) {
        accept_all(listen_fd);
      } else if (e & (EPOLLERR | EPOLLHUP)) {
        close_connection(fd);
      } else if (connections[static_cast<std::size_t>(fd)]->parked_length > 0) {
        if (e & EPOLLOUT) flush_parked(fd);
      } else if (e & (EPOLLIN | EPOLLRDHUP)) {
        serve(fd, (e & EPOLLRDHUP) != 0);
      }
    }
  }
}
