#include <gentask/ambient/futures_unordered.hpp>

#include "leaves.hpp"

#include <gentask/reactors/ambient/reactor.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

using namespace gentask;
using namespace gentask::test::ambient_leaves;

namespace {

/// Drains a set into `out` in completion order; ready once the set is empty. Errors are recorded
/// as -1.
struct drain {
  using future_concept = ambient::ambient_future_tag;
  using item_type = std::size_t;
  using error_type = std::string;
  ambient::futures_unordered<yield_leaf>* set;
  std::vector<int>* out;
  int* parent_polls;
  poll_result<std::size_t, std::string> poll() {
    ++*parent_polls;
    for (;;) {
      auto r = set->poll_next();
      if (r.is_pending()) return pending;
      if (r.is_failed()) {
        out->push_back(-1);
        continue;
      }
      auto item = std::move(r).get_value();
      if (!item) return ready_value{out->size()};
      out->push_back(*item);
    }
  }
};

}  // namespace

TEST_CASE("an ambient futures_unordered yields its children in completion order",
          "[ambient][futures_unordered]") {
  ambient::reactor reactor;
  ambient::futures_unordered<yield_leaf> set;
  std::vector<int> polls(4, 0);
  for (int i = 0; i < 4; ++i) set.push(yield_leaf{i, 3 - i, &polls[static_cast<std::size_t>(i)]});
  std::vector<int> out;
  int parent_polls = 0;
  auto r = reactor.block_on(drain{&set, &out, &parent_polls});
  REQUIRE(r.is_ready());
  CHECK(out == std::vector<int>{3, 2, 1, 0});
  // A child's wake re-polls that child only: each polled its pending rounds plus one.
  CHECK(polls == std::vector<int>{4, 3, 2, 1});
  CHECK(set.empty());
}

TEST_CASE("a child's wake goes through its own handle, swapped in around its poll",
          "[ambient][futures_unordered]") {
  ambient::reactor reactor;
  ambient::futures_unordered<yield_leaf> set;
  int quiet_polls = 0;
  int busy_polls = 0;
  set.push(yield_leaf{1, 0, &quiet_polls});   // ready at once
  set.push(yield_leaf{2, 50, &busy_polls});  // wakes itself 50 times
  std::vector<int> out;
  int parent_polls = 0;
  (void)reactor.block_on(drain{&set, &out, &parent_polls});
  CHECK(out == std::vector<int>{1, 2});
  CHECK(quiet_polls == 1);  // never polled again for the other child's wakes
  CHECK(busy_polls == 51);
  CHECK(parent_polls >= 2);  // the set yields to its task between passes
}

TEST_CASE("polling an ambient set outside a task throws no_current_task",
          "[ambient][futures_unordered]") {
  ambient::futures_unordered<yield_leaf> set;
  CHECK(set.poll_next().get_value() == std::nullopt);  // empty: no task needed
  set.push(yield_leaf{1, 1});
  CHECK_THROWS_AS(set.poll_next(), ambient::no_current_task);
}

namespace {
/// Pending until its poll after `*done`; keeps its handle in `*out` and wakes it once.
struct grab {
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = std::string;
  std::optional<waker>* out;
  bool done = false;
  poll_result<int, std::string> poll() {
    if (done) return ready_value{1};
    *out = ambient::current_task();
    done = true;
    out->value().wake();
    return pending;
  }
};
/// A child that never completes and never registers (keeps the draining task pending).
struct stuck {
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = std::string;
  poll_result<int, std::string> poll() { return pending; }
};
/// Drains `*set` as a spawned task, counting its polls.
template <class Child>
struct counting_drain {
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = std::string;
  ambient::futures_unordered<Child>* set;
  int* polls;
  poll_result<int, std::string> poll() {
    ++*polls;
    for (;;) {
      auto r = set->poll_next();
      if (r.is_pending()) return pending;
      if (!r.get_value()) return ready_value{0};
    }
  }
};
}  // namespace

TEST_CASE("a wake after the child completed, or after the set is gone, does nothing",
          "[ambient][futures_unordered]") {
  using child = std::variant<grab, stuck>;
  struct either {
    using future_concept = ambient::ambient_future_tag;
    using item_type = int;
    using error_type = std::string;
    child c;
    poll_result<int, std::string> poll() {
      return std::visit([](auto& f) { return f.poll(); }, c);
    }
  };
  std::optional<waker> kept;
  ambient::reactor reactor;
  std::optional<ambient::futures_unordered<either>> set(std::in_place);
  set->push(either{grab{&kept}});
  set->push(either{stuck{}});
  int polls = 0;
  auto parent = reactor.spawn(counting_drain<either>{&*set, &polls});
  reactor.run_until_idle();
  REQUIRE(kept.has_value());
  CHECK(set->size() == 1);  // the grabbing child completed; the stuck one is left
  const int polls_before = polls;
  kept->wake();  // the child completed: stale, wakes neither the child's slot nor the parent
  CHECK(reactor.run_until_idle() == 0);
  CHECK(polls == polls_before);
  set.reset();
  kept->wake();  // the set is gone
  CHECK(reactor.run_until_idle() == 0);
  CHECK(polls == polls_before);
  kept.reset();
}

namespace {
/// Polls the set that holds it (the misuse the reentrancy check refuses).
struct self_poller {
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = std::string;
  std::function<void()>* poll_own_set;
  poll_result<int, std::string> poll() {
    (*poll_own_set)();
    return ready_value{0};
  }
};
}  // namespace

TEST_CASE("a child that polls its own set gets logic_error, and the set stays usable",
          "[ambient][futures_unordered]") {
  ambient::futures_unordered<self_poller> set;
  std::function<void()> poll_own_set = [&set] { (void)set.poll_next(); };
  set.push(self_poller{&poll_own_set});
  const ambient::task_source source{nullptr, [](const void*) { return waker(); }};
  ambient::task_scope scope(source);
  CHECK_THROWS_AS(set.poll_next(), std::logic_error);
  CHECK(set.empty());  // the child that threw was destroyed
  CHECK(set.poll_next().get_value() == std::nullopt);
}

TEST_CASE("the move of an ambient set keeps its children and their handles",
          "[ambient][futures_unordered]") {
  ambient::reactor reactor;
  ambient::futures_unordered<yield_leaf> set;
  set.push(yield_leaf{7, 2});
  set.push(yield_leaf{8, 0});
  ambient::futures_unordered<yield_leaf> moved(std::move(set));
  std::vector<int> out;
  int parent_polls = 0;
  auto r = reactor.block_on(drain{&moved, &out, &parent_polls});
  CHECK(r.get_value() == 2);
  CHECK(out == std::vector<int>{8, 7});
  // The moved-from set may only be destroyed: using it is refused, not undefined.
  CHECK_THROWS_AS(set.push(yield_leaf{1, 0}), std::logic_error);  // NOLINT(bugprone-use-after-move)
}
