// `runtime::blocking_eventfd_unparker` (blocking_eventfd_unparker.hpp): park and unpark through the
// inbox, on one thread and across threads, and the local reactor parked on it. The [threads] cases
// run under TSan.
#include <gentask/runtime/blocking_eventfd_unparker.hpp>

#include <gentask/reactors/local/reactor.hpp>
#include <gentask/runtime/stalled.hpp>
#include <gentask/storage/open_group_map.hpp>
#include <gentask/time/sleep.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

using namespace gentask;
using namespace std::chrono_literals;

namespace {

using inbox = runtime::basic_remote_inbox<runtime::blocking_eventfd_unparker>;

/// Parks until the inbox has handed over `n` tokens in all; returns how many parks said woken.
std::size_t take_tokens(inbox& in, std::size_t n) {
  runtime::remote_batch batch;
  std::size_t taken = 0;
  std::size_t woken = 0;
  while (taken < n) {
    if (in.get_unparker().park(in, std::nullopt) == runtime::park_result::woken) ++woken;
    if (in.take(batch)) {
      taken += batch.tokens.size();
      batch.tokens.clear();
    }
  }
  return woken;
}

/// Pending until `flag` is set; at its first poll, a thread sets it after `delay` and wakes
/// the task through its remote_waker.
struct woken_from_thread {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  std::atomic<bool>* flag;
  std::optional<std::thread>* worker;
  std::chrono::milliseconds delay;

  template <remote_waking_task Task>
  poll_result<unit, never> poll(Task& task) {
    if (flag->load(std::memory_order_acquire)) return ready_value{};
    if (!worker->has_value()) {
      worker->emplace([f = flag, w = task.get_remote_waker(), d = delay] {
        std::this_thread::sleep_for(d);
        f->store(true, std::memory_order_release);
        w.wake();
      });
    }
    return pending;
  }
};

/// Never ready, never wakes itself.
struct forever_pending {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  template <task Task>
  poll_result<unit, never> poll(Task&) {
    return pending;
  }
};

}  // namespace

TEST_CASE("blocking_eventfd_unparker models unparker",
          "[runtime][blocking_eventfd_unparker][concepts]") {
  STATIC_REQUIRE(runtime::unparker<runtime::blocking_eventfd_unparker>);
}

TEST_CASE(
    "blocking_eventfd_unparker: an unpark before park is not lost: park returns woken at once",
    "[runtime][blocking_eventfd_unparker]") {
  auto* in = new inbox;
  in->retain();  // someone else could still post
  in->post_wake(1);
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  // Still woken until the reactor takes what was posted.
  CHECK(in->get_unparker().park(*in, timer_clock::now() + 1h) == runtime::park_result::woken);
  in->release();
  in->release();
}

TEST_CASE(
    "blocking_eventfd_unparker: park returns stalled when the reactor holds the inbox's last "
    "reference",
    "[runtime][blocking_eventfd_unparker]") {
  auto* in = new inbox;
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::stalled);
  in->release();
}

TEST_CASE(
    "blocking_eventfd_unparker: park with a deadline returns timeout at the deadline, never "
    "stalled",
    "[runtime][blocking_eventfd_unparker]") {
  auto* in = new inbox;  // the last reference: without a deadline, this would be a stall
  const auto deadline = timer_clock::now() + 2ms;
  CHECK(in->get_unparker().park(*in, deadline) == runtime::park_result::timeout);
  CHECK(timer_clock::now() >= deadline);
  // A deadline already past returns at once.
  CHECK(in->get_unparker().park(*in, timer_clock::now() - 1s) == runtime::park_result::timeout);
  in->release();
}

TEST_CASE("blocking_eventfd_unparker: many unparks coalesce into one wake, and leave none behind",
          "[runtime][blocking_eventfd_unparker]") {
  auto* in = new inbox;
  in->retain();
  for (std::uint64_t i = 0; i < 100; ++i) in->post_wake(i);
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  runtime::remote_batch batch;
  REQUIRE(in->take(batch));
  CHECK(batch.tokens.size() == 100);
  // The 99 unparks after the first left no wake that reports a post: the next park sleeps to
  // its deadline.
  const auto deadline = timer_clock::now() + 2ms;
  CHECK(in->get_unparker().park(*in, deadline) == runtime::park_result::timeout);
  CHECK(timer_clock::now() >= deadline);
  in->release();
  in->release();
}

