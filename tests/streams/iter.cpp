#include <gentask/streams/iter.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/task_archetypes.hpp>

#include "stream_kit.hpp"
#include "support/counted.hpp"
#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <range/v3/view/filter.hpp>
#include <range/v3/view/iota.hpp>
#include <range/v3/view/istream.hpp>
#include <range/v3/view/ref.hpp>

#include <array>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace gentask;
using namespace gentask::test;

namespace {

/// A filter predicate that knows whether it is still alive when called: the live instances
/// are kept in a set, so a call through a stale iterator (into a moved-from, destroyed view)
/// is recorded.
struct tracked_pred {
  std::set<const tracked_pred*>* live;
  bool* stale_call;

  tracked_pred(std::set<const tracked_pred*>& instances, bool& stale)
      : live(&instances), stale_call(&stale) {
    live->insert(this);
  }
  tracked_pred(const tracked_pred& other) : live(other.live), stale_call(other.stale_call) {
    live->insert(this);
  }
  tracked_pred(tracked_pred&& other) noexcept : tracked_pred(std::as_const(other)) {}
  tracked_pred& operator=(const tracked_pred& other) {
    live = other.live;
    stale_call = other.stale_call;
    live->insert(this);
    return *this;
  }
  tracked_pred& operator=(tracked_pred&& other) noexcept { return *this = std::as_const(other); }
  ~tracked_pred() { live->erase(this); }

  bool operator()(int x) const {
    if (live->count(this) == 0) *stale_call = true;
    return x % 2 == 0;
  }
};

template <class S>
std::optional<item_type_t<S>> next_item(S& s, counting_task& task) {
  return s.poll_next(task).get_value();
}

}  // namespace

TEST_CASE("iter yields the elements of an lvalue vector in order and then ends",
          "[streams][iter]") {
  counting_task task;
  std::vector<int> v{1, 2, 3};
  auto s = streams::iter(v);
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(s)>, int>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(s)>, never>);
  v.push_back(4);  // referenced, not copied, and begin() is taken at the first poll
  CHECK(next_item(s, task) == 1);
  CHECK(next_item(s, task) == 2);
  CHECK(next_item(s, task) == 3);
  CHECK(next_item(s, task) == 4);
  auto end = s.poll_next(task);
  REQUIRE(end.is_ready());
  CHECK_FALSE(end.get_value().has_value());
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
  CHECK(task.get_wake_count() == 0);
}

