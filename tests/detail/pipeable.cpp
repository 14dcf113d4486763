// detail::pipe_closure / make_pipe_closure: `x | cpo(args...)` is `cpo(x, args...)`.
#include <gentask/detail/pipeable.hpp>

#include <gentask/futures/and_then.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counted.hpp"
#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

using gentask::detail::make_pipe_closure;
using gentask::detail::pipe_closure;
using gentask::test::counted;
using gentask::test::lifecycle;

namespace {

/// A combinator object on ints: `add_fn{}(x, a, b...)` is `x + a + b...`.
struct add_fn {
  template <class... Ints>
  requires(std::same_as<std::remove_cvref_t<Ints>, int>&&...) constexpr int operator()(
      int x, Ints&&... addends) const {
    return (x + ... + addends);
  }
};
/// `x | plus(a...)`.
template <class... Ints>
constexpr auto plus(Ints... addends) {
  return make_pipe_closure<add_fn>(addends...);
}

/// Reports how the left operand and the stored argument reach the combinator.
struct category_fn {
  template <class L, class A>
  std::string operator()(L&& /*left*/, A&& /*arg*/) const {
    std::string out = std::is_lvalue_reference_v<L> ? "lvalue|" : "rvalue|";
    if constexpr (!std::is_lvalue_reference_v<A>) {
      out += "&&";
    } else if constexpr (std::is_const_v<std::remove_reference_t<A>>) {
      out += "const&";
    } else {
      out += "&";
    }
    return out;
  }
};

/// Takes its argument by value, as gentask's combinators store theirs.
struct by_value_fn {
  int operator()(int x, counted c) const { return x + c.get_value(); }
};

/// Takes ownership of a move-only argument.
struct take_fn {
  int operator()(int x, std::unique_ptr<int> p) const { return x + *p; }
};

/// Only accepts strings on the left.
struct length_plus_fn {
  std::size_t operator()(const std::string& s, std::size_t n) const { return s.size() + n; }
};

template <class L, class C>
concept pipeable_into = requires(L&& l, C&& c) {
  std::forward<L>(l) | std::forward<C>(c);
};

}  // namespace

TEST_CASE("x | cpo(args...) is cpo(x, args...)", "[detail][pipeable]") {
  STATIC_REQUIRE((1 | plus(2, 3)) == add_fn{}(1, 2, 3));
  STATIC_REQUIRE((10 | plus(5)) == 15);
  STATIC_REQUIRE((10 | plus()) == 10);  // a closure with no arguments
  STATIC_REQUIRE(std::is_same_v<decltype(1 | plus(2)), int>);
  const int x = 4;
  CHECK((x | plus(1)) == 5);
}

TEST_CASE("pipes compose left to right", "[detail][pipeable]") {
  STATIC_REQUIRE((1 | plus(2) | plus(3) | plus(4)) == 10);
  gentask::test::noop_task task;
  auto piped = gentask::ready(3) | gentask::map([](int v) { return v * 2; }) |
               gentask::and_then([](int v) { return gentask::ready(v + 1); }) |
               gentask::map([](int v) { return std::to_string(v); });
  auto nested =
      gentask::map(gentask::and_then(gentask::map(gentask::ready(3), [](int v) { return v * 2; }),
                                     [](int v) { return gentask::ready(v + 1); }),
                   [](int v) { return std::to_string(v); });
  auto r = piped.poll(task);
  auto s = nested.poll(task);
  REQUIRE(r.is_ready());
  REQUIRE(s.is_ready());
  CHECK(r.get_value() == "7");  // (3 * 2) + 1, not 3 * (2 + 1)
  CHECK(s.get_value() == r.get_value());
}

TEST_CASE("make_pipe_closure stores decayed copies of its arguments", "[detail][pipeable]") {
  const std::string text = "abc";
  const int n = 2;
  STATIC_REQUIRE(std::is_same_v<decltype(make_pipe_closure<length_plus_fn>(n)),
                                pipe_closure<length_plus_fn, int>>);
  STATIC_REQUIRE(std::is_same_v<decltype(make_pipe_closure<category_fn>(text)),
                                pipe_closure<category_fn, std::string>>);
  STATIC_REQUIRE(std::is_same_v<decltype(make_pipe_closure<category_fn>("lit")),
                                pipe_closure<category_fn, const char*>>);
  lifecycle life;
  {
    counted original(life, 1);
    auto c = make_pipe_closure<category_fn>(original);
    CHECK(life.copied == 1);  // an lvalue argument is copied in
    CHECK(life.moved == 0);
    auto d = make_pipe_closure<category_fn>(std::move(original));
    CHECK(life.copied == 1);
    CHECK(life.moved == 1);  // an rvalue one is moved in
  }
  CHECK(life.get_alive() == 0);
}

TEST_CASE("the left operand keeps its value category and an rvalue closure moves its arguments",
          "[detail][pipeable]") {
  int left = 1;
  CHECK((left | make_pipe_closure<category_fn>(0)) == "lvalue|&&");
  CHECK((1 | make_pipe_closure<category_fn>(0)) == "rvalue|&&");
  const auto kept = make_pipe_closure<category_fn>(0);
  CHECK((left | kept) == "lvalue|const&");  // a kept closure lends its arguments
  CHECK((1 | kept) == "rvalue|const&");
}

TEST_CASE("a kept closure applies to several operands, copying its arguments each time",
          "[detail][pipeable]") {
  lifecycle life;
  {
    const auto add_seven = make_pipe_closure<by_value_fn>(counted(life, 7));
    const std::size_t copies_before = life.copied;
    CHECK((1 | add_seven) == 8);
    CHECK(life.copied == copies_before + 1);
    CHECK((2 | add_seven) == 9);  // still usable: its argument was not consumed
    CHECK(life.copied == copies_before + 2);
    const std::size_t moves_before = life.moved;
    CHECK((3 | make_pipe_closure<by_value_fn>(counted(life, 1))) == 4);
    CHECK(life.copied == copies_before + 2);  // an rvalue closure moves instead
    CHECK(life.moved > moves_before);
  }
  CHECK(life.get_alive() == 0);
}

TEST_CASE("a closure with a move-only argument applies only as an rvalue", "[detail][pipeable]") {
  using closure = pipe_closure<take_fn, std::unique_ptr<int>>;
  STATIC_REQUIRE(pipeable_into<int, closure>);
  STATIC_REQUIRE(pipeable_into<int, closure&&>);
  STATIC_REQUIRE(!pipeable_into<int, closure&>);
  STATIC_REQUIRE(!pipeable_into<int, const closure&>);
  CHECK((1 | make_pipe_closure<take_fn>(std::make_unique<int>(41))) == 42);
}

TEST_CASE("a pipe is not viable when the combinator does not take the left operand",
          "[detail][pipeable]") {
  using closure = pipe_closure<length_plus_fn, std::size_t>;
  STATIC_REQUIRE(pipeable_into<std::string, closure>);
  STATIC_REQUIRE(pipeable_into<std::string&, const closure&>);
  STATIC_REQUIRE(!pipeable_into<int, closure>);
  STATIC_REQUIRE(!pipeable_into<int, const closure&>);
  STATIC_REQUIRE(!pipeable_into<std::string, pipe_closure<length_plus_fn, std::string>>);
  CHECK((std::string("abcd") | make_pipe_closure<length_plus_fn>(std::size_t{1})) == 5);
}
