#include <gentask/runtime/waking.hpp>

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/spawn/spawn.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/open_group_map.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace gentask;

namespace {

using atomic_reactor = local::atomic_waking_reactor<open_map_storage>;
using atomic_boxed_reactor = local::atomic_waking_reactor<boxed_storage>;

/// Where a task leaves its waker for another thread, and how often it was polled.
struct mailbox {
  std::mutex mutex;
  std::optional<waker> slot;
  std::atomic<int> polls{0};
  std::atomic<int> wanted{1};
};

/// Pending until it has been polled `box->wanted` times; each poll leaves a fresh copy of its
/// waker in the mailbox.
class mailbox_task {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  explicit mailbox_task(mailbox* box) noexcept : box_(box) {}

  template <task Task>
  poll_result<int, never> poll(Task& task) {
    const int n = ++box_->polls;
    if (n >= box_->wanted) return ready_value{n};
    std::scoped_lock lock(box_->mutex);
    box_->slot = task.get_waker();
    return pending;
  }

 private:
  mailbox* box_;
};

/// Takes the waker out of the mailbox once one is there.
waker take_waker(mailbox& box) {
  for (;;) {
    {
      std::scoped_lock lock(box.mutex);
      if (box.slot) {
        waker w = std::move(*box.slot);
        box.slot.reset();
        return w;
      }
    }
    std::this_thread::yield();
  }
}

}  // namespace

TEST_CASE("the waking policies model waking_policy, and nothing else does",
          "[runtime][waking]") {
  STATIC_REQUIRE(runtime::waking_policy<runtime::local_waking>);
  STATIC_REQUIRE(runtime::waking_policy<runtime::atomic_waking>);
  STATIC_REQUIRE_FALSE(runtime::waking_policy<int>);
  STATIC_REQUIRE_FALSE(runtime::waking_policy<open_map_storage>);
  STATIC_REQUIRE_FALSE(runtime::local_waking::thread_safe);
  STATIC_REQUIRE(runtime::atomic_waking::thread_safe);
  STATIC_REQUIRE(std::is_same_v<local::reactor::waking_type, runtime::local_waking>);
  STATIC_REQUIRE(std::is_same_v<atomic_reactor::waking_type, runtime::atomic_waking>);
}

TEST_CASE("with atomic waking, a task's own waker wakes it from another thread",
          "[runtime][waking][threads]") {
  atomic_reactor reactor;
  auto box = std::make_shared<mailbox>();
  box->wanted = 50;
  std::thread waker_thread([box] {
    for (int i = 1; i < 50; ++i) take_waker(*box).wake();  // woken, then dropped, off-thread
  });
  // The root awaits the task; every wake comes from the other thread, through the inbox.
  auto result = reactor.block_on(
      [&reactor, box] { return reactor.spawn(mailbox_task(box.get())); }());
  waker_thread.join();
  REQUIRE(result.is_ready());
  CHECK(result.get_value() == 50);
  CHECK(box->polls == 50);
}

TEST_CASE("with atomic waking, wakers copied and dropped on many threads keep the count right",
          "[runtime][waking][threads]") {
  std::optional<waker> kept;
  {
    atomic_boxed_reactor reactor;
    mailbox box;
    box.wanted = 2;
    auto handle = reactor.spawn(mailbox_task(&box));
    reactor.run_until_idle();
    waker w = take_waker(box);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&w] {
        for (int i = 0; i < 1000; ++i) {
          waker copy = w;  // an atomic increment, then a decrement, on this thread
          (void)copy;
        }
      });
    }
    for (auto& t : threads) t.join();
    w.wake();  // on the reactor's thread: linked into the ready list directly
    CHECK(reactor.run_until_idle() == 1);
    CHECK(box.polls == 2);
    kept = w;  // outlives the reactor
  }
  // The reactor is gone: the waker wakes nothing, from this thread or another.
  kept->wake();
  std::thread([w = *kept] { w.wake(); }).join();
  kept.reset();
  SUCCEED("no crash, no leak (the sanitizers check the anchor and the inbox)");
}

TEST_CASE("with atomic waking, a wake from another thread after its task ended does nothing",
          "[runtime][waking][threads]") {
  atomic_reactor reactor;
  mailbox box;
  box.wanted = 2;
  auto handle = reactor.spawn(mailbox_task(&box));
  reactor.run_until_idle();
  waker w = take_waker(box);
  w.wake();
  reactor.run_until_idle();
  REQUIRE(box.polls == 2);
  std::thread([&w] { w.wake(); }).join();  // a stale token in the inbox
  CHECK(reactor.run_until_idle() == 0);
  CHECK(box.polls == 2);
}
