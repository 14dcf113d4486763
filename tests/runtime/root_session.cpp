#include <gentask/runtime/root_session.hpp>

#include <gentask/storage/open_group_map.hpp>

#include "runtime/bare_reactor.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>

using namespace gentask;
using namespace gentask::test;

namespace {

/// Pending until woken through the waker it hands out; records its polls.
struct hand_out {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::shared_ptr<waker> out;
  int polls = 0;
  template <task Task>
  poll_result<int, never> poll(Task& task) {
    if (++polls == 1) {
      *out = task.get_waker();
      return pending;
    }
    return ready_value{polls};
  }
};

}  // namespace

TEST_CASE("a root session polls its root only when woken, and counts each poll a tick",
          "[runtime][root_session]") {
  bare_scheduler<open_map_storage> s("bare");
  auto w = std::make_shared<waker>();
  hand_out root{w};
  runtime::root_session<bare_scheduler<open_map_storage>> session(s);
  CHECK(session.is_woken());  // the root starts woken
  CHECK(session.poll(root).is_pending());
  CHECK(s.get_poll_count() == 1);
  CHECK_FALSE(session.is_woken());
  CHECK(session.poll(root).is_pending());  // not woken: not polled
  CHECK(root.polls == 1);
  w->wake();
  w->wake();  // coalesced
  CHECK(session.is_woken());
  auto r = session.poll(root);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 2);
  CHECK(s.get_poll_count() == 2);
}

TEST_CASE("a second root session is refused while one is open, and old roots' wakes do nothing",
          "[runtime][root_session]") {
  bare_scheduler<open_map_storage> s("bare");
  auto w = std::make_shared<waker>();
  {
    runtime::root_session<bare_scheduler<open_map_storage>> first(s);
    hand_out root{w};
    CHECK(first.poll(root).is_pending());
    try {
      runtime::root_session<bare_scheduler<open_map_storage>> second(s);
      FAIL("a nested session opened");
    } catch (const std::logic_error& e) {
      CHECK(std::string(e.what()) == "bare::block_on: not reentrant");
    }
  }
  runtime::root_session<bare_scheduler<open_map_storage>> next(s);
  auto polls = std::make_shared<waker>();
  hand_out root{polls};
  CHECK(next.poll(root).is_pending());
  w->wake();  // the first session's root: another generation
  CHECK_FALSE(next.is_woken());
  polls->wake();
  CHECK(next.is_woken());
}
