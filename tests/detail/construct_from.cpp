// detail::construct_from{fn}: converts (as an rvalue) to fn()'s result, so that an emplace
// builds the new alternative from fn() in place; detail::completed, the "done" alternative.
#include <gentask/detail/construct_from.hpp>

#include <gentask/detail/state_union.hpp>

#include "support/counted.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

using gentask::detail::completed;
using gentask::detail::construct_from;
using gentask::detail::state_union;
using gentask::test::counted;
using gentask::test::lifecycle;

namespace {

/// Neither copyable nor movable: only guaranteed copy elision can produce one from a function.
struct pinned {
  explicit pinned(int v) : value(v) {}
  pinned(const pinned&) = delete;
  pinned(pinned&&) = delete;
  pinned& operator=(const pinned&) = delete;
  pinned& operator=(pinned&&) = delete;
  ~pinned() = default;
  int value;
};

std::string make_text() { return "from a function pointer"; }

}  // namespace

TEST_CASE("construct_from converts to its function's result, and only as an rvalue",
          "[detail][construct_from]") {
  auto fn = [] { return std::string("x"); };
  using cf = construct_from<decltype(fn)>;
  STATIC_REQUIRE(std::is_convertible_v<cf, std::string>);
  STATIC_REQUIRE(std::is_convertible_v<cf&&, std::string>);
  STATIC_REQUIRE(!std::is_convertible_v<cf&, std::string>);        // the function runs once:
  STATIC_REQUIRE(!std::is_convertible_v<const cf&, std::string>);  // an lvalue cannot convert
  STATIC_REQUIRE(!std::is_convertible_v<cf, int>);
  // Deduction guide: the function object is stored by value, whatever was passed.
  STATIC_REQUIRE(std::is_same_v<decltype(construct_from{fn}), cf>);
  STATIC_REQUIRE(
      std::is_same_v<decltype(construct_from{&make_text}), construct_from<std::string (*)()>>);

  const std::string s = construct_from{&make_text};
  CHECK(s == "from a function pointer");
}

TEST_CASE("construct_from calls its function once, at the conversion", "[detail][construct_from]") {
  int calls = 0;
  auto c = construct_from{[&calls] {
    ++calls;
    return 7;
  }};
  CHECK(calls == 0);  // nothing runs until the conversion
  const int v = std::move(c);
  CHECK(v == 7);
  CHECK(calls == 1);
}

TEST_CASE("construct_from builds its result in place, with no copy or move",
          "[detail][construct_from]") {
  lifecycle life;
  {
    counted c = construct_from{[&life] { return counted(life, 5); }};
    CHECK(c.get_value() == 5);
    CHECK(life.constructed == 1);
    CHECK(life.moved == 0);
    CHECK(life.copied == 0);
  }
  CHECK(life.get_alive() == 0);

  // A type that cannot be moved at all is still produced, by guaranteed elision.
  const pinned p = construct_from{[] { return pinned(3); }};
  CHECK(p.value == 3);
}

namespace {
/// A function object whose call consumes it (rvalue-qualified).
struct give_away {
  std::unique_ptr<int> owned;
  std::unique_ptr<int> operator()() && { return std::move(owned); }
};
}  // namespace

TEST_CASE("construct_from invokes its function object as an rvalue", "[detail][construct_from]") {
  std::unique_ptr<int> out = construct_from{give_away{std::make_unique<int>(9)}};
  REQUIRE(out != nullptr);
  CHECK(*out == 9);
}

TEST_CASE("state_union::emplace with construct_from builds the alternative in place",
          "[detail][construct_from]") {
  lifecycle life;
  {
    state_union<int, counted, completed> state(std::in_place_index<0>, 1);
    state.emplace<1>(construct_from{[&life] { return counted(life, 11); }});
    CHECK(state.index() == 1);
    CHECK(state.get<1>().get_value() == 11);
    CHECK(life.constructed == 1);
    CHECK(life.moved == 0);  // no temporary: built straight into the union
    state.emplace<2>();
  }
  CHECK(life.get_alive() == 0);
}

TEST_CASE("completed is an empty, trivial alternative", "[detail][construct_from]") {
  STATIC_REQUIRE(std::is_empty_v<completed>);
  STATIC_REQUIRE(std::is_trivially_copyable_v<completed>);
  STATIC_REQUIRE(std::is_nothrow_default_constructible_v<completed>);
}
