// The floor of experiment 05's `tcp_echo` (variant `epoll_floor`): a TCP echo server written as
// a bare epoll loop, as tight as it can honestly be while staying correct, so that a runtime's
// server CPU per request can be read as a multiple of what the kernel work alone costs.
//
// One thread. The listening socket is level-triggered (an accept that fails is retried at the
// next wait instead of losing its edge); connections are edge-triggered
// (EPOLLIN | EPOLLRDHUP | EPOLLET), registered once at accept with the fd as the event's data,
// never modified on the hot path. On readiness the loop reads into one static 4096-byte buffer
// and writes back what it read, and stops when a read returns EAGAIN or fewer bytes than the
// buffer holds (a short read: the socket was drained at that moment, and any later data raises a
// new edge; tokio clears readiness the same way). When EPOLLRDHUP came with the event it reads on
// to the end of the stream instead, so a peer that wrote and then shut down is closed. EPOLLERR
// or EPOLLHUP closes the connection; so does a read of 0 or a hard error. A write that takes
// fewer bytes than it was given (never seen with 64-byte echoes) parks the rest in a
// per-connection buffer, adds EPOLLOUT, and stops reading that connection until the rest is
// out (then it reads again, since edges that came meanwhile were consumed). Nothing is allocated
// per request or per event: the per-connection slots are a table indexed by fd, grown when an fd
// above its size is accepted.
//
// The server contract (experiments/05-io-reactor/README.md, "Servers"):
// `epoll_echo_floor --port 0` prints `listening <port>`, exits 0 on SIGTERM, and answers SIGUSR1
// with `allocations <n>`.
#include "../common/server_contract.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace {

constexpr std::size_t buffer_size = 4096;
constexpr std::uint32_t connection_events = EPOLLIN | EPOLLRDHUP | EPOLLET;

char buffer[buffer_size];

/// Output a connection could not write yet (only after a short write).
struct parked_output {
  std::unique_ptr<char[]> bytes;
  std::size_t offset = 0;
  std::size_t length = 0;
};

std::vector<parked_output> parked;
int epoll_fd = -1;

void close_connection(int fd) {
  if (static_cast<std::size_t>(fd) < parked.size()) parked[static_cast<std::size_t>(fd)].length = 0;
  ::close(fd);  // also removes it from the epoll set (no duplicate of the fd exists)
}

/// Writes bytes[0, n); parks what the socket does not take and waits for EPOLLOUT. Returns
/// false when the connection was closed or has output parked (stop reading it).
bool write_back(int fd, const char* bytes, std::size_t n) {
  std::size_t off = 0;
  while (off < n) {
    const ssize_t w = ::write(fd, bytes + off, n - off);
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
  parked_output& p = parked[static_cast<std::size_t>(fd)];
  if (!p.bytes) p.bytes = std::make_unique<char[]>(buffer_size);
  std::memcpy(p.bytes.get(), bytes + off, n - off);
  p.offset = 0;
  p.length = n - off;
  epoll_event ev{};
  ev.events = connection_events | EPOLLOUT;
  ev.data.fd = fd;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev);
  return false;
}

/// Reads and echoes until EAGAIN, a short read (unless `to_end`), the end of the stream or an
/// error.
void echo(int fd, bool to_end) {
  for (;;) {
    const ssize_t n = ::read(fd, buffer, buffer_size);
    if (n > 0) {
      if (!write_back(fd, buffer, static_cast<std::size_t>(n))) return;
      if (static_cast<std::size_t>(n) < buffer_size && !to_end) return;
      continue;
    }
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0 && errno == EINTR) continue;
    close_connection(fd);  // 0: the peer closed; < 0: a hard error
    return;
  }
}

/// EPOLLOUT on a connection with parked output: writes it; once all is out, drops EPOLLOUT and
/// reads again.
void flush_parked(int fd) {
  parked_output& p = parked[static_cast<std::size_t>(fd)];
  while (p.length > 0) {
    const ssize_t w = ::write(fd, p.bytes.get() + p.offset, p.length);
    if (w > 0) {
      p.offset += static_cast<std::size_t>(w);
      p.length -= static_cast<std::size_t>(w);
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
  echo(fd, true);
}

void accept_all(int listen_fd) {
  for (;;) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN) std::perror("accept4");  // EMFILE and the like: retried next wait
      return;
    }
    if (static_cast<std::size_t>(fd) >= parked.size()) parked.resize(static_cast<std::size_t>(fd) * 2);
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
  parked.resize(1024);
  std::uint16_t bound = 0;
  const int listen_fd = gentask::exp05::listen_loopback(port, bound);
  epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: see the file comment
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
      if (errno == EINTR) continue;  // SIGUSR1
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
      } else if (parked[static_cast<std::size_t>(fd)].length > 0) {
        if (e & EPOLLOUT) flush_parked(fd);
      } else if (e & (EPOLLIN | EPOLLRDHUP)) {
        echo(fd, (e & EPOLLRDHUP) != 0);
      }
    }
  }
}
