// reactors/ui_invoke/ui_handle.hpp: post, invoke and spawn from any thread, on both backends
// (this file is compiled twice: for the plain loop here, and with GENTASK_TEST_GLIB for the
// GLib backend in test_reactor_ui_invoke_glib). Exactly-once FIFO delivery on the UI thread from
// several producers; invoke inline on the UI thread; invoke from a worker blocks, returns the
// value and rethrows; post and invoke from inside a posted callback; calls after stop; an
// invoke waiting when the reactor stops; spawn from a worker.
#include <gentask/futures/lazy.hpp>
#include <gentask/futures/poll_fn.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/ui_invoke/reactor.hpp>
#include <gentask/reactors/ui_invoke/ui_handle.hpp>
#include <gentask/time/sleep.hpp>
#ifdef GENTASK_TEST_GLIB
#include <gentask/reactors/ui_invoke/glib_reactor.hpp>
#define UI_REACTORS ui_invoke::glib_reactor
#else
#define UI_REACTORS ui_invoke::reactor
#endif

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace gentask;
using namespace std::chrono_literals;

namespace {
/// A root future ready once `done()` holds, looking again every millisecond (a timer: no wake
/// from the test's threads is needed).
template <class Pred>
auto poll_until(Pred done) {
  return poll_fn<unit, never>(
      [done = std::move(done), nap = std::optional<sleep_future>()](auto& task) mutable
      -> poll_result<unit, never> {
        for (;;) {
          if (done()) return ready_value{};
          if (!nap) nap.emplace(sleep_for(1ms));
          if (nap->poll(task).is_pending()) return pending;
          nap.reset();
        }
      });
}
}  // namespace

TEMPLATE_TEST_CASE("posts from several threads each run once on the UI thread, in order per "
                   "producer",
                   "[ui_invoke][ui_handle][threads]", UI_REACTORS) {
  TestType r;
  auto h = r.get_ui_handle();
  constexpr int producers = 4;
  constexpr int per_producer = 500;
  const auto ui = std::this_thread::get_id();
  std::vector<std::pair<int, int>> seen;  // the UI thread's only
  bool off_ui = false;
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([h, p, ui, &seen, &off_ui, &refused] {
      for (int i = 0; i < per_producer; ++i) {
        const auto e = h.post([p, i, ui, &seen, &off_ui] {
          off_ui = off_ui || std::this_thread::get_id() != ui;
          seen.emplace_back(p, i);
        });
        if (e) ++refused;
      }
    });
  }
  REQUIRE(r.block_on(poll_until([&] { return seen.size() == producers * per_producer; }))
              .is_ready());
  for (auto& t : threads) t.join();
  r.run_until_idle();  // nothing more may come
  CHECK(seen.size() == producers * per_producer);
  CHECK(refused == 0);
  CHECK_FALSE(off_ui);
  std::vector<int> next(producers, 0);
  bool in_order = true;
  for (const auto& [p, i] : seen) in_order = in_order && i == next[p]++;
  CHECK(in_order);
}

TEMPLATE_TEST_CASE("invoke on the UI thread runs inline: outside the loop, in a task and in a "
                   "posted callback",
                   "[ui_invoke][ui_handle]", UI_REACTORS) {
  TestType r;
  auto h = r.get_ui_handle();
  CHECK(h.is_ui_thread());
  CHECK(h.invoke([] { return 1; }) == 1);
  bool in_task = false;
  REQUIRE(r.block_on(lazy([&] {
               bool ran = false;
               const int x = h.invoke([&] {
                 ran = true;
                 return 2;
               });
               in_task = ran && x == 2;
             }))
              .is_ready());
  CHECK(in_task);
  bool in_post = false;
  REQUIRE_FALSE(h.post([&] {
    bool ran = false;
    h.invoke([&] { ran = true; });
    in_post = ran;
  }));
  r.run_until_idle();
  CHECK(in_post);
}

