#pragma once
// Helpers for the socket tests: a blocking peer on loopback (another thread's side of a
// connection, with receive and send timeouts so that a test never hangs), and descriptors.
#include <gentask/net/endpoint.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstddef>
#include <stdexcept>
#include <span>
#include <string>
#include <system_error>

namespace gentask::test {

/// A blocking socket connected to `ep`, with 5-second send and receive timeouts.
inline int blocking_connect(net::endpoint ep) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const sockaddr_in sa = ep.to_sockaddr();
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "connect");
  }
  return fd;
}

/// Writes all of `data` on a blocking descriptor.
inline void blocking_write(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) throw std::system_error(errno, std::generic_category(), "send");
    off += static_cast<std::size_t>(n);
  }
}

/// Reads exactly `n` bytes from a blocking descriptor (fewer if it ends first).
inline std::string blocking_read(int fd, std::size_t n) {
  std::string out(n, '\0');
  std::size_t off = 0;
  while (off < n) {
    const auto got = ::recv(fd, out.data() + off, n - off, 0);
    if (got <= 0) break;
    off += static_cast<std::size_t>(got);
  }
  out.resize(off);
  return out;
}

/// Closes with SO_LINGER 0: the peer gets a reset (ECONNRESET), not an end of stream.
inline void close_with_reset(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

inline std::span<const std::byte> bytes_of(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}
inline std::string string_of(std::span<const std::byte> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Lowers RLIMIT_NOFILE's soft limit for the scope (restored after).
///
/// UBSan's vptr check reads /proc/self/maps the first time it meets a polymorphic type from an
/// uninstrumented library (std::error_category here); with no descriptor free it cannot, and it
/// reports a false "invalid vptr". The constructor makes that first check happen before the limit.
class fd_limit_scope {
 public:
  explicit fd_limit_scope(rlim_t soft) {
    const std::error_code warm(EMFILE, std::generic_category());
    if (warm.category() != std::generic_category()) std::abort();
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    if (::setrlimit(RLIMIT_NOFILE, &lowered) != 0) {
      throw std::system_error(errno, std::generic_category(), "setrlimit");
    }
  }
  fd_limit_scope(const fd_limit_scope&) = delete;
  fd_limit_scope& operator=(const fd_limit_scope&) = delete;
  ~fd_limit_scope() { ::setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_{};
};

}  // namespace gentask::test
