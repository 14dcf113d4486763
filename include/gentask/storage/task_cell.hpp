#pragma once
/// @file
/// The shape every task storage shares: a *cell* is a `task_header` followed by one payload
/// slot that holds the task's root future while it runs and its result once it completes (a
/// union in effect: never both). The scheduler works on headers only; the typed code that knows
/// `F` (polling, destroying) sits behind one `cell_ops` table per root type.
///
/// Header (24 bytes): the intrusive ready-list link (a task id token, or the free-list link of a
/// free cell), the compressed joiner (who to wake when the task completes; the scheduler encodes
/// it: see runtime/scheduler.hpp, `set_joiner`), the state word below, and where the payload
/// starts (so that a join handle, which knows the result's type but not the future's, can take
/// the result from the cell directly).

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/spawn/join_error.hpp>
#include <gentask/storage/task_id.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace gentask {

/// What a cell holds.
enum class task_phase : std::uint32_t {
  free = 0,      ///< no task
  pending = 1,   ///< the root future lives in the payload
  complete = 2,  ///< the result lives in the payload, not yet taken
  empty = 3,     ///< neither (taken, canceled): freed once no longer queued or running
};

/// Flags beside the phase.
inline constexpr std::uint32_t phase_mask = 0x3U;
inline constexpr std::uint32_t flag_queued = 1U << 2U;    ///< linked in the ready list
inline constexpr std::uint32_t flag_running = 1U << 3U;   ///< being polled right now
inline constexpr std::uint32_t flag_detached = 1U << 4U;  ///< no join handle will take the result
inline constexpr std::uint32_t flag_cancel = 1U << 5U;    ///< handle dropped during its own poll

/// "No link" in the ready list: never a valid token (tokens have their top bit clear).
inline constexpr std::uint64_t no_link = ~std::uint64_t{0};

struct task_header {
  std::uint64_t next = no_link;
  std::uint64_t joiner = 0;
  std::uint32_t state = 0;
  std::uint32_t payload_offset = 0;  ///< bytes from the header to the payload

  /// A task begins: its future is in the payload at `offset`.
  void begin_pending(std::size_t offset) noexcept {
    state = static_cast<std::uint32_t>(task_phase::pending);
    payload_offset = static_cast<std::uint32_t>(offset);
  }

  [[nodiscard]] task_phase get_phase() const noexcept {
    return static_cast<task_phase>(state & phase_mask);
  }
  void set_phase(task_phase p) noexcept {
    state = (state & ~phase_mask) | static_cast<std::uint32_t>(p);
  }
  [[nodiscard]] bool has(std::uint32_t flag) const noexcept { return (state & flag) != 0; }
  void set(std::uint32_t flag) noexcept { state |= flag; }
  void clear(std::uint32_t flag) noexcept { state &= ~flag; }
};

/// A task just spawned: its id and its cell's header (so the caller need not look it up).
struct spawned_task {
  task_id id;
  task_header* header;
};

/// Where the payload of a cell for root future `F` starts, and how big the cell is.
template <class F>
struct cell_layout {
  using result_type = join_result_t<F>;
  static constexpr std::size_t payload_align = std::max(alignof(F), alignof(result_type));
  static constexpr std::size_t payload_offset =
      (sizeof(task_header) + payload_align - 1) / payload_align * payload_align;
  static constexpr std::size_t align = std::max(alignof(task_header), payload_align);
  static constexpr std::size_t size =
      (payload_offset + std::max(sizeof(F), sizeof(result_type)) + align - 1) / align * align;

  static F* future(void* cell) noexcept {
    return std::launder(reinterpret_cast<F*>(static_cast<unsigned char*>(cell) + payload_offset));
  }
  static result_type* result(void* cell) noexcept {
    return std::launder(
        reinterpret_cast<result_type*>(static_cast<unsigned char*>(cell) + payload_offset));
  }
};

/// The typed operations on a cell of root type `F`, for a task type `Task`.
template <class Task>
struct cell_ops {
  /// Polls the future; on completion (or an escaped exception) replaces it by its result and
  /// returns true.
  bool (*poll)(void* cell, Task& task);
  /// Destroys the future (cancel) or the result (not taken).
  void (*destroy_future)(void* cell) noexcept;
  void (*destroy_result)(void* cell) noexcept;
  /// Whether the result holds an exception that escaped the task's poll.
  bool (*is_exception)(void* cell) noexcept;
  std::size_t payload_offset;
};

template <class F, class Task>
struct cell_ops_for {
  using layout = cell_layout<F>;
  using result_type = typename layout::result_type;
  using error_type = error_type_t<F>;

  static bool poll(void* cell, Task& task) {
    F* f = layout::future(cell);
    try {
      auto r = f->poll(task);
      if (r.is_pending()) return false;
      std::destroy_at(f);  // the future's destructor runs here, once, before completion is seen
      store(cell, std::move(r));
    } catch (...) {  // only the future's poll throws here: store does not
      std::destroy_at(f);
      store_exception(cell, std::current_exception());
    }
    return true;
  }
  /// Builds the task's result in the payload from the future's outcome. A move of the item or
  /// the error that throws makes the result that exception instead: the task fails with it and
  /// nothing else is affected (the future is already destroyed, once).
  static void store(void* cell, poll_result<item_type_t<F>, error_type>&& r) noexcept {
    try {
      if constexpr (std::is_same_v<error_type, never>) {  // no error branch to build
        std::construct_at(layout::result(cell),
                          ready_value<item_type_t<F>>{std::move(r).get_value()});
      } else if (r.is_ready()) {
        std::construct_at(layout::result(cell),
                          ready_value<item_type_t<F>>{std::move(r).get_value()});
      } else {
        std::construct_at(layout::result(cell),
                          failed_value<join_error<error_type>>{
                              join_error<error_type>::from_error(std::move(r).get_error())});
      }
    } catch (...) {
      store_exception(cell, std::current_exception());
    }
  }
  static void store_exception(void* cell, std::exception_ptr e) noexcept {
    std::construct_at(
        layout::result(cell),
        failed_value<join_error<error_type>>{join_error<error_type>::from_exception(std::move(e))});
  }
  static void destroy_future(void* cell) noexcept { std::destroy_at(layout::future(cell)); }
  static void destroy_result(void* cell) noexcept { std::destroy_at(layout::result(cell)); }
  static bool is_exception(void* cell) noexcept {
    const result_type& r = *layout::result(cell);
    return r.is_failed() && r.get_error().is_exception();
  }

  static constexpr cell_ops<Task> table = {&poll, &destroy_future, &destroy_result, &is_exception,
                                           layout::payload_offset};
};

}  // namespace gentask
