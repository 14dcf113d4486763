#pragma once
/// @file
/// The server contract of experiment 05 (experiments/05-io-reactor/README.md, "Servers") for the
/// C++ servers the experiments write themselves (the bare epoll floor, the Boost.Asio peers):
///
///   - `SERVER --port P [extra args]` (P = 0: the kernel picks a port) binds 127.0.0.1;
///   - it writes `listening <port>` as one line on stdout once it accepts connections;
///   - SIGTERM ends it at once with exit status 0 (`_exit(0)` from the handler, so also with
///     connections open and handlers pending);
///   - SIGUSR1 makes it write `allocations <n>` as one line on stdout: n is the number of heap
///     allocations (every global `operator new`, counted from the start of the process),
///     formatted and written with write(2) inside the handler (async-signal-safe: one relaxed
///     atomic load and a write).
///
/// Include this header in exactly one translation unit of a server: it defines the replacement
/// of the global operator new (tools/replace_operator_new.inc) that does the counting. It uses
/// nothing from gentask and allocates nothing itself.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace gentask::exp05 {

/// Heap allocations since the start of the process (every global operator new).
inline std::atomic<std::uint64_t> allocations{0};

/// Writes `word <n>\n` to fd 1 with one write(2): usable inside a signal handler.
inline void write_number_line(const char* word, std::uint64_t n) noexcept {
  char line[64];
  std::size_t len = 0;
  for (const char* p = word; *p != '\0' && len < 40; ++p) line[len++] = *p;
  line[len++] = ' ';
  char digits[24];
  std::size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  while (d > 0) line[len++] = digits[--d];
  line[len++] = '\n';
  std::size_t off = 0;
  while (off < len) {
    const ssize_t w = ::write(1, line + off, len - off);
    if (w > 0) {
      off += static_cast<std::size_t>(w);
    } else if (w < 0 && errno != EINTR) {
      return;
    }
  }
}

extern "C" inline void on_sigusr1(int) {
  const int saved = errno;
  write_number_line("allocations", allocations.load(std::memory_order_relaxed));
  errno = saved;
}

extern "C" inline void on_sigterm(int) { ::_exit(0); }

/// Installs the SIGUSR1 and SIGTERM handlers (SA_RESTART; an interrupted epoll_wait still
/// returns EINTR, which every server's loop must take as "wait again") and ignores SIGPIPE (a
/// write to a connection the peer closed fails with EPIPE instead of ending the server).
inline void install_signal_handlers() {
  ::signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = on_sigusr1;
  if (::sigaction(SIGUSR1, &sa, nullptr) != 0) std::abort();
  sa.sa_handler = on_sigterm;
  if (::sigaction(SIGTERM, &sa, nullptr) != 0) std::abort();
}

/// The value of `--port P` (required, 0-65535); exits with status 2 and a usage line otherwise.
inline std::uint16_t port_from_args(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0) {
      char* end = nullptr;
      const unsigned long v = std::strtoul(argv[i + 1], &end, 10);
      if (end != argv[i + 1] && *end == '\0' && v <= 65535) return static_cast<std::uint16_t>(v);
    }
  }
  std::fprintf(stderr, "usage: %s --port P (0: any free port)\n", argc > 0 ? argv[0] : "server");
  std::exit(2);
}

/// Writes `listening <port>` on stdout (one write(2): nothing buffered to flush).
inline void announce_listening(std::uint16_t port) { write_number_line("listening", port); }

/// A non-blocking listening TCP socket on 127.0.0.1:`port` (SO_REUSEADDR, backlog SOMAXCONN);
/// stores the port bound in `bound`. Exits with a message on failure.
inline int listen_loopback(std::uint16_t port, std::uint16_t& bound) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("socket");
    std::exit(1);
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, SOMAXCONN) != 0) {
    std::perror("bind/listen 127.0.0.1");
    std::exit(1);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  bound = ntohs(addr.sin_port);
  return fd;
}

}  // namespace gentask::exp05

namespace {
void gentask_count_allocation() noexcept {
  gentask::exp05::allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

// The one replacement of operator new shared with the test kit and the experiment harness.
#include "../../tools/replace_operator_new.inc"
