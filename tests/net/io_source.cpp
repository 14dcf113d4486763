// io_source.hpp: a nonblocking descriptor owned with its lazy registration; the readiness loop
// (try, EAGAIN -> clear and wait, a short transfer clears too), close() waking a waiter, a
// closed source failing with EBADF, and a registration refused by the kernel as an error value.
#include <gentask/futures/poll_fn.hpp>
#include <gentask/net/io_source.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <array>

using namespace gentask;

namespace {
struct pipe_pair {
  net::io_source read_end;
  int write_end = -1;
  pipe_pair() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    read_end = net::io_source(fds[0]);
    write_end = fds[1];
  }
  ~pipe_pair() { ::close(write_end); }
  pipe_pair(const pipe_pair&) = delete;
  pipe_pair& operator=(const pipe_pair&) = delete;
};
}  // namespace

TEST_CASE("poll_io tries first, waits after EAGAIN, and a short read clears the readiness",
          "[net][io_source]") {
  tokio_style::reactor r;
  pipe_pair p;
  std::array<char, 8> buf{};
  int attempts = 0;
  auto read_op = [&] {
    ++attempts;
    return ::read(p.read_end.get_fd(), buf.data(), buf.size());
  };
  int polls = 0;
  auto result = r.block_on(poll_fn<std::size_t, std::error_code>(
      [&](auto& task) -> poll_result<std::size_t, std::error_code> {
        if (++polls == 1) {
          auto first = p.read_end.poll_io(task, io_interest::readable, buf.size(), read_op);
          REQUIRE(first.is_pending());  // tried once (EAGAIN), then waited
          REQUIRE(attempts == 1);
          REQUIRE(p.read_end.is_registered());
          REQUIRE(::write(p.write_end, "abc", 3) == 3);
          return pending;
        }
        return p.read_end.poll_io(task, io_interest::readable, buf.size(), read_op);
      }));
  REQUIRE(result.is_ready());
  REQUIRE(result.get_value() == 3);
  REQUIRE(attempts == 2);
  // 3 < 8: the short read cleared the readiness, so the next poll waits without a system call.
  auto again = r.block_on(poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    auto n = p.read_end.poll_io(task, io_interest::readable, buf.size(), read_op);
    REQUIRE(n.is_pending());
    return ready_value{0};
  }));
  REQUIRE(again.is_ready());
  REQUIRE(attempts == 2);
}

TEST_CASE("a closed source fails with EBADF, and a descriptor the kernel will not register too",
          "[net][io_source]") {
  tokio_style::reactor r;
  pipe_pair p;
  p.read_end.close();
  REQUIRE_FALSE(p.read_end.is_open());
  auto closed = r.block_on(poll_fn<io_readiness, std::error_code>([&](auto& task) {
    return p.read_end.poll_ready(task, io_interest::readable);
  }));
  REQUIRE(closed.is_failed());
  REQUIRE(closed.get_error() == std::errc::bad_file_descriptor);
  // A regular file cannot join an epoll set (EPERM): the registration fails as a value.
  net::io_source file(::open("/proc/self/status", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  REQUIRE(file.is_open());
  auto refused = r.block_on(poll_fn<io_readiness, std::error_code>([&](auto& task) {
    return file.poll_ready(task, io_interest::readable);
  }));
  REQUIRE(refused.is_failed());
  REQUIRE(refused.get_error() == std::errc::operation_not_permitted);
}

TEST_CASE("an io_source moves with its registration and closes once", "[net][io_source]") {
  tokio_style::reactor r;
  pipe_pair p;
  (void)r.block_on(poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    (void)p.read_end.poll_ready(task, io_interest::readable);
    return ready_value{0};
  }));
  REQUIRE(r.get_io_driver().get_registration_count() == 1);
  net::io_source moved = std::move(p.read_end);
  REQUIRE(moved.is_registered());
  REQUIRE_FALSE(p.read_end.is_open());  // NOLINT(bugprone-use-after-move): moved-from is empty
  moved = net::io_source();  // closes and deregisters
  REQUIRE(r.get_io_driver().get_registration_count() == 0);
  STATIC_REQUIRE(!std::is_copy_constructible_v<net::io_source>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<net::io_source>);
}
