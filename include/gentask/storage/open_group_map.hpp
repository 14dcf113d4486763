#pragma once
/// @file
/// `open_group_map`: a reactor's task storage as an *open* type-indexed map of task groups: any
/// root future type may be spawned; the first spawn of a type creates its group (one
/// allocation), later ones reuse it. The lookup is `type_index<F>()` (a dense per-type integer,
/// see detail/type_index.hpp) into an array, not a hash of `typeid`. Dispatching a ready task
/// costs one indirect call (the group's `cell_ops::poll`).
///
/// Use as a reactor's storage policy: `local::basic_reactor<open_map_storage>`.

#include <gentask/detail/type_index.hpp>
#include <gentask/storage/task_cell.hpp>
#include <gentask/storage/task_group.hpp>
#include <gentask/storage/task_id.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace gentask {

template <class Task>
class open_group_map {
 public:
  static constexpr const char* name = "open_map";

  open_group_map() = default;
  open_group_map(const open_group_map&) = delete;
  open_group_map& operator=(const open_group_map&) = delete;

  /// Whether `F` may be spawned here (always, for the open map).
  template <class F>
  static constexpr bool accepts = true;

  template <class F>
  task_id spawn(F&& f) {
    return spawn_cell(std::forward<F>(f)).id;
  }
  template <class F>
  spawned_task spawn_cell(F&& f) {
    return group_for<std::remove_cvref_t<F>>().spawn_cell(std::forward<F>(f));
  }

  [[nodiscard]] task_header* find(task_id id) noexcept {
    const std::uint32_t g = id.get_group();
    if (g >= groups_.size()) return nullptr;
    return groups_[g]->find(id);
  }
  [[nodiscard]] void* cell(task_id id) noexcept {
    return groups_[id.get_group()]->cell(id.get_slot());
  }
  [[nodiscard]] const cell_ops<Task>& ops(task_id id) const noexcept {
    return groups_[id.get_group()]->get_ops();
  }
  /// Polls the task in `cell` (the cell of `id`): one indirect call.
  bool poll(task_id id, void* cell, Task& task) {
    return groups_[id.get_group()]->get_ops().poll(cell, task);
  }
  void free(task_id id, void* cell) noexcept {
    groups_[id.get_group()]->free_slot(id.get_slot(), cell);
  }

  void disable_release() noexcept {
    for (auto& g : groups_) g->disable_release();
  }
  /// Chunks held by all groups (each about 16 KiB of cells).
  [[nodiscard]] std::size_t get_chunk_count() const noexcept {
    std::size_t n = 0;
    for (const auto& g : groups_) n += g->get_chunk_count();
    return n;
  }
  /// The reactor goes idle: each group gives back its empty chunks if it is mostly empty.
  void trim() noexcept {
    for (auto& g : groups_) g->trim();
  }
  /// Calls `fn(id, header)` for every cell in use.
  template <class Fn>
  void for_each_used(Fn&& fn) {
    for (std::size_t i = 0; i < groups_.size(); ++i) {
      auto& g = *groups_[i];
      g.for_each_used([&](std::uint32_t slot, task_header& h) { fn(g.id_of(slot), h); });
    }
  }

  [[nodiscard]] std::size_t get_group_count() const noexcept { return groups_.size(); }
  [[nodiscard]] std::size_t get_live_count() const noexcept {
    std::size_t n = 0;
    for (const auto& g : groups_) n += g->get_live_count();
    return n;
  }
  /// The group of `F`, if one exists.
  template <class F>
  [[nodiscard]] task_group<F, Task>* find_group() noexcept {
    const std::size_t t = detail::type_index<F>();
    return t < by_type_.size() ? static_cast<task_group<F, Task>*>(by_type_[t]) : nullptr;
  }

 private:
  template <class F>
  task_group<F, Task>& group_for() {
    if (auto* g = find_group<F>()) return *g;
    return make_group<F>();
  }

  template <class F>
  [[gnu::noinline]] task_group<F, Task>& make_group() {
    const std::size_t t = detail::type_index<F>();
    if (groups_.size() > task_id::max_group - 1) {  // the last id is the root's
      throw std::length_error("gentask: too many root future types in one reactor");
    }
    auto group = std::make_unique<task_group<F, Task>>(static_cast<std::uint32_t>(groups_.size()));
    if (t >= by_type_.size()) by_type_.resize(t + 1, nullptr);
    groups_.reserve(groups_.size() + 1);
    by_type_[t] = group.get();
    auto& ref = *group;
    groups_.push_back(std::move(group));
    return ref;
  }

  std::vector<std::unique_ptr<task_group_base<Task>>> groups_;  // by group id
  std::vector<task_group_base<Task>*> by_type_;                 // by type_index
};

/// The storage policy tag: `local::basic_reactor<open_map_storage>`.
struct open_map_storage {
  template <class Task>
  using store = open_group_map<Task>;
};

}  // namespace gentask
