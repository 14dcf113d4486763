// unordered::yield_policy: the concept (a name and a static constexpr should_yield(polled,
// yielded, len) -> bool) and the three historical futures-rs rules: none, every_32 and
// yield2_or_len.
#include <gentask/unordered/yield_policy.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <string_view>
#include <type_traits>

namespace unordered = gentask::unordered;
using unordered::yield_policy;

namespace {

struct good {
  static constexpr std::string_view name = "good";
  static constexpr bool should_yield(std::size_t /*p*/, std::size_t /*y*/,
                                     std::size_t /*l*/) noexcept {
    return true;
  }
};
struct c_string_name {  // anything convertible to string_view is a name
  static constexpr const char* name = "c";
  static bool should_yield(std::size_t /*p*/, std::size_t /*y*/, std::size_t /*l*/) { return true; }
};
struct no_name {
  static bool should_yield(std::size_t p, std::size_t y, std::size_t l);
};
struct int_name {
  static constexpr int name = 1;
  static bool should_yield(std::size_t p, std::size_t y, std::size_t l);
};
struct int_result {  // must be exactly bool
  static constexpr std::string_view name = "int";
  static int should_yield(std::size_t p, std::size_t y, std::size_t l);
};
struct two_arguments {
  static constexpr std::string_view name = "two";
  static bool should_yield(std::size_t p, std::size_t y);
};
struct member_function {  // called on the type, not on an object
  static constexpr std::string_view name = "member";
  bool should_yield(std::size_t p, std::size_t y, std::size_t l) const;
};

template <class P>
constexpr bool never_yields_below(std::size_t limit) {
  for (std::size_t p = 0; p < limit; ++p) {
    for (std::size_t y = 0; y <= p; ++y) {
      for (std::size_t len = 0; len < limit; ++len) {
        if (P::should_yield(p, y, len)) return false;
      }
    }
  }
  return true;
}

}  // namespace

TEST_CASE("yield_policy needs a name and a static should_yield of three counts returning bool",
          "[unordered][yield_policy]") {
  // clang-format off
  STATIC_REQUIRE( yield_policy<unordered::none>);
  STATIC_REQUIRE( yield_policy<unordered::every_32>);
  STATIC_REQUIRE( yield_policy<unordered::yield2_or_len>);
  STATIC_REQUIRE( yield_policy<good>);
  STATIC_REQUIRE( yield_policy<c_string_name>);
  STATIC_REQUIRE(!yield_policy<no_name>);
  STATIC_REQUIRE(!yield_policy<int_name>);
  STATIC_REQUIRE(!yield_policy<int_result>);
  STATIC_REQUIRE(!yield_policy<two_arguments>);
  STATIC_REQUIRE(!yield_policy<member_function>);
  STATIC_REQUIRE(!yield_policy<int>);
  // clang-format on
}

TEST_CASE("the policies are named after themselves and decide at compile time, without throwing",
          "[unordered][yield_policy]") {
  STATIC_REQUIRE(unordered::none::name == "none");
  STATIC_REQUIRE(unordered::every_32::name == "every_32");
  STATIC_REQUIRE(unordered::yield2_or_len::name == "yield2_or_len");
  STATIC_REQUIRE(noexcept(unordered::none::should_yield(0, 0, 0)));
  STATIC_REQUIRE(noexcept(unordered::every_32::should_yield(0, 0, 0)));
  STATIC_REQUIRE(noexcept(unordered::yield2_or_len::should_yield(0, 0, 0)));
  STATIC_REQUIRE(std::is_empty_v<unordered::every_32>);
}

TEST_CASE("none never yields, whatever the counts", "[unordered][yield_policy]") {
  STATIC_REQUIRE(never_yields_below<unordered::none>(40));
  CHECK_FALSE(unordered::none::should_yield(1'000'000, 1'000'000, 1));
  CHECK_FALSE(unordered::none::should_yield(32, 2, 32));  // where both others yield
}

TEST_CASE("every_32 yields at exactly 32 child polls, whatever woke and however many children",
          "[unordered][yield_policy]") {
  using p = unordered::every_32;
  STATIC_REQUIRE(p::yield_every == 32);
  for (std::size_t polled = 0; polled <= 70; ++polled) {
    for (const std::size_t yielded : {std::size_t{0}, std::size_t{2}, polled}) {
      for (const std::size_t len : {std::size_t{1}, std::size_t{32}, polled, std::size_t{1000}}) {
        INFO("polled " << polled << ", yielded " << yielded << ", len " << len);
        CHECK(p::should_yield(polled, yielded, len) == (polled == 32));
      }
    }
  }
}

TEST_CASE("yield2_or_len yields on the second self-wake or once every child was polled",
          "[unordered][yield_policy]") {
  using p = unordered::yield2_or_len;
  // The rows of the rule, from futures-rs #2551.
  STATIC_REQUIRE(!p::should_yield(1, 0, 10));
  STATIC_REQUIRE(!p::should_yield(1, 1, 10));  // one self-wake is not enough
  STATIC_REQUIRE(p::should_yield(2, 2, 10));   // two are
  STATIC_REQUIRE(p::should_yield(9, 5, 10));   // more still yield
  STATIC_REQUIRE(!p::should_yield(9, 1, 10));
  STATIC_REQUIRE(p::should_yield(10, 0, 10));   // polled == len
  STATIC_REQUIRE(!p::should_yield(11, 1, 10));  // equality, not "at least": len was passed
  STATIC_REQUIRE(p::should_yield(1, 0, 1));     // a single child: one poll
  STATIC_REQUIRE(!p::should_yield(32, 0, 64));  // no fixed 32 cap (that was #2527)
  for (std::size_t len = 1; len <= 40; ++len) {
    for (std::size_t polled = 1; polled <= 45; ++polled) {
      for (std::size_t yielded = 0; yielded <= polled; ++yielded) {
        const bool expected = yielded >= 2 || polled == len;
        INFO("polled " << polled << ", yielded " << yielded << ", len " << len);
        CHECK(p::should_yield(polled, yielded, len) == expected);
      }
    }
  }
}
