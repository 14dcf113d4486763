#pragma once
/// @file
/// A minimal type list for the chain combinator's type-level fold.

#include <cstddef>
#include <tuple>

namespace gentask::detail {

template <class... Ts>
struct type_list {
  static constexpr std::size_t size = sizeof...(Ts);
};

template <class List, class T>
struct push_back;
template <class... Ts, class T>
struct push_back<type_list<Ts...>, T> {
  using type = type_list<Ts..., T>;
};

template <std::size_t I, class List>
struct type_at;
template <std::size_t I, class... Ts>
struct type_at<I, type_list<Ts...>> {
  using type = std::tuple_element_t<I, std::tuple<Ts...>>;
};
template <std::size_t I, class List>
using type_at_t = typename type_at<I, List>::type;

template <class... Ts>
class state_union;

/// `state_union<Ts..., Extra...>` for a type list `Ts...`.
template <class List, class... Extra>
struct state_union_of;
template <class... Ts, class... Extra>
struct state_union_of<type_list<Ts...>, Extra...> {
  using type = state_union<Ts..., Extra...>;
};

}  // namespace gentask::detail
