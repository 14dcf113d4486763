#include "loadgen.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>

namespace gentask::exp05 {

namespace {

/// The message of request `sequence` on connection `index`: the two numbers, then a filler that
/// depends on both, so a misplaced or stale echo does not compare equal.
void fill_message(unsigned char* out, std::size_t size, std::uint64_t index,
                  std::uint64_t sequence) {
  std::uint64_t x = index * 0x9e3779b97f4a7c15ULL + sequence;
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    out[i] = static_cast<unsigned char>(x >> 56);
  }
  if (size >= 16) {
    std::memcpy(out, &index, 8);
    std::memcpy(out + 8, &sequence, 8);
  }
}

}  // namespace

echo_load::echo_load(std::uint16_t port, int connections, std::size_t message_size)
    : message_size_(message_size),
      connections_(static_cast<std::size_t>(connections)),
      out_(message_size),
      in_(message_size * static_cast<std::size_t>(connections)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    error_ = std::string("epoll_create1: ") + std::strerror(errno);
    return;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      error_ = "connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return;
    }
    connections_[i].fd = fd;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = i;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      error_ = std::string("epoll_ctl: ") + std::strerror(errno);
      return;
    }
  }
}

echo_load::~echo_load() {
  for (auto& c : connections_) {
    if (c.fd >= 0) ::close(c.fd);
  }
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

bool echo_load::send(std::size_t index) {
  connection& c = connections_[index];
  ++c.sequence;
  fill_message(out_.data(), message_size_, index, c.sequence);
  c.received = 0;
  c.busy = true;
  c.sent = std::chrono::steady_clock::now();
  std::size_t off = 0;
  while (off < message_size_) {  // 64 bytes into an idle loopback socket: one write
    const ssize_t w = ::send(c.fd, out_.data() + off, message_size_ - off, MSG_NOSIGNAL);
    if (w > 0) {
      off += static_cast<std::size_t>(w);
    } else if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    } else {
      error_ = std::string("send: ") + std::strerror(errno);
      return false;
    }
  }
  return true;
}

phase_result echo_load::run(std::uint64_t requests, std::chrono::nanoseconds limit,
                            std::vector<std::int64_t>* latencies) {
  phase_result r;
  if (!error_.empty()) {
    r.error = error_;
    return r;
  }
  std::vector<unsigned char> expected(message_size_);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + limit;
  std::uint64_t issued = 0;
  for (std::size_t i = 0; i < connections_.size() && issued < requests; ++i, ++issued) {
    if (!send(i)) {
      r.error = error_;
      return r;
    }
  }
  epoll_event events[256];
  while (r.completed < requests) {
    const int n = ::epoll_wait(epoll_fd_, events, 256, 100);
    if (n < 0 && errno != EINTR) {
      r.error = std::string("epoll_wait: ") + std::strerror(errno);
      return r;
    }
    for (int k = 0; k < n; ++k) {
      const std::size_t i = events[k].data.u64;
      connection& c = connections_[i];
      unsigned char* slot = in_.data() + i * message_size_;
      for (;;) {
        const std::size_t want = c.busy ? message_size_ - c.received : 1;
        const ssize_t got = ::read(c.fd, slot + (c.busy ? c.received : 0), want);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && errno == EAGAIN) break;
        if (got <= 0) {
          r.error = got == 0 ? "the server closed a connection"
                             : std::string("read: ") + std::strerror(errno);
          return r;
        }
        if (!c.busy) {
          r.error = "the server sent bytes nobody asked for";
          return r;
        }
        c.received += static_cast<std::size_t>(got);
        if (c.received < message_size_) continue;
        const auto now = std::chrono::steady_clock::now();
        fill_message(expected.data(), message_size_, i, c.sequence);
        if (std::memcmp(expected.data(), slot, message_size_) != 0) {
          r.error = "an echo differs from its request";
          return r;
        }
        c.busy = false;
        ++r.completed;
        if (latencies != nullptr) latencies->push_back((now - c.sent).count());
        if (issued < requests) {
          ++issued;
          if (!send(i)) {
            r.error = error_;
            return r;
          }
        }
        break;  // level-triggered: the next echo raises a new event
      }
    }
    if (std::chrono::steady_clock::now() > deadline && r.completed < requests) {
      r.elapsed = std::chrono::steady_clock::now() - start;
      r.error = "only " + std::to_string(r.completed) + " of " + std::to_string(requests) +
                " echoes came back within " +
                std::to_string(std::chrono::duration<double>(limit).count()) + " s";
      return r;
    }
  }
  r.elapsed = std::chrono::steady_clock::now() - start;
  r.ok = true;
  return r;
}

}  // namespace gentask::exp05
