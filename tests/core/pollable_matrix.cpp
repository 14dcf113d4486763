// Which futures are pollable on which task types. A leaf constrains its own poll; every
// combinator must be pollable on exactly the task types on which its children are.
#include <gentask/core/pollable.hpp>

#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/boxed.hpp>
#include <gentask/futures/failed.hpp>
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
#include <gentask/time/sleep.hpp>

#include "support/leaf_futures.hpp"
#include "support/manual_timer.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>

using namespace gentask;
namespace arch = gentask::archetypes;
using namespace gentask::test;

namespace {

/// One bit per archetype on which F is pollable.
template <class F>
constexpr unsigned pollable_on() {
  return (pollable<F, arch::task> ? 1U : 0U) | (pollable<F, arch::remote_waking_task> ? 2U : 0U) |
         (pollable<F, arch::spawning_task> ? 4U : 0U) | (pollable<F, arch::io_task> ? 8U : 0U) |
         (pollable<F, arch::timer_task> ? 16U : 0U) | (pollable<F, arch::ui_task> ? 32U : 0U) |
         (pollable<F, arch::full_task> ? 64U : 0U);
}
constexpr unsigned everywhere = 127U;
constexpr unsigned full = 64U;

template <class F>
F make();

template <class Leaf>
using item_of = item_type_t<Leaf>;
template <class Leaf>
using error_of = error_type_t<Leaf>;

// The combinators applied to a leaf L, in every position.
template <class L>
using mapped = decltype(make<L>() | gentask::map([](auto&&) { return 1; }));
template <class L>
using mapped_err = decltype(make<L>() | map_err([](auto&&) { return 1; }));
template <class L>
using then_first = decltype(make<L>() | and_then([](auto&&) { return ready(1); }));
template <class L>
using then_second = decltype(ready(1) | and_then([](int) { return make<L>(); }));
template <class L>
using recovered = decltype(make<L>() | or_else([](auto&&) { return ready(item_of<L>{}); }));
template <class L>
using continued = decltype(make<L>() | then([](auto&&) { return ready(2); }));
template <class L>
using long_chain =
    decltype(make<L>() | and_then([](auto&&) { return ready(1); }) |
             or_else([](auto&&) { return ready(2); }) | then([](auto&&) { return ready(3); }));
template <class L>
using joined_first = decltype(join(make<L>(), ready(1)));
template <class L>
using joined_last = decltype(join(ready(1), make<L>()));
template <class L>
using selected = decltype(gentask::select(make<never_ready<int, error_of<L>>>(), make<L>()));
template <class L>
using fused = decltype(fuse(make<L>()));
template <class L>
using lazily = decltype(lazy([] { return make<L>(); }));

}  // namespace

TEST_CASE("leaves are pollable exactly where their capability is", "[core][pollable]") {
  STATIC_REQUIRE(pollable_on<yield_now<int>>() == everywhere);
  STATIC_REQUIRE(pollable_on<ready_future<int>>() == everywhere);
  STATIC_REQUIRE(pollable_on<needs_remote_wake>() == (2U | full));
  STATIC_REQUIRE(pollable_on<needs_spawn>() == (4U | full));
  STATIC_REQUIRE(pollable_on<needs_io>() == (8U | full));
  STATIC_REQUIRE(pollable_on<needs_timer>() == (16U | full));
  STATIC_REQUIRE(pollable_on<sleep_future>() == (16U | full));
  STATIC_REQUIRE(pollable_on<needs_ui>() == (32U | full));
}

TEMPLATE_TEST_CASE("every combinator is pollable exactly where its child is",
                   "[core][pollable][combinators]", yield_now<int>, needs_remote_wake, needs_spawn,
                   needs_io, needs_timer, needs_ui) {
  constexpr unsigned leaf = pollable_on<TestType>();
  STATIC_REQUIRE(pollable_on<mapped<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<mapped_err<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<then_first<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<then_second<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<recovered<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<continued<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<long_chain<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<joined_first<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<joined_last<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<selected<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<fused<TestType>>() == leaf);
  STATIC_REQUIRE(pollable_on<lazily<TestType>>() == leaf);
}

TEST_CASE("a tree needs the union of its leaves' capabilities", "[core][pollable]") {
  using both = decltype(join(needs_io{}, needs_timer{}));
  STATIC_REQUIRE(!pollable<both, arch::io_task>);
  STATIC_REQUIRE(!pollable<both, arch::timer_task>);
  STATIC_REQUIRE(pollable<both, arch::task_with<capability::io | capability::timer>>);
  STATIC_REQUIRE(pollable<both, arch::full_task>);

  using deep = decltype(ready(1) | and_then([](int) { return join(ready(2), needs_ui{}); }) |
                        gentask::map([](auto&&) { return 0; }));
  STATIC_REQUIRE(pollable_on<deep>() == (32U | full));
}

TEST_CASE("boxed is pollable on exactly its declared task type", "[core][pollable][boxed]") {
  using io_box = boxed<arch::io_task, int, int>;
  STATIC_REQUIRE(pollable<io_box, arch::io_task>);
  STATIC_REQUIRE(!pollable<io_box, arch::task>);
  STATIC_REQUIRE(!pollable<io_box, arch::full_task>);
  STATIC_REQUIRE(std::is_constructible_v<io_box, needs_io>);
  STATIC_REQUIRE(!std::is_constructible_v<boxed<arch::task, int, int>, needs_io>);
  STATIC_REQUIRE(!std::is_constructible_v<io_box, ready_future<std::string>>);  // item must convert
}

TEST_CASE("concrete task types: the local reactor and the test kit", "[core][pollable]") {
  using local = local::reactor::task_type;
  STATIC_REQUIRE(pollable<then_first<yield_now<int>>, local>);
  STATIC_REQUIRE(pollable<needs_remote_wake, local>);
  STATIC_REQUIRE(!pollable<needs_io, local>);
  STATIC_REQUIRE(pollable<sleep_future, local>);
  STATIC_REQUIRE(pollable<sleep_future, manual_timer_task>);
  STATIC_REQUIRE(!pollable<needs_remote_wake, manual_timer_task>);
}
