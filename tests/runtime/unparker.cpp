// The `runtime::unparker` concept (unparker.hpp): which types model it, and the contract every
// unparker states, once, over each of the library's own: `futex_unparker`,
// `blocking_eventfd_unparker` and `condvar_unparker` (park and unpark through the inbox, on one
// thread and across threads, and the local reactor parked on it). What only one of them states
// stays in its own file (futex_unparker.cpp, blocking_eventfd_unparker.cpp,
// condvar_unparker.cpp). The [threads] cases run under TSan.
#include <gentask/runtime/unparker.hpp>

#include <gentask/reactors/local/reactor.hpp>
#include <gentask/runtime/blocking_eventfd_unparker.hpp>
#include <gentask/runtime/condvar_unparker.hpp>
#include <gentask/runtime/futex_unparker.hpp>
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

struct only_unpark {
  void unpark() noexcept {}
};
struct throwing_unpark {
  void unpark() {}
  runtime::park_result park(runtime::basic_remote_inbox<throwing_unpark>&,
                            std::optional<time_point>) {
    return runtime::park_result::woken;
  }
};
struct spin_unparker {
  void unpark() noexcept {}
  runtime::park_result park(runtime::basic_remote_inbox<spin_unparker>& in,
                            std::optional<time_point>) {
    while (!in.is_nonempty() && !in.is_last_reference()) {
    }
    return in.is_nonempty() ? runtime::park_result::woken : runtime::park_result::stalled;
  }
};

/// Parks until the inbox has handed over `n` tokens in all; returns how many parks said woken.
template <class Unparker>
std::size_t take_tokens(runtime::basic_remote_inbox<Unparker>& in, std::size_t n) {
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

// The library's unparkers that park a thread (the tokio-style reactor's `eventfd_unparker` and
// the UI-invoke reactor's are tested with their reactors).
#define UNPARKERS \
  runtime::futex_unparker, runtime::blocking_eventfd_unparker, runtime::condvar_unparker

TEST_CASE("unparker holds for types that unpark without throwing and park on an inbox",
          "[runtime][unparker][concepts]") {
  STATIC_REQUIRE(runtime::unparker<runtime::condvar_unparker>);
  STATIC_REQUIRE(runtime::unparker<spin_unparker>);
  STATIC_REQUIRE_FALSE(runtime::unparker<only_unpark>);      // cannot park
  STATIC_REQUIRE_FALSE(runtime::unparker<throwing_unpark>);  // unpark may throw
  STATIC_REQUIRE_FALSE(runtime::unparker<int>);
}

TEST_CASE("a user-defined unparker drives park through the inbox", "[runtime][unparker]") {
  auto* in = new runtime::basic_remote_inbox<spin_unparker>;
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::stalled);
  in->post_wake(1);
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  in->release();
}

TEMPLATE_TEST_CASE("an unpark before park is not lost: park returns woken at once",
                   "[runtime][unparker]", UNPARKERS) {
  auto* in = new runtime::basic_remote_inbox<TestType>;
  in->retain();  // someone else could still post
  in->post_wake(1);
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  // Still woken until the reactor takes what was posted.
  CHECK(in->get_unparker().park(*in, timer_clock::now() + 1h) == runtime::park_result::woken);
  in->release();
  in->release();
}

TEMPLATE_TEST_CASE("park returns stalled when the reactor holds the inbox's last reference",
                   "[runtime][unparker]", UNPARKERS) {
  auto* in = new runtime::basic_remote_inbox<TestType>;
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::stalled);
  in->release();
}

TEMPLATE_TEST_CASE("park with a deadline returns timeout at the deadline, never stalled",
                   "[runtime][unparker]", UNPARKERS) {
  // The last reference: without a deadline, this would be a stall.
  auto* in = new runtime::basic_remote_inbox<TestType>;
  for (const auto delay : {1ms, 2ms}) {
    const auto deadline = timer_clock::now() + delay;
    CHECK(in->get_unparker().park(*in, deadline) == runtime::park_result::timeout);
    CHECK(timer_clock::now() >= deadline);
  }
  // A deadline already past returns at once.
  CHECK(in->get_unparker().park(*in, timer_clock::now() - 1s) == runtime::park_result::timeout);
  in->release();
}

TEMPLATE_TEST_CASE("many unparks coalesce into one wake, and leave none behind",
                   "[runtime][unparker]", UNPARKERS) {
  auto* in = new runtime::basic_remote_inbox<TestType>;
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

TEMPLATE_TEST_CASE(
    "a post from another thread wakes a parked reactor, and a last release stalls it",
    "[runtime][unparker][threads]", UNPARKERS) {
  auto* in = new runtime::basic_remote_inbox<TestType>;
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

TEMPLATE_TEST_CASE("a post from another thread ends a park with a deadline early, a far one too",
                   "[runtime][unparker][threads]", UNPARKERS) {
  auto* in = new runtime::basic_remote_inbox<TestType>;
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

TEMPLATE_TEST_CASE("unparks from several threads while parked coalesce, and none is lost",
                   "[runtime][unparker][threads]", UNPARKERS) {
  constexpr int threads = 4;
  constexpr std::size_t per_thread = 2000;
  auto* in = new runtime::basic_remote_inbox<TestType>;
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

TEMPLATE_TEST_CASE("a post that races with the reactor going to sleep is never lost",
                   "[runtime][unparker][threads]", UNPARKERS) {
  // Ping-pong: the poster posts as soon as the reactor has taken the previous post, so posts
  // land before, during and after the reactor's check of the inbox and its sleep. A lost wake
  // hangs the test (ctest's TIMEOUT fails it).
  constexpr std::size_t rounds = 5000;
  auto* in = new runtime::basic_remote_inbox<TestType>;
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

TEMPLATE_TEST_CASE(
    "a local reactor parked on it wakes from another thread, sleeps on timers and reports a stall",
    "[runtime][unparker][reactor][threads]", UNPARKERS) {
  local::basic_reactor<open_map_storage, TestType> reactor;
  std::atomic<bool> flag{false};
  std::optional<std::thread> worker;
  CHECK(reactor.block_on(woken_from_thread{&flag, &worker, 5ms}).is_ready());
  worker->join();

  const auto start = timer_clock::now();
  CHECK(reactor.block_on(sleep_for(3ms)).is_ready());
  CHECK(timer_clock::now() - start >= 3ms);

  CHECK_THROWS_AS(reactor.block_on(forever_pending{}), runtime::stalled);
}
