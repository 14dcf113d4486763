// detail::transform_future<F, Fn, Side>: the shared body of map (Side = item) and map_err
// (Side = error): applies a closure to one side of the child's result, passes the other side
// through, prunes the child before the closure runs, and throws polled_after_completion after.
#include <gentask/detail/transform_future.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/unit.hpp>

#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"
#include "support/manual_timer.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

using namespace gentask;
using namespace gentask::test;
using gentask::detail::result_side;
using gentask::detail::transform_future;

namespace {

template <class F, class Fn>
using on_item = transform_future<F, Fn, result_side::item>;
template <class F, class Fn>
using on_error = transform_future<F, Fn, result_side::error>;

using child = probe<int, std::string>;

struct to_length {
  std::size_t operator()(std::string s) const { return s.size(); }
};
struct to_text {
  std::string operator()(int v) const { return std::to_string(v); }
};
struct to_nothing {
  void operator()(int /*v*/) const {}
};
/// Returns a reference: the transformed type is the decayed value.
struct to_ref {
  const std::string& operator()(int /*v*/) const {
    static const std::string text = "ref";
    return text;
  }
};

}  // namespace

TEST_CASE("transform_future changes only the side its closure applies to",
          "[detail][transform_future]") {
  using mapped = on_item<child, to_text>;
  STATIC_REQUIRE(future<mapped>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<mapped>, std::string>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<mapped>, std::string>);

  using mapped_err = on_error<child, to_length>;
  STATIC_REQUIRE(std::is_same_v<item_type_t<mapped_err>, int>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<mapped_err>, std::size_t>);

  STATIC_REQUIRE(std::is_same_v<item_type_t<on_item<child, to_nothing>>, unit>);     // void: unit
  STATIC_REQUIRE(std::is_same_v<item_type_t<on_item<child, to_ref>>, std::string>);  // decayed
  STATIC_REQUIRE(std::is_same_v<error_type_t<on_error<probe<int, int>, to_nothing>>, unit>);
}

TEST_CASE("transform_future is pollable exactly where its child is", "[detail][transform_future]") {
  struct any_to_int {
    int operator()(unit /*u*/) const { return 1; }
  };
  STATIC_REQUIRE(pollable<on_item<needs_timer, any_to_int>, manual_timer_task>);
  STATIC_REQUIRE(!pollable<on_item<needs_timer, any_to_int>, counting_task>);
  STATIC_REQUIRE(pollable<on_item<child, to_text>, counting_task>);
  STATIC_REQUIRE(!pollable<on_item<child, to_text>, int>);
}

TEST_CASE("transform_future passes pending through, with the child's wake",
          "[detail][transform_future]") {
  counting_task task;
  probe_record record;
  on_item<child, to_text> f(child(record, ready_value{4}, 2), to_text{});
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).is_pending());
  CHECK(task.get_wake_count() == 2);  // the child's self-wakes, nothing added
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == "4");
  CHECK(record.polls == 3);
}

TEST_CASE("transform_future destroys its child before the closure runs, on both sides",
          "[detail][transform_future]") {
  counting_task task;
  SECTION("item side") {
    probe_record record;
    std::size_t destroyed_when_run = 99;
    auto fn = [&](int v) {
      destroyed_when_run = record.destroyed;
      return v + 1;
    };
    on_item<child, decltype(fn)> f(child(record, ready_value{1}), fn);
    CHECK(f.poll(task).get_value() == 2);
    CHECK(destroyed_when_run == 1);
  }
  SECTION("error side") {
    probe_record record;
    std::size_t destroyed_when_run = 99;
    auto fn = [&](std::string e) {
      destroyed_when_run = record.destroyed;
      return e + "!";
    };
    on_error<child, decltype(fn)> f(child(record, failed_value{std::string("bad")}), fn);
    CHECK(f.poll(task).get_error() == "bad!");
    CHECK(destroyed_when_run == 1);
  }
}

TEST_CASE("transform_future passes the other side through without running its closure",
          "[detail][transform_future]") {
  counting_task task;
  lifecycle closure_life;
  SECTION("an error through the item side") {
    probe_record record;
    bool ran = false;
    on_item<child, std::function<int(int)>> f(child(record, failed_value{std::string("e")}),
                                              [&ran, c = counted(closure_life)](int v) {
                                                ran = true;
                                                return v + c.get_value();
                                              });
    auto r = f.poll(task);
    REQUIRE(r.is_failed());
    CHECK(r.get_error() == "e");
    CHECK_FALSE(ran);
    CHECK(closure_life.get_alive() == 0);  // the closure is gone with the completed state
  }
  SECTION("a value through the error side") {
    probe_record record;
    bool ran = false;
    on_error<child, std::function<int(std::string)>> f(
        child(record, ready_value{8}), [&ran, c = counted(closure_life)](std::string) {
          ran = true;
          return c.get_value();
        });
    auto r = f.poll(task);
    REQUIRE(r.is_ready());
    CHECK(r.get_value() == 8);
    CHECK_FALSE(ran);
    CHECK(closure_life.get_alive() == 0);
  }
}

TEST_CASE("transform_future throws polled_after_completion naming its combinator",
          "[detail][transform_future]") {
  counting_task task;
  probe_record a;
  probe_record b;
  on_item<child, to_text> mapped(child(a, ready_value{1}), to_text{});
  on_error<child, to_length> mapped_err(child(b, ready_value{1}), to_length{});
  (void)mapped.poll(task);
  (void)mapped_err.poll(task);
  CHECK_THROWS_WITH(mapped.poll(task), "map: polled after completion");
  CHECK_THROWS_WITH(mapped_err.poll(task), "map_err: polled after completion");
  CHECK_THROWS_AS(mapped.poll(task), polled_after_completion);
  CHECK(a.polls == 1);  // the child is never polled again
  CHECK(b.polls == 1);
}

TEST_CASE("a closure that throws completes the transform_future", "[detail][transform_future]") {
  counting_task task;
  probe_record record;
  auto fn = [](int) -> int { throw std::runtime_error("closure"); };
  on_item<child, decltype(fn)> f(child(record, ready_value{1}), fn);
  CHECK_THROWS_AS(f.poll(task), std::runtime_error);
  CHECK(record.destroyed == 1);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);  // nothing is left to poll
}
