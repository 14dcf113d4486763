// Wakes that cross threads: remote_waker sent to other threads, woken while the reactor sleeps,
// dropped there, and outliving the reactor. Run under TSan (label `threads`).
#include <gentask/reactors/local/reactor.hpp>

#include <gentask/futures/ready.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace gentask;
using namespace std::chrono_literals;

namespace {

/// Pending until `target` wakes have been counted; publishes its remote_waker once.
struct wait_for_count {
  using future_concept = future_tag;
  using item_type = std::uint64_t;
  using error_type = never;
  std::atomic<std::uint64_t>* count;
  std::uint64_t target;
  std::atomic<remote_waker*>* publish;
  std::optional<remote_waker> handle;
  std::uint64_t polls = 0;

  template <remote_waking_task Task>
  poll_result<std::uint64_t, never> poll(Task& task) {
    ++polls;
    if (count->load(std::memory_order_acquire) >= target) {
      return ready_value{polls};
    }
    if (!handle) {
      handle.emplace(task.get_remote_waker());
      publish->store(&*handle, std::memory_order_release);
    }
    return pending;
  }
};

remote_waker* await_handle(std::atomic<remote_waker*>& publish) {
  remote_waker* w = nullptr;
  while ((w = publish.load(std::memory_order_acquire)) == nullptr) std::this_thread::yield();
  return w;
}

/// Hands a copy of its remote_waker to a shared slot and stays pending until told.
struct hand_out {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  std::shared_ptr<std::optional<remote_waker>> slot;
  std::shared_ptr<std::atomic<bool>> ready_flag;
  template <remote_waking_task Task>
  poll_result<unit, never> poll(Task& task) {
    if (ready_flag->load(std::memory_order_acquire)) return ready_value{};
    if (!slot->has_value()) slot->emplace(task.get_remote_waker());
    return pending;
  }
};

}  // namespace

TEST_CASE("a remote_waker woken from another thread wakes a sleeping block_on",
          "[reactor][local][threads]") {
  local::reactor reactor;
  std::atomic<std::uint64_t> count{0};
  std::atomic<remote_waker*> publish{nullptr};
  std::thread waker_thread([&] {
    remote_waker* w = await_handle(publish);
    remote_waker copy = *w;  // copied here, dropped here
    std::this_thread::sleep_for(5ms);
    count.store(1, std::memory_order_release);
    copy.wake();
  });
  auto r = reactor.block_on(wait_for_count{&count, 1, &publish, std::nullopt});
  waker_thread.join();
  REQUIRE(r.is_ready());
  CHECK(r.get_value() >= 2);
}

TEST_CASE("wakes from several threads are coalesced and none is lost",
          "[reactor][local][threads]") {
  constexpr int threads = 4;
  constexpr std::uint64_t per_thread = 5000;
  local::reactor reactor;
  std::atomic<std::uint64_t> count{0};
  std::atomic<remote_waker*> publish{nullptr};
  std::vector<std::thread> wakers;
  for (int t = 0; t < threads; ++t) {
    wakers.emplace_back([&] {
      remote_waker w = *await_handle(publish);
      for (std::uint64_t i = 0; i < per_thread; ++i) {
        count.fetch_add(1, std::memory_order_release);
        w.wake();
      }
    });
  }
  auto r = reactor.block_on(wait_for_count{&count, threads * per_thread, &publish, std::nullopt});
  for (auto& t : wakers) t.join();
  REQUIRE(r.is_ready());
  CHECK(r.get_value() <= threads * per_thread + 1);
}

TEST_CASE("dropping the last remote_waker on another thread ends a stalled block_on",
          "[reactor][local][threads]") {
  local::reactor reactor;
  auto slot = std::make_shared<std::optional<remote_waker>>();
  auto flag = std::make_shared<std::atomic<bool>>(false);
  std::atomic<bool> taken{false};
  std::thread dropper([&] {
    while (!taken.load(std::memory_order_acquire)) std::this_thread::yield();
    std::this_thread::sleep_for(5ms);
    slot->reset();  // the only remote handle goes away without a wake
  });
  struct watch {
    using future_concept = future_tag;
    using item_type = unit;
    using error_type = never;
    hand_out inner;
    std::atomic<bool>* taken;
    poll_result<unit, never> poll(local::reactor::task_type& task) {
      auto r = inner.poll(task);
      taken->store(true, std::memory_order_release);
      return r;
    }
  };
  CHECK_THROWS_AS(reactor.block_on(watch{hand_out{slot, flag}, &taken}), runtime::stalled);
  dropper.join();
}

TEST_CASE("remote_wakers outlive their reactor and wake nothing from other threads",
          "[reactor][local][threads]") {
  auto slot = std::make_shared<std::optional<remote_waker>>();
  auto flag = std::make_shared<std::atomic<bool>>(false);
  std::atomic<bool> stop{false};
  std::thread hammer;
  {
    local::reactor reactor;
    reactor.spawn_detached(hand_out{slot, flag});
    reactor.run_until_idle();
    REQUIRE(slot->has_value());
    remote_waker copy = **slot;
    hammer = std::thread([copy = std::move(copy), &stop] {
      while (!stop.load(std::memory_order_acquire)) copy.wake();
      copy.wake();  // after the reactor is gone
    });
    // No run_until_idle here: with wakes arriving without pause the reactor is never idle.
    // Wakes pile up in the inbox, then the reactor is destroyed while they keep coming.
    std::this_thread::sleep_for(2ms);
  }  // destroyed while the other thread keeps waking
  std::this_thread::sleep_for(2ms);
  stop.store(true, std::memory_order_release);
  hammer.join();
  slot->reset();
}

TEST_CASE("a reactor refuses block_on and spawn from another thread", "[reactor][local][threads]") {
  local::reactor reactor;
  bool refused_block_on = false;
  bool refused_spawn = false;
  std::thread other([&] {
    try {
      (void)reactor.block_on(ready(1));
    } catch (const std::logic_error&) {
      refused_block_on = true;
    }
    try {
      reactor.spawn_detached(ready(1));
    } catch (const std::logic_error&) {
      refused_spawn = true;
    }
  });
  other.join();
  CHECK(refused_block_on);
  CHECK(refused_spawn);
  CHECK(reactor.get_task_count() == 0);
}
