// Composing and polling a tree of combinators allocates nothing (boxed aside).
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/fuse.hpp>
#include <gentask/futures/join.hpp>
#include <gentask/futures/lazy.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/futures/map_err.hpp>
#include <gentask/futures/or_else.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/futures/select.hpp>
#include <gentask/futures/then.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

using namespace gentask;
using namespace gentask::test;

namespace {
auto make_tree() {
  return join(yield_now(1) | and_then([](int x) { return yield_now(x + 1); }) |
                  gentask::map([](int x) { return x * 2; }),
              gentask::select(never_ready<int>{}, yield_now(5)),
              lazy([] { return yield_now(3); }) | or_else([](never) { return ready(0); }) |
                  then([](poll_result<int, never> r) { return ready(r.get_value()); }) | fuse()) |
         map_err([](never) { return 0; });
}
}  // namespace

TEST_CASE("composing and polling a combinator tree allocates nothing",
          "[combinators][allocations]") {
  counting_task task;
  allocation_counter allocs;
  auto tree = make_tree();
  int polls = 0;
  poll_result_t<decltype(tree)> r;
  while ((r = tree.poll(task)).is_pending()) ++polls;
  CHECK(polls == 2);
  CHECK(std::get<0>(r.get_value()) == 4);
  CHECK(allocs.get_count() == 0);
}

TEST_CASE("block_on on a warm local reactor allocates nothing for a combinator tree",
          "[combinators][allocations][reactor]") {
  local::reactor reactor;
  (void)reactor.block_on(make_tree());  // warm-up
  allocation_counter allocs;
  auto r = reactor.block_on(make_tree());
  CHECK(r.is_ready());
  CHECK(allocs.get_count() == 0);
}
