#include <gentask/core/unit.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

using gentask::never;
using gentask::unifiable;
using gentask::unify_t;
using gentask::unit;

TEST_CASE("unit values are all equal", "[core][unit]") {
  STATIC_REQUIRE(unit{} == unit{});
  STATIC_REQUIRE(std::is_trivially_copyable_v<unit>);
}

TEST_CASE("never cannot be constructed", "[core][unit]") {
  STATIC_REQUIRE(!std::is_default_constructible_v<never>);
  STATIC_REQUIRE(!std::is_constructible_v<never, int>);
}

TEST_CASE("unify_t finds the common item or error type", "[core][unit]") {
  STATIC_REQUIRE(std::is_same_v<unify_t<int, int>, int>);
  STATIC_REQUIRE(std::is_same_v<unify_t<int, never>, int>);
  STATIC_REQUIRE(std::is_same_v<unify_t<never, std::string>, std::string>);
  STATIC_REQUIRE(std::is_same_v<unify_t<never, never>, never>);
  STATIC_REQUIRE(std::is_same_v<unify_t<never, int, never, int>, int>);
  STATIC_REQUIRE(unifiable<int, int, never>);
  STATIC_REQUIRE(!unifiable<int, long>);
  STATIC_REQUIRE(!unifiable<int, never, std::string>);
}

TEST_CASE("void_to_unit_t maps void to unit and keeps other types", "[core][unit]") {
  STATIC_REQUIRE(std::is_same_v<gentask::void_to_unit_t<void>, unit>);
  STATIC_REQUIRE(std::is_same_v<gentask::void_to_unit_t<int>, int>);
}