TEST_CASE(
    "blocking_eventfd_unparker: a post from another thread wakes a parked reactor, and a last "
    "release stalls it",
    "[runtime][blocking_eventfd_unparker][threads]") {
  auto* in = new inbox;
  in->retain();
  std::thread poster([in] {
    std::this_thread::sleep_for(5ms);
    in->post_wake(3);
    in->release();
  });
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  poster.join();
  runtime::remote_batch batch;
  CHECK(in->take(batch));

  in->retain();
  std::thread dropper([in] {
    std::this_thread::sleep_for(5ms);
    in->release();  // nothing posted: the reactor is now the only holder
  });
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::stalled);
  dropper.join();
  in->release();
}

TEST_CASE(
    "blocking_eventfd_unparker: a post from another thread ends a park with a deadline early, a "
    "far one too",
    "[runtime][blocking_eventfd_unparker][threads]") {
  auto* in = new inbox;
  in->retain();
  for (const time_point deadline : {timer_clock::now() + 1h, time_point::max()}) {
    std::thread poster([in] {
      std::this_thread::sleep_for(5ms);
      in->post_wake(1);
    });
    CHECK(in->get_unparker().park(*in, deadline) == runtime::park_result::woken);
    poster.join();
    runtime::remote_batch batch;
    CHECK(in->take(batch));
  }
  in->release();
  in->release();
}

TEST_CASE(
    "blocking_eventfd_unparker: unparks from several threads while parked coalesce, and none is "
    "lost",
    "[runtime][blocking_eventfd_unparker][threads]") {
  constexpr int threads = 4;
  constexpr std::size_t per_thread = 2000;
  auto* in = new inbox;
  std::vector<std::thread> posters;
  for (int t = 0; t < threads; ++t) {
    in->retain();
    posters.emplace_back([in, t] {
      for (std::size_t i = 0; i < per_thread; ++i) {
        in->post_wake(static_cast<std::uint64_t>(t));
        if (i % 64 == 0) std::this_thread::yield();
      }
      in->release();
    });
  }
  const std::size_t woken = take_tokens(*in, threads * per_thread);
  for (auto& p : posters) p.join();
  CHECK(woken <= threads * per_thread);
  // Every poster is gone: whatever they left behind is no post, and the park sees the stall.
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::stalled);
  in->release();
}

TEST_CASE(
    "blocking_eventfd_unparker: a post that races with the reactor going to sleep is never lost",
    "[runtime][blocking_eventfd_unparker][threads]") {
  // Ping-pong: the poster posts as soon as the reactor has taken the previous post, so posts
  // land before, during and after the reactor's check of the inbox and its sleep. A lost wake
  // hangs the test (ctest's TIMEOUT fails it).
  constexpr std::size_t rounds = 5000;
  auto* in = new inbox;
  in->retain();
  std::atomic<std::size_t> taken{0};
  std::thread poster([in, &taken] {
    for (std::size_t i = 0; i < rounds; ++i) {
      while (taken.load(std::memory_order_acquire) != i) {
      }
      in->post_wake(i);
    }
    in->release();
  });
  runtime::remote_batch batch;
  for (std::size_t i = 0; i < rounds; ++i) {
    while (!in->take(batch)) {
      REQUIRE(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
    }
    REQUIRE(batch.tokens.size() == 1);
    REQUIRE(batch.tokens.front() == i);
    batch.tokens.clear();
    taken.store(i + 1, std::memory_order_release);
  }
  poster.join();
  in->release();
}

TEST_CASE(
    "blocking_eventfd_unparker: a local reactor parked on it wakes from another thread, sleeps on "
    "timers and "
    "reports a stall",
    "[runtime][blocking_eventfd_unparker][reactor][threads]") {
  local::basic_reactor<open_map_storage, runtime::blocking_eventfd_unparker> reactor;
  std::atomic<bool> flag{false};
  std::optional<std::thread> worker;
  CHECK(reactor.block_on(woken_from_thread{&flag, &worker, 5ms}).is_ready());
  worker->join();

  const auto start = timer_clock::now();
  CHECK(reactor.block_on(sleep_for(3ms)).is_ready());
  CHECK(timer_clock::now() - start >= 3ms);

  CHECK_THROWS_AS(reactor.block_on(forever_pending{}), runtime::stalled);
}
