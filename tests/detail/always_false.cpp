// detail::always_false: a dependent `false` for static_asserts in diagnostic tags.
#include <gentask/detail/always_false.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

using gentask::detail::always_false;

namespace {

/// The pattern always_false exists for: the static_assert in the last branch fires only when
/// that branch is instantiated, because its condition depends on T. (With a plain `false` the
/// function template itself would be ill-formed.)
template <class T>
constexpr int kind_of() {
  if constexpr (std::is_integral_v<T>) {
    return 1;
  } else if constexpr (std::is_floating_point_v<T>) {
    return 2;
  } else {
    static_assert(always_false<T>, "kind_of: unsupported type");
    return 0;
  }
}

/// A tag template whose static_assert fires only for an instantiation that is completed
/// (the shape of gentask's diagnostic tags).
template <class... Ts>
struct fails_when_completed {
  static_assert(always_false<Ts...>, "fails_when_completed: instantiated");
};

}  // namespace

TEST_CASE("always_false is false for every pack of types, the empty one included",
          "[detail][always_false]") {
  STATIC_REQUIRE(!always_false<>);
  STATIC_REQUIRE(!always_false<int>);
  STATIC_REQUIRE(!always_false<void>);
  STATIC_REQUIRE(!always_false<int, std::string, void, int&>);
  STATIC_REQUIRE(std::is_same_v<decltype(always_false<int>), const bool>);
}

TEST_CASE("always_false delays a static_assert until its branch is instantiated",
          "[detail][always_false]") {
  // Both supported branches compile and run although the function contains
  // static_assert(always_false<T>): it is only evaluated for an unsupported T.
  STATIC_REQUIRE(kind_of<int>() == 1);
  STATIC_REQUIRE(kind_of<double>() == 2);
  CHECK(kind_of<long>() == 1);
  // Naming the tag (without completing it) does not fire its assertion either.
  using named = fails_when_completed<int, double>;
  STATIC_REQUIRE(sizeof(named*) == sizeof(void*));
}
