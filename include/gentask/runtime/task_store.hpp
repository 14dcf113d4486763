#pragma once
/// @file
/// `task_store<S, Task>`: what a scheduler needs from a task storage, and `storage_policy<P>`,
/// the tag a reactor is parameterised on (`P::store<Task>` models `task_store`). The open map,
/// the closed map and both boxed stores model it (tests/runtime/task_store.cpp).
///
/// A store keeps *cells* (task_cell.hpp: a `task_header`, then the root future or its result)
/// under `task_id`s with generations:
/// - `S::accepts<F>`: whether `F` may be spawned (false: `spawn_cell` names the reason in a
///   diagnostic and does not compile);
/// - `spawn_cell(f)`: moves `f` into a new cell, phase `pending`; returns its id and header;
/// - `find(id)`: the header of a live cell with that generation, else null (stale ids are safe);
///   `cell(id)`: the cell of an id known to be live (no check);
/// - `poll(id, cell, task)`: polls the cell's future; true once it completed (its result is in
///   the cell), an escaped exception included; `ops(id)`: the cell's typed operations;
/// - `free(id, cell)`: gives the cell back (phase `empty`, neither queued nor running);
/// - `for_each_used(fn)`: `fn(id, header)` for every cell in use (shutdown, wake-all);
/// - `disable_release()`: from now on keep memory (the scheduler frees cells while iterating);
/// - `get_live_count()`: cells in use.

#include <gentask/storage/task_cell.hpp>
#include <gentask/storage/task_id.hpp>

#include <concepts>
#include <cstddef>

namespace gentask::runtime {

template <class S, class Task>
concept task_store = !std::copy_constructible<S> && std::default_initializable<S> &&
                     requires(S & s, const S& cs, task_id id, void* cell, Task& task,
                              void (*visit)(task_id, task_header&)) {
  { s.find(id) }
  noexcept->std::same_as<task_header*>;
  { s.cell(id) }
  noexcept->std::same_as<void*>;
  { s.poll(id, cell, task) } -> std::same_as<bool>;
  { s.ops(id) }
  noexcept->std::same_as<const cell_ops<Task>&>;
  { s.free(id, cell) }
  noexcept;
  { s.disable_release() }
  noexcept;
  s.for_each_used(visit);
  { cs.get_live_count() }
  noexcept->std::same_as<std::size_t>;
};

/// A storage policy: a tag whose `store<Task>` is a `task_store` for that task type.
template <class P, class Task>
concept storage_policy = task_store<typename P::template store<Task>, Task>;

}  // namespace gentask::runtime
