// detail::state_union and detail::visit_index: the state storage of chain, lazy and join.
#include <gentask/detail/state_union.hpp>

#include <gentask/detail/construct_from.hpp>
#include <gentask/detail/visit_index.hpp>

#include "support/counted.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

using gentask::detail::completed;
using gentask::detail::construct_from;
using gentask::detail::state_union;
using gentask::test::counted;
using gentask::test::lifecycle;

TEST_CASE("emplace destroys the current alternative before building the next",
          "[core][state_union]") {
  lifecycle first;
  bool first_alive_while_building = true;
  state_union<counted, std::string, completed> state(std::in_place_index<0>, counted(first));
  CHECK(first.get_alive() == 1);
  state.emplace<1>(construct_from{[&] {
    first_alive_while_building = first.get_alive() != 0;
    return std::string("next");
  }});
  CHECK_FALSE(first_alive_while_building);
  CHECK(state.index() == 1);
  CHECK(state.get<1>() == "next");
}

TEST_CASE("a throwing construction leaves the completed alternative", "[core][state_union]") {
  lifecycle life;
  {
    state_union<counted, counted, completed> state(std::in_place_index<0>, counted(life));
    CHECK_THROWS_AS(
        state.emplace<1>(construct_from{[&]() -> counted { throw std::runtime_error("build"); }}),
        std::runtime_error);
    CHECK(state.index() == 2);
    CHECK(life.get_alive() == 0);
  }
  CHECK(life.get_alive() == 0);
}

TEST_CASE("the active alternative is moved, copied and destroyed exactly once",
          "[core][state_union]") {
  lifecycle life;
  {
    state_union<int, counted, completed> a(std::in_place_index<1>, counted(life, 7));
    state_union<int, counted, completed> b(std::move(a));
    state_union<int, counted, completed> c(b);
    CHECK(b.index() == 1);
    CHECK(c.get<1>().get_value() == 7);
    CHECK(life.moved == 2);   // into a, then into b
    CHECK(life.copied == 1);  // into c
  }
  CHECK(life.get_alive() == 0);
}

TEST_CASE("state_union is trivially copyable when its alternatives are and move-only when one is",
          "[core][state_union]") {
  STATIC_REQUIRE(std::is_trivially_copyable_v<state_union<int, double, completed>>);
  STATIC_REQUIRE(!std::is_trivially_copyable_v<state_union<std::string, completed>>);
  STATIC_REQUIRE(std::is_copy_constructible_v<state_union<std::string, completed>>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<state_union<std::unique_ptr<int>, completed>>);
  STATIC_REQUIRE(std::is_move_constructible_v<state_union<std::unique_ptr<int>, completed>>);
  STATIC_REQUIRE(sizeof(state_union<int, int, completed>) <= 2 * sizeof(int));
}

TEST_CASE("equal alternative types are told apart by index", "[core][state_union]") {
  state_union<int, int, completed> state(std::in_place_index<0>, 1);
  state.emplace<1>(2);
  CHECK(state.index() == 1);
  CHECK(state.get<1>() == 2);
  state.emplace<2>();
  CHECK(state.index() == 2);
}

namespace {
template <std::size_t N>
struct record_index {
  std::size_t* seen;
  template <std::size_t I>
  bool operator()() const {
    static_assert(I < N);
    *seen = I;
    return true;
  }
};
}  // namespace

TEST_CASE("visit_index reaches every index, across switch levels", "[core][visit_index]") {
  constexpr std::size_t n = 150;  // three levels of 64 cases
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t seen = n;
    CHECK(gentask::detail::visit_index<n>(i, record_index<n>{&seen}));
    CHECK(seen == i);
  }
}
