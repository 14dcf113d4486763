#pragma once
/// @file
/// `closed_group_map<Task, Fs...>`: a reactor's task storage as a *closed* type-indexed map,
/// a `boost::hana::map` from each declared root future type to its task group, for a reactor
/// declared with its task types (`local::basic_reactor<closed_map_storage<A, B, C>>`).
///
/// Lookup is resolved at compile time: spawning `F` goes straight to its group, and spawning a
/// type that was not declared does not compile; the diagnostic names the type
/// (`diagnostics::_ROOT_TYPE_NOT_DECLARED_IN_CLOSED_MAP_<F, ...>`, in core/diagnostics.hpp). A
/// ready task's group is found by a jump table on its group id and its poll is a direct call
/// that the compiler can inline, where the open map pays one indirect call through the group's
/// table: what the closed map saves is that call, and the inlining it prevents.

#include <gentask/core/diagnostics.hpp>
#include <gentask/detail/type_list.hpp>
#include <gentask/detail/visit_index.hpp>
#include <gentask/storage/task_cell.hpp>
#include <gentask/storage/task_group.hpp>
#include <gentask/storage/task_id.hpp>

#include <boost/hana/at_key.hpp>
#include <boost/hana/map.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/type.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gentask {

namespace detail {
template <class F, class... Fs>
inline constexpr std::size_t index_in = [] {
  constexpr bool matches[] = {std::is_same_v<F, Fs>...};
  for (std::size_t i = 0; i < sizeof...(Fs); ++i) {
    if (matches[i]) return i;
  }
  return sizeof...(Fs);
}();

/// A group whose id is fixed at compile time (so the hana map can default-construct it).
template <std::size_t I, class F, class Task>
class closed_group : public task_group<F, Task> {
 public:
  closed_group() : task_group<F, Task>(static_cast<std::uint32_t>(I)) {}
};
}  // namespace detail

template <class Task, class... Fs>
class closed_group_map {
  static_assert(sizeof...(Fs) > 0, "closed_map_storage<...> needs at least one root future type");
  static_assert(sizeof...(Fs) < task_id::max_group, "too many root future types");

  template <class Is>
  struct make_map;
  template <std::size_t... Is>
  struct make_map<std::index_sequence<Is...>> {
    using type = boost::hana::map<
        boost::hana::pair<boost::hana::type<Fs>, detail::closed_group<Is, Fs, Task>>...>;
  };
  using map_type = typename make_map<std::index_sequence_for<Fs...>>::type;
  template <std::size_t I>
  using type_at = detail::pack_element_t<I, Fs...>;

 public:
  static constexpr const char* name = "closed_map";

  closed_group_map() : bases_(make_bases(std::index_sequence_for<Fs...>{})) {}
  closed_group_map(const closed_group_map&) = delete;
  closed_group_map& operator=(const closed_group_map&) = delete;

  template <class F>
  static constexpr bool accepts = detail::index_in<F, Fs...> < sizeof...(Fs);

  template <class G>
  task_id spawn(G&& f) {
    return spawn_cell(std::forward<G>(f)).id;
  }
  template <class G>
  spawned_task spawn_cell(G&& f) {
    using F = std::remove_cvref_t<G>;
    if constexpr (!accepts<F>) {
      (void)sizeof(diagnostics::_ROOT_TYPE_NOT_DECLARED_IN_CLOSED_MAP_<F, Fs...>);
      return {};
    } else {
      return groups_[boost::hana::type_c<F>].spawn_cell(std::forward<G>(f));
    }
  }

  [[nodiscard]] task_header* find(task_id id) noexcept {
    const std::uint32_t g = id.get_group();
    if (g >= sizeof...(Fs)) return nullptr;
    return bases_[g]->find(id);
  }
  [[nodiscard]] void* cell(task_id id) noexcept {
    return bases_[id.get_group()]->cell(id.get_slot());
  }
  [[nodiscard]] const cell_ops<Task>& ops(task_id id) const noexcept {
    return bases_[id.get_group()]->get_ops();
  }
  /// Polls the task in `cell` (the cell of `id`): a jump table on the group id, then a direct
  /// (inlinable) call.
  bool poll(task_id id, void* cell, Task& task) {
    return detail::visit_index<sizeof...(Fs)>(id.get_group(), [&]<std::size_t I>() -> bool {
      return task_group<type_at<I>, Task>::poll_cell(cell, task);
    });
  }
  void free(task_id id, void* cell) noexcept {
    bases_[id.get_group()]->free_slot(id.get_slot(), cell);
  }

  void disable_release() noexcept {
    for (auto* g : bases_) g->disable_release();
  }
  /// Chunks held by all groups (each about 16 KiB of cells).
  [[nodiscard]] std::size_t get_chunk_count() const noexcept {
    std::size_t n = 0;
    for (const auto* g : bases_) n += g->get_chunk_count();
    return n;
  }
  /// The reactor goes idle: each group gives back its empty chunks if it is mostly empty.
  void trim() noexcept {
    for (auto* g : bases_) g->trim();
  }
  template <class Fn>
  void for_each_used(Fn&& fn) {
    for (auto* g : bases_) {
      g->for_each_used([&](std::uint32_t slot, task_header& h) { fn(g->id_of(slot), h); });
    }
  }

  [[nodiscard]] std::size_t get_group_count() const noexcept { return sizeof...(Fs); }
  [[nodiscard]] std::size_t get_live_count() const noexcept {
    std::size_t n = 0;
    for (const auto* g : bases_) n += g->get_live_count();
    return n;
  }
  template <class F>
  [[nodiscard]] task_group<F, Task>* find_group() noexcept {
    if constexpr (accepts<F>) {
      return &groups_[boost::hana::type_c<F>];
    } else {
      return nullptr;
    }
  }

 private:
  template <std::size_t... Is>
  std::array<task_group_base<Task>*, sizeof...(Fs)> make_bases(std::index_sequence<Is...>) {
    return {static_cast<task_group_base<Task>*>(&groups_[boost::hana::type_c<Fs>])...};
  }

  map_type groups_;
  std::array<task_group_base<Task>*, sizeof...(Fs)> bases_;
};

/// The storage policy tag: `local::basic_reactor<closed_map_storage<A, B, C>>`.
///
/// With many root types, name it: `struct app_roots : closed_map_storage<A, B, C> {};` and
/// `local::basic_reactor<app_roots>`. A reactor's task type spells its storage, and the symbol
/// of every group's function spells the task type: written out, N root types make O(N) symbols
/// of O(N) characters each, and object size and compile time grow with N squared (experiment
/// 10, variants `closed_map` and `closed_map_named`).
template <class... Fs>
struct closed_map_storage {
  template <class Task>
  using store = closed_group_map<Task, Fs...>;
};

}  // namespace gentask