TEMPLATE_TEST_CASE("invoke from a worker blocks until the UI thread ran it, and returns its "
                   "value or rethrows its exception",
                   "[ui_invoke][ui_handle][threads]", UI_REACTORS) {
  TestType r;
  auto h = r.get_ui_handle();
  const auto ui = std::this_thread::get_id();
  std::atomic<bool> finished{false};
  std::thread::id ran_on;
  int value = 0;
  bool void_ran = false;
  std::string error;
  std::thread worker([&] {
    CHECK_FALSE(h.is_ui_thread());
    value = h.invoke([&] {
      ran_on = std::this_thread::get_id();
      return 42;
    });
    h.invoke([&] { void_ran = true; });
    try {
      h.invoke([]() -> int { throw std::runtime_error("from fn"); });
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    finished = true;
  });
  REQUIRE(r.block_on(poll_until([&] { return finished.load(); })).is_ready());
  worker.join();
  CHECK(value == 42);
  CHECK(ran_on == ui);
  CHECK(void_ran);
  CHECK(error == "from fn");
  CHECK(r.get_unobserved_exception_count() == 0);  // invoke's exception is the caller's
}

TEMPLATE_TEST_CASE("a posted callback may post (queued after it) and invoke (inline)",
                   "[ui_invoke][ui_handle]", UI_REACTORS) {
  TestType r;
  auto h = r.get_ui_handle();
  std::string order;
  REQUIRE_FALSE(h.post([&] {
    order += "a<";
    REQUIRE_FALSE(h.post([&] { order += "b"; }));
    h.invoke([&] { order += "c"; });
    order += ">";
  }));
  r.run_until_idle();
  CHECK(order == "a<c>b");
}

TEMPLATE_TEST_CASE("after the reactor stops, post, invoke and spawn are refused and never block",
                   "[ui_invoke][ui_handle][threads]", UI_REACTORS) {
  std::optional<TestType> r(std::in_place);
  auto h = r->get_ui_handle();
  const auto check_refused = [&h] {
    CHECK(h.post([] {}) == ui_invoke::errc::stopped);
    CHECK_THROWS_AS(h.invoke([] { return 1; }), ui_invoke::stopped_error);
    std::thread worker([h]() mutable {
      CHECK(h.post([] {}) == ui_invoke::errc::stopped);
      CHECK_THROWS_AS(h.invoke([] { return 1; }), ui_invoke::stopped_error);
      auto spawned = h.spawn(ready(7));
      CHECK_FALSE(spawned.is_spawned());
      CHECK(h.spawn_detached(ready(7)) == ui_invoke::errc::stopped);
    });
    worker.join();
  };
  r->shutdown();
  check_refused();
  r.reset();
  check_refused();
}

TEMPLATE_TEST_CASE("an invoke waiting when the reactor stops throws stopped_error",
                   "[ui_invoke][ui_handle][threads]", UI_REACTORS) {
  std::optional<TestType> r(std::in_place);
  auto h = r->get_ui_handle();
  std::atomic<int> outcome{0};
  std::thread worker([&] {
    try {
      (void)h.invoke([] { return 1; });
      outcome = 1;
    } catch (const ui_invoke::stopped_error& e) {
      outcome = e.code() == ui_invoke::errc::stopped ? 2 : 3;
    }
  });
  while (!r->get_inbox().is_nonempty()) std::this_thread::yield();  // the invoke is queued
  r.reset();  // nobody ran the loop: the queued call is discarded, and the worker told so
  worker.join();
  CHECK(outcome == 2);
}

TEMPLATE_TEST_CASE("a worker spawns onto the UI reactor and its task runs on the UI thread",
                   "[ui_invoke][ui_handle][threads]", UI_REACTORS) {
  TestType r;
  auto h = r.get_ui_handle();
  const auto ui = std::this_thread::get_id();
  std::optional<remote_join_handle<bool, never>> joined;
  std::thread worker([&] {
    auto spawned = h.spawn(lazy([ui] { return std::this_thread::get_id() == ui; }));
    REQUIRE(spawned.is_spawned());
    joined.emplace(std::move(spawned).get_handle());
  });
  worker.join();
  auto result = r.block_on(std::move(*joined));
  REQUIRE(result.is_ready());
  CHECK(result.get_value());
}

TEMPLATE_TEST_CASE("a worker's detached spawn runs on the UI thread after the posts before it",
                   "[ui_invoke][ui_handle][threads]", UI_REACTORS) {
  TestType r;
  auto h = r.get_ui_handle();
  const auto ui = std::this_thread::get_id();
  std::string order;
  bool on_ui = false;
  std::thread worker([&] {
    REQUIRE_FALSE(h.post([&] { order += "p"; }));
    REQUIRE_FALSE(h.spawn_detached(lazy([&] {
      on_ui = std::this_thread::get_id() == ui;
      order += "s";
    })));
  });
  worker.join();  // the spawn request is queued: dropping nothing cancels it
  REQUIRE(r.block_on(poll_until([&] { return order.size() == 2; })).is_ready());
  CHECK(order == "ps");
  CHECK(on_ui);
}
