// detail::visit_index<N>(index, fn): calls fn.template operator()<index>() for a runtime index
// below N, through switches of 64 cases per level (so N may exceed 64), returning what fn returns.
#include <gentask/detail/visit_index.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

using gentask::detail::visit_index;

namespace {

/// Returns the index it was instantiated for, and checks it is in range at compile time.
template <std::size_t N>
struct echo {
  template <std::size_t I>
  constexpr std::size_t operator()() const {
    static_assert(I < N, "visit_index instantiated fn for an index out of range");
    return I;
  }
};

/// Counts its calls per index; neither copyable nor movable, so it must be passed by reference
/// through every level.
template <std::size_t N>
struct tally {
  std::array<int, N> calls{};
  tally() = default;
  tally(const tally&) = delete;
  tally& operator=(const tally&) = delete;
  template <std::size_t I>
  void operator()() {
    ++calls[I];
  }
};

/// Hands out a reference to the element of the index.
template <std::size_t N>
struct element_ref {
  std::array<std::string, N>* items;
  template <std::size_t I>
  std::string& operator()() const {
    return (*items)[I];
  }
};

/// Owns move-only state.
struct owner {
  std::unique_ptr<int> base;
  template <std::size_t I>
  int operator()() const {
    return *base + static_cast<int>(I);
  }
};

template <std::size_t N>
constexpr bool every_index_echoes() {
  for (std::size_t i = 0; i < N; ++i) {
    if (visit_index<N>(i, echo<N>{}) != i) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("visit_index dispatches to every index, at compile time, for sizes around each level",
          "[detail][visit_index]") {
  STATIC_REQUIRE(every_index_echoes<1>());
  STATIC_REQUIRE(every_index_echoes<2>());
  STATIC_REQUIRE(every_index_echoes<63>());
  STATIC_REQUIRE(every_index_echoes<64>());   // one full switch
  STATIC_REQUIRE(every_index_echoes<65>());   // the first case of the second level
  STATIC_REQUIRE(every_index_echoes<128>());  // two full levels
  STATIC_REQUIRE(every_index_echoes<129>());
  STATIC_REQUIRE(every_index_echoes<200>());  // a partial fourth level
}

TEST_CASE("visit_index dispatches to every index at run time, beyond 64 states",
          "[detail][visit_index]") {
  constexpr std::size_t n = 257;  // five levels, the last with one case
  tally<n> counts;
  for (std::size_t i = 0; i < n; ++i) visit_index<n>(i, counts);
  for (std::size_t i = 0; i < n; ++i) {
    INFO("index " << i);
    CHECK(counts.calls[i] == 1);  // each index reached exactly once: no other index is called
  }
  // Indices given out of order reach the same cases.
  visit_index<n>(256, counts);
  visit_index<n>(64, counts);
  visit_index<n>(0, counts);
  CHECK(counts.calls[256] == 2);
  CHECK(counts.calls[64] == 2);
  CHECK(counts.calls[0] == 2);
  CHECK(counts.calls[63] == 1);
  CHECK(counts.calls[65] == 1);
}

TEST_CASE("visit_index returns what fn returns, references included", "[detail][visit_index]") {
  constexpr std::size_t n = 100;
  std::array<std::string, n> items;
  STATIC_REQUIRE(std::is_same_v<decltype(visit_index<n>(0, element_ref<n>{&items})), std::string&>);
  STATIC_REQUIRE(std::is_same_v<decltype(visit_index<n>(0, echo<n>{})), std::size_t>);
  visit_index<n>(3, element_ref<n>{&items}) = "three";
  visit_index<n>(99, element_ref<n>{&items}) = "ninety-nine";
  CHECK(items[3] == "three");
  CHECK(items[99] == "ninety-nine");
  CHECK(&visit_index<n>(70, element_ref<n>{&items}) == &items[70]);
}

TEST_CASE("visit_index accepts an rvalue function object holding move-only state",
          "[detail][visit_index]") {
  CHECK(visit_index<80>(79, owner{std::make_unique<int>(1000)}) == 1079);
  CHECK(visit_index<80>(5, owner{std::make_unique<int>(1000)}) == 1005);
}

TEST_CASE("visit_index_inline dispatches as visit_index does", "[detail][visit_index]") {
  using gentask::detail::visit_index_inline;
  constexpr std::size_t n = 130;
  tally<n> counts;
  for (std::size_t i = 0; i < n; ++i) visit_index_inline<n>(i, counts);
  for (std::size_t i = 0; i < n; ++i) {
    INFO("index " << i);
    CHECK(counts.calls[i] == 1);
  }
  std::array<std::string, n> items;
  visit_index_inline<n>(129, element_ref<n>{&items}) = "last";
  CHECK(items[129] == "last");
  STATIC_REQUIRE(visit_index_inline<n>(100, echo<n>{}) == 100);
}
