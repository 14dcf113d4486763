#include <gentask/ambient/join_handle.hpp>

#include "leaves.hpp"

#include <gentask/reactors/ambient/reactor.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace gentask;
using namespace gentask::test::ambient_leaves;

namespace {

/// Spawns `n` children through the reactor it holds, then joins them in order; ready with the
/// sum (the ambient design's spawn_complete).
struct spawn_and_join {
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = std::string;
  ambient::reactor* reactor;
  int n;
  std::vector<ambient::join_handle<int, std::string>> handles{};
  std::size_t joined = 0;
  int sum = 0;
  poll_result<int, std::string> poll() {
    if (handles.empty()) {
      for (int i = 0; i < n; ++i) handles.push_back(reactor->spawn(yield_leaf{i, i % 3}));
    }
    while (joined < handles.size()) {
      auto r = handles[joined].poll();
      if (r.is_pending()) return pending;
      sum += r.get_value();
      ++joined;
    }
    return ready_value{sum};
  }
};

}  // namespace

TEST_CASE("an ambient join handle joins a spawned task without a task passed",
          "[ambient][join_handle]") {
  STATIC_REQUIRE(ambient::ambient_future<ambient::join_handle<int, std::string>>);
  ambient::reactor reactor;
  auto r = reactor.block_on(spawn_and_join{&reactor, 10});
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 45);
  CHECK(reactor.get_task_count() == 0);
}

TEST_CASE("dropping an ambient join handle cancels its task", "[ambient][join_handle]") {
  ambient::reactor reactor;
  {
    auto handle = reactor.spawn(forgetful_leaf{});  // pending for good
    CHECK(reactor.run_until_idle() == 1);
    CHECK(reactor.get_task_count() == 1);
  }
  CHECK(reactor.get_task_count() == 0);  // destroyed on the drop, on this thread
}

TEST_CASE("an ambient join handle polled outside a task throws no_current_task",
          "[ambient][join_handle]") {
  ambient::reactor reactor;
  auto handle = reactor.spawn(yield_leaf{1, 5});
  CHECK_THROWS_AS(handle.poll(), ambient::no_current_task);  // pending: it asks for its task
}
