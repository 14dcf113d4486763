// detail::type_list and its operations: size, push_back, type_at, state_union_of.
#include <gentask/detail/type_list.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

using namespace gentask::detail;

namespace {

template <class List, class T>
concept can_push_back = requires {
  typename push_back<List, T>::type;
};
template <class List, class... Extra>
concept has_state_union = requires {
  typename state_union_of<List, Extra...>::type;
};

struct extra {};

}  // namespace

TEST_CASE("type_list knows its size", "[detail][type_list]") {
  STATIC_REQUIRE(type_list<>::size == 0);
  STATIC_REQUIRE(type_list<int>::size == 1);
  STATIC_REQUIRE(type_list<int, int, void>::size == 3);  // repeats and void count
  STATIC_REQUIRE(std::is_empty_v<type_list<int, std::string>>);
}

TEST_CASE("push_back appends one type at the end", "[detail][type_list]") {
  STATIC_REQUIRE(std::is_same_v<push_back<type_list<>, int>::type, type_list<int>>);
  STATIC_REQUIRE(
      std::is_same_v<push_back<type_list<int, char>, void>::type, type_list<int, char, void>>);
  STATIC_REQUIRE(
      !std::is_same_v<push_back<type_list<int, char>, void>::type, type_list<void, int, char>>);
  // A list is a type, so a list can hold lists.
  STATIC_REQUIRE(
      std::is_same_v<push_back<type_list<int>, type_list<>>::type, type_list<int, type_list<>>>);
  // Folding push_back builds a list step by step, as the chain combinator does.
  using folded = push_back<push_back<push_back<type_list<>, int>::type, char>::type, long>::type;
  STATIC_REQUIRE(std::is_same_v<folded, type_list<int, char, long>>);
  STATIC_REQUIRE(folded::size == 3);
  // Only a type_list can be appended to.
  STATIC_REQUIRE(can_push_back<type_list<int>, int>);
  STATIC_REQUIRE(!can_push_back<int, int>);
}

TEST_CASE("type_at names the type at each position", "[detail][type_list]") {
  using list = type_list<int, const char*, std::string&, int>;
  STATIC_REQUIRE(std::is_same_v<type_at_t<0, list>, int>);
  STATIC_REQUIRE(std::is_same_v<type_at_t<1, list>, const char*>);
  STATIC_REQUIRE(std::is_same_v<type_at_t<2, list>, std::string&>);  // references kept
  STATIC_REQUIRE(std::is_same_v<type_at_t<3, list>, int>);
  STATIC_REQUIRE(std::is_same_v<type_at<1, list>::type, type_at_t<1, list>>);
  using appended = push_back<list, double>::type;
  STATIC_REQUIRE(std::is_same_v<type_at_t<4, appended>, double>);
  STATIC_REQUIRE(std::is_same_v<type_at_t<0, appended>, int>);
}

namespace {
template <std::size_t I, class... Ts>
concept has_pack_element = requires { typename pack_element_t<I, Ts...>; };

template <std::size_t N>
struct tag {};
// The I-th of tag<0>, ..., tag<N-1>, for every I.
template <std::size_t... Is>
constexpr bool every_index_finds_its_tag(std::index_sequence<Is...> /*unused*/) {
  return (std::is_same_v<pack_element_t<Is, tag<Is>...>, tag<Is>> && ...);
}
}  // namespace

TEST_CASE("pack_element_t names the type at each position of a pack, and only in range",
          "[detail][type_list]") {
  STATIC_REQUIRE(std::is_same_v<pack_element_t<0, int>, int>);
  STATIC_REQUIRE(std::is_same_v<pack_element_t<1, int, void, int>, void>);  // void counts
  STATIC_REQUIRE(std::is_same_v<pack_element_t<2, int, void, int>, int>);   // repeats too
  STATIC_REQUIRE(std::is_same_v<pack_element_t<1, int, const std::string&>, const std::string&>);
  STATIC_REQUIRE(has_pack_element<2, int, char, long>);
  STATIC_REQUIRE_FALSE(has_pack_element<3, int, char, long>);
  STATIC_REQUIRE_FALSE(has_pack_element<0>);
  // A pack as large as a closed map's: every position, one indexer for the pack.
  STATIC_REQUIRE(every_index_finds_its_tag(std::make_index_sequence<300>{}));
}

TEST_CASE("state_union_of names the state_union of a list's types followed by the extras",
          "[detail][type_list]") {
  // Only declared by type_list.hpp: naming the type needs no definition.
  STATIC_REQUIRE(
      std::is_same_v<state_union_of<type_list<int, char>>::type, state_union<int, char>>);
  STATIC_REQUIRE(std::is_same_v<state_union_of<type_list<int, char>, extra>::type,
                                state_union<int, char, extra>>);
  STATIC_REQUIRE(
      std::is_same_v<state_union_of<type_list<>, extra, int>::type, state_union<extra, int>>);
  STATIC_REQUIRE(!std::is_same_v<state_union_of<type_list<int, char>, extra>::type,
                                 state_union<extra, int, char>>);
  STATIC_REQUIRE(has_state_union<type_list<int>>);
  STATIC_REQUIRE(!has_state_union<int>);
}