TEST_CASE("iter over an empty range ends at the first poll", "[streams][iter]") {
  counting_task task;
  auto s = streams::iter(std::vector<int>{});
  auto end = s.poll_next(task);
  REQUIRE(end.is_ready());
  CHECK_FALSE(end.get_value().has_value());
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEST_CASE("iter copies the elements of an lvalue and moves those of an rvalue container",
          "[streams][iter]") {
  counting_task task;
  lifecycle life;
  std::vector<counted> source;
  source.reserve(3);
  for (int i = 1; i <= 3; ++i) source.emplace_back(life, i);
  const std::size_t copies_before = life.copied;

  auto by_reference = streams::iter(source);
  CHECK(drain(by_reference, task).size() == 3);
  CHECK(life.copied == copies_before + 3);  // one copy per item

  auto owning = streams::iter(std::move(source));
  auto items = drain(owning, task);
  REQUIRE(items.size() == 3);
  CHECK(items[2].get_value() == 3);
  CHECK(life.copied == copies_before + 3);  // none more: moved out
}

TEST_CASE("iter stays correct when a started stream over a vector rvalue is moved",
          "[streams][iter]") {
  counting_task task;
  std::optional<decltype(streams::iter(std::vector<int>{}))> first(
      std::in_place, streams::iter(std::vector<int>{10, 20, 30}));
  CHECK(next_item(*first, task) == 10);
  auto second = std::move(*first);
  first.reset();
  CHECK(drain(second, task) == std::vector<int>{20, 30});
}

TEST_CASE("iter stays correct when a started stream over a std::array rvalue is moved",
          "[streams][iter]") {
  counting_task task;
  using array = std::array<std::string, 3>;
  std::optional<decltype(streams::iter(array{}))> first(
      std::in_place, streams::iter(array{"alpha", "beta", "gamma"}));
  CHECK(next_item(*first, task) == "alpha");
  // The array moves with the stream: an iterator into the old one would read moved-from
  // strings.
  auto second = std::move(*first);
  first.reset();
  CHECK(next_item(second, task) == "beta");
  auto copy = second;  // a copy re-derives its position in its own array
  CHECK(next_item(second, task) == "gamma");
  CHECK(next_item(copy, task) == "gamma");
  CHECK_FALSE(next_item(second, task).has_value());
  CHECK_FALSE(next_item(copy, task).has_value());
}

TEST_CASE("iter stays correct when a started stream is move-assigned or copy-assigned",
          "[streams][iter]") {
  counting_task task;
  using array = std::array<std::string, 3>;
  auto source = streams::iter(array{"one", "two", "three"});
  auto target = streams::iter(array{"x", "y", "z"});
  CHECK(next_item(target, task) == "x");  // the target's own position is dropped
  CHECK(next_item(source, task) == "one");
  auto copy_target = streams::iter(array{});
  copy_target = source;
  target = std::move(source);
  CHECK(next_item(target, task) == "two");
  CHECK(next_item(copy_target, task) == "two");
  CHECK(next_item(target, task) == "three");
  CHECK_FALSE(next_item(target, task).has_value());
}

TEST_CASE("iter stays correct when a started stream over an iota view is moved",
          "[streams][iter]") {
  counting_task task;
  auto s = streams::iter(ranges::views::iota(0, 5));
  STATIC_REQUIRE(ranges::borrowed_range<ranges::iota_view<int, int>>);  // the iterator is kept
  CHECK(next_item(s, task) == 0);
  CHECK(next_item(s, task) == 1);
  auto moved = std::move(s);
  CHECK(drain(moved, task) == std::vector<int>{2, 3, 4});
}

TEST_CASE("iter stays correct when a started stream over a filter view is moved",
          "[streams][iter]") {
  counting_task task;
  std::vector<int> v{1, 2, 3, 4, 5, 6, 7, 8};
  std::set<const tracked_pred*> live;
  bool stale_call = false;
  using filtered =
      decltype(streams::iter(v | ranges::views::filter(tracked_pred(live, stale_call))));
  STATIC_REQUIRE(
      !ranges::borrowed_range<decltype(v | ranges::views::filter(tracked_pred(live, stale_call)))>);
  std::optional<filtered> first(
      std::in_place, streams::iter(v | ranges::views::filter(tracked_pred(live, stale_call))));
  CHECK(next_item(*first, task) == 2);
  CHECK(next_item(*first, task) == 4);
  auto second = std::move(*first);
  first.reset();  // the old view and its predicate are gone
  CHECK(drain(second, task) == std::vector<int>{6, 8});
  CHECK_FALSE(stale_call);
}

TEST_CASE("a copy of a started iter over an lvalue continues on its own", "[streams][iter]") {
  counting_task task;
  const std::vector<int> v{1, 2, 3};
  auto s = streams::iter(v);
  CHECK(next_item(s, task) == 1);
  auto copy = s;
  CHECK(drain(s, task) == std::vector<int>{2, 3});
  CHECK(drain(copy, task) == std::vector<int>{2, 3});
}

TEST_CASE("iter accepts single-pass ranges only where their iterators survive a move",
          "[streams][iter]") {
  using single_pass = ranges::istream_view<int>;
  STATIC_REQUIRE(!std::is_invocable_v<streams::iter_fn, single_pass>);
  STATIC_REQUIRE(!std::is_invocable_v<streams::iter_fn, single_pass&>);  // views are copied
  STATIC_REQUIRE(std::is_invocable_v<streams::iter_fn, ranges::ref_view<single_pass>>);
  STATIC_REQUIRE(!std::is_invocable_v<streams::iter_fn, int>);

  counting_task task;
  std::istringstream input("7 8 9");
  auto numbers = ranges::istream<int>(input);
  auto s = streams::iter(ranges::views::ref(numbers));
  CHECK(next_item(s, task) == 7);
  auto moved = std::move(s);
  CHECK(drain(moved, task) == std::vector<int>{8, 9});
}

TEST_CASE("iter is pollable on every task type", "[streams][iter][pollable]") {
  using s = decltype(streams::iter(std::declval<std::vector<int>&>()));
  STATIC_REQUIRE(stream<s>);
  STATIC_REQUIRE(stream_pollable_on<s>() == pollable_everywhere);
  STATIC_REQUIRE(!pollable<s, archetypes::task>);  // a stream, not a future
}
