// The failure modes the 2017 essay names, in both designs side by side: gentask's explicit task
// (`poll(Task&)`, capabilities in the task's type) and the replay of the thread-local design
// (include/gentask/ambient/). NOTES.md section 13 states the verdicts these tests hold.
//
//   polling outside a task   explicit: does not compile (compile_fail.poll_without_a_task);
//                            replay: compiles, throws `no_current_task` from the first leaf.
//   I/O on a reactor without explicit: does not compile (compile_fail.io_future_on_plain_task,
//   an I/O driver            tcp_stream_on_local_reactor); replay: compiles and waits for a
//                            driver nobody turns: `stalled` if nothing else can wake the
//                            reactor, otherwise a silent wait.
//   a leaf that forgets to   neither design can tell at compile time; both reactors say
//   register                 `stalled` once nothing else can wake them, and wait silently
//                            while anything else runs.
#include <gentask/ambient/and_then.hpp>
#include <gentask/ambient/current_task.hpp>
#include <gentask/ambient/future.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/reactors/ambient/reactor.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/runtime/stalled.hpp>

#include "leaves.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <unordered_map>

using namespace gentask;
using namespace gentask::test::ambient_leaves;

namespace {

template <class F>
concept pollable_without_a_task = requires(F& f) { f.poll(); };

/// A 2017 I/O core (tokio-core's `Core`): an epoll instance; `turn()` wakes the tasks whose
/// descriptors became readable. An I/O object is bound to it at construction (tokio-core's
/// `&Handle`), and only the loop that owns it turns it.
class io_core {
 public:
  io_core() : epfd_(::epoll_create1(EPOLL_CLOEXEC)) { REQUIRE(epfd_ >= 0); }
  io_core(const io_core&) = delete;
  io_core& operator=(const io_core&) = delete;
  ~io_core() { ::close(epfd_); }

  /// Wakes `w` (once) when `fd` is readable, at a later `turn()`.
  void register_readable(int fd, waker w) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.fd = fd;
    if (::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
      REQUIRE(::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0);
    }
    waiters_[fd] = std::move(w);
  }
  [[nodiscard]] bool is_ready(int fd) const { return ready_.count(fd) != 0; }

  /// One turn of the loop, without blocking: marks and wakes what is readable.
  int turn() {
    epoll_event evs[8];
    const int n = ::epoll_wait(epfd_, evs, 8, 0);
    for (int i = 0; i < n; ++i) {
      const int fd = evs[i].data.fd;
      ready_[fd] = true;
      auto it = waiters_.find(fd);
      if (it != waiters_.end()) {
        waker w = std::move(it->second);
        waiters_.erase(it);
        w.wake();
      }
    }
    return n;
  }

 private:
  int epfd_;
  std::unordered_map<int, waker> waiters_;
  std::unordered_map<int, bool> ready_;
};

/// An ambient I/O leaf: ready once its core saw `fd` readable; pending, it registers the
/// current task with its core. Nothing in its type says it needs a turning core.
struct readable_leaf {
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = std::string;
  io_core* core;
  int fd;
  poll_result<int, std::string> poll() {
    if (core->is_ready(fd)) return ready_value{fd};
    core->register_readable(fd, ambient::current_task());
    return pending;
  }
};

struct event_fd {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  event_fd() { REQUIRE(fd >= 0); }
  event_fd(const event_fd&) = delete;
  event_fd& operator=(const event_fd&) = delete;
  ~event_fd() { ::close(fd); }
  void signal() const {
    const std::uint64_t one = 1;
    REQUIRE(::write(fd, &one, sizeof one) == static_cast<ssize_t>(sizeof one));
  }
};

}  // namespace

TEST_CASE("polling outside a task: the explicit design cannot express it, the replay throws",
          "[ambient][failure_modes]") {
  // Explicit: `poll` needs the task (compile_fail.poll_without_a_task shows the diagnostic).
  STATIC_REQUIRE_FALSE(pollable_without_a_task<test::yield_now<int>>);
  STATIC_REQUIRE(pollable<test::yield_now<int>, local::reactor::task_type>);
  // Replay: the same call compiles, and the first leaf that asks for its task throws.
  STATIC_REQUIRE(pollable_without_a_task<yield_leaf>);
  auto chain = ambient::and_then(yield_leaf{1, 1}, [](int x) { return yield_leaf{x + 1, 0}; });
  CHECK_THROWS_AS(chain.poll(), ambient::no_current_task);
}

TEST_CASE("an I/O future on a reactor without an I/O driver: the explicit design does not "
          "compile it, the replay waits for a driver nobody turns",
          "[ambient][failure_modes]") {
  // Explicit: a future that needs I/O is not pollable on the local reactor's task
  // (compile_fail.io_future_on_plain_task and tcp_stream_on_local_reactor show the diagnostic).
  STATIC_REQUIRE_FALSE(pollable<test::needs_io, local::reactor::task_type>);

  io_core core;
  event_fd ev;
  ev.signal();  // the descriptor is readable before anything polls
  ambient::reactor reactor;

  SECTION("alone, the reactor finds nothing that could wake it and says stalled") {
    CHECK_THROWS_AS(reactor.block_on(readable_leaf{&core, ev.fd}), runtime::stalled);
  }
  SECTION("beside other work, it waits silently, though its descriptor is readable") {
    int polls = 0;
    reactor.spawn_detached(yield_leaf{0, 100, &polls});
    reactor.spawn_detached(readable_leaf{&core, ev.fd});
    reactor.run_until_idle();
    CHECK(polls == 101);                    // the other task ran to completion
    CHECK(reactor.get_task_count() == 1);  // the I/O task is still pending, and nothing said so
    // Only a turn of the core it was bound to (a loop this reactor does not have) wakes it.
    CHECK(core.turn() == 1);
    reactor.run_until_idle();
    CHECK(reactor.get_task_count() == 0);
  }
}

TEST_CASE("a leaf that forgets to register: neither design can tell at compile time, and both "
          "reactors say stalled once nothing else can wake them",
          "[ambient][failure_modes]") {
  SECTION("explicit") {
    local::reactor reactor;
    CHECK_THROWS_AS(reactor.block_on(test::never_ready<int, never>{}), runtime::stalled);
    // Beside other work, nothing is said until the reactor runs out of it.
    auto forgotten = reactor.spawn(test::never_ready<int, never>{});
    reactor.spawn_detached(test::yield_now<int>(1));
    reactor.run_until_idle();
    CHECK(reactor.get_task_count() == 1);
  }
  SECTION("replay") {
    ambient::reactor reactor;
    CHECK_THROWS_AS(reactor.block_on(forgetful_leaf{}), runtime::stalled);
    auto forgotten = reactor.spawn(forgetful_leaf{});
    reactor.spawn_detached(yield_leaf{1, 1});
    reactor.run_until_idle();
    CHECK(reactor.get_task_count() == 1);
  }
}
