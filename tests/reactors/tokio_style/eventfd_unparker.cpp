// reactors/tokio_style/eventfd_unparker.hpp: parking in the driver's epoll_wait, woken through
// an eventfd in the same set; no write while the reactor is not parked; stall detection that
// counts I/O waiters; timeouts; posts and last releases from another thread.
#include <gentask/reactors/tokio_style/epoll_driver.hpp>
#include <gentask/reactors/tokio_style/eventfd_unparker.hpp>

#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>

using namespace gentask;
using namespace std::chrono_literals;
using tokio_style::epoll_driver;
using tokio_style::eventfd_unparker;
using inbox = runtime::basic_remote_inbox<eventfd_unparker>;

namespace {
/// The eventfd's counter (read, so reset): how many unparks wrote to it.
std::uint64_t drain_count(int fd) {
  std::uint64_t n = 0;
  return ::read(fd, &n, sizeof n) == sizeof n ? n : 0;
}
}  // namespace

TEST_CASE("eventfd_unparker models unparker", "[tokio_style][eventfd_unparker]") {
  STATIC_REQUIRE(runtime::unparker<eventfd_unparker>);
}

TEST_CASE("an unpark while the reactor runs (not parked) writes nothing",
          "[tokio_style][eventfd_unparker]") {
  auto* in = new inbox;
  epoll_driver d;
  in->get_unparker().bind(d);
  in->retain();
  in->post_wake(1);  // unparks: not parked, so no system call
  CHECK(drain_count(in->get_unparker().get_fd()) == 0);
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  in->get_unparker().unbind();
  in->release();
  in->release();
}

TEST_CASE("park stalls only when nothing was posted, no one else holds the inbox, and no task "
          "waits for I/O",
          "[tokio_style][eventfd_unparker]") {
  auto* in = new inbox;
  epoll_driver d;
  in->get_unparker().bind(d);
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::stalled);
  // A task waiting on a pipe: a writer outside can still wake it, so a deadline-less park
  // waits in epoll_wait instead (here with a deadline, to come back).
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  test::counting_task t;
  io_registration r = d.register_io(fds[0]);
  d.clear_ready(r, d.poll_ready(r, io_interest::readable, t.get_waker()));
  REQUIRE(d.poll_ready(r, io_interest::readable, t.get_waker()).is_empty());
  REQUIRE(d.get_waiter_count() == 1);
  const auto deadline = timer_clock::now() + 2ms;
  CHECK(in->get_unparker().park(*in, deadline) == runtime::park_result::timeout);
  CHECK(timer_clock::now() >= deadline);
  REQUIRE(::write(fds[1], "x", 1) == 1);
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  CHECK(t.get_wake_count() == 1);
  r.reset();
  ::close(fds[0]);
  ::close(fds[1]);
  in->get_unparker().unbind();
  in->release();
}

TEST_CASE("a post from another thread wakes the reactor parked in epoll_wait, and a last release "
          "stalls it",
          "[tokio_style][eventfd_unparker][threads]") {
  auto* in = new inbox;
  epoll_driver d;
  in->get_unparker().bind(d);
  in->retain();
  std::thread poster([in] {
    std::this_thread::sleep_for(10ms);
    in->post_wake(3);
    in->release();
  });
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  poster.join();
  runtime::remote_batch batch;
  CHECK(in->take(batch));
  CHECK(batch.tokens.size() == 1);

  in->retain();
  std::thread dropper([in] {
    std::this_thread::sleep_for(10ms);
    in->release();  // nothing posted: the reactor is now the only holder
  });
  runtime::park_result result = runtime::park_result::woken;
  // The release's unpark ends the epoll_wait; the next park sees the stall.
  for (int i = 0; i < 3 && result != runtime::park_result::stalled; ++i) {
    result = in->get_unparker().park(*in, std::nullopt);
  }
  CHECK(result == runtime::park_result::stalled);
  dropper.join();
  in->get_unparker().unbind();
  in->release();
}
