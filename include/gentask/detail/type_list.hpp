#pragma once
/// @file
/// A minimal type list for the chain combinator's type-level fold, and `pack_element_t<I,
/// Ts...>`, the `I`th type of a pack.

#include <cstddef>
#include <utility>

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

/// `pack_element_t<I, Ts...>`: the `I`th of `Ts...` (`I < sizeof...(Ts)`), found by overload
/// resolution against one class that has a base per type: one instantiation for the whole
/// pack, and a deduction per lookup. `std::tuple_element` in libstdc++ 12 recurses through
/// the pack, three types a step, instantiating a template per step whose arguments are the
/// rest of the pack: for the N lookups of an N-type pack (a closed map's dispatch, a chain's
/// steps) that is O(N^2) instantiations holding O(N^3) arguments. Experiment 10 measured the
/// difference (NOTES.md section 13).
template <std::size_t I, class T>
struct indexed_type {
  using type = T;
};
template <class Is, class... Ts>
struct pack_indexer;
template <std::size_t... Is, class... Ts>
struct pack_indexer<std::index_sequence<Is...>, Ts...> : indexed_type<Is, Ts>... {};
template <std::size_t I, class T>
indexed_type<I, T> select_indexed(const indexed_type<I, T>&);
template <std::size_t I, class... Ts>
  requires(I < sizeof...(Ts))
using pack_element_t = typename decltype(select_indexed<I>(
    std::declval<const pack_indexer<std::index_sequence_for<Ts...>, Ts...>&>()))::type;

template <std::size_t I, class List>
struct type_at;
template <std::size_t I, class... Ts>
struct type_at<I, type_list<Ts...>> {
  using type = pack_element_t<I, Ts...>;
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
