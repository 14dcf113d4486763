#pragma once
/// @file
/// The baselines typed groups are measured against: one heap allocation per task.
///
/// - `boxed_storage`: each spawned task is one heap block holding its header and its payload (the
/// root
///   future, then its result), type-erased behind a `cell_ops` table, the way tokio keeps a task
///   in one `Box<Cell<T, S>>` (header, core, trailer) behind its vtable. The block is freed when
///   the task ends. A slot table (pointer, ops, generation per slot, with a free list) gives the
///   same task ids as the typed groups, so wake handles and join handles work unchanged.
/// - `boxed_recycling_storage`: the same, with Asio's recycling allocator in front of `operator
/// new`, as
///   Boost 1.74 has it (`asio/detail/thread_info_base.hpp`): one cached block per purpose (here,
///   per reactor, which is single-threaded, where Asio keeps it per thread); a freed block of at
///   most 255 four-byte chunks goes into the empty cache, otherwise back to `operator delete`; an
///   allocation takes the cached block when it is big enough. With one live task at a time that
///   is about zero allocations per task; in batches, about one.
///
/// Dispatching a ready task costs one indirect call (the block's `cell_ops::poll`).

#include <gentask/storage/task_cell.hpp>
#include <gentask/storage/task_group.hpp>
#include <gentask/storage/task_id.hpp>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace gentask {
namespace detail {

/// `operator new` as a `new` expression would call it: the plain form (malloc) unless the block
/// is over-aligned.
struct plain_block_allocator {
  void* allocate(std::size_t size, std::size_t align) {
    if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      return ::operator new(size, std::align_val_t(align));
    }
    return ::operator new(size);
  }
  void deallocate(void* p, std::size_t /*size*/, std::size_t align) noexcept {
    if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      ::operator delete(p, std::align_val_t(align));
      return;
    }
    ::operator delete(p);
  }
};

/// Boost 1.74 Asio's one-block recycling cache (thread_info_base::allocate / deallocate), for
/// blocks aligned to at most `alignof(std::max_align_t)` (larger alignments go straight through).
class recycling_block_allocator {
  static constexpr std::size_t chunk_size = 4;

 public:
  recycling_block_allocator() = default;
  recycling_block_allocator(const recycling_block_allocator&) = delete;
  recycling_block_allocator& operator=(const recycling_block_allocator&) = delete;
  ~recycling_block_allocator() { ::operator delete(cached_); }

  void* allocate(std::size_t size, std::size_t align) {
    if (align > alignof(std::max_align_t)) return ::operator new(size, std::align_val_t(align));
    const std::size_t chunks = (size + chunk_size - 1) / chunk_size;
    if (cached_ != nullptr) {
      void* p = std::exchange(cached_, nullptr);
      auto* mem = static_cast<unsigned char*>(p);
      if (static_cast<std::size_t>(mem[0]) >= chunks) {
        mem[size] = mem[0];
        return p;
      }
      ::operator delete(p);
    }
    void* p = ::operator new(chunks* chunk_size + 1);
    auto* mem = static_cast<unsigned char*>(p);
    mem[size] = (chunks <= UCHAR_MAX) ? static_cast<unsigned char>(chunks) : 0;
    return p;
  }
  void deallocate(void* p, std::size_t size, std::size_t align) noexcept {
    if (align > alignof(std::max_align_t)) {
      ::operator delete(p, std::align_val_t(align));
      return;
    }
    if (size <= chunk_size * UCHAR_MAX && cached_ == nullptr) {
      auto* mem = static_cast<unsigned char*>(p);
      mem[0] = mem[size];
      cached_ = p;
      return;
    }
    ::operator delete(p);
  }

 private:
  void* cached_ = nullptr;
};

}  // namespace detail

template <class Task, class Allocator>
class boxed_task_store {
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint32_t group = 0;

 public:
  static constexpr const char* name =
      std::is_same_v<Allocator, detail::recycling_block_allocator> ? "boxed_recycling" : "boxed";

  boxed_task_store() = default;
  boxed_task_store(const boxed_task_store&) = delete;
  boxed_task_store& operator=(const boxed_task_store&) = delete;
  ~boxed_task_store() {
    for (auto& e : slots_) {
      if (e.cell == nullptr) continue;
      auto* h = header(e.cell);
      if (h->get_phase() == task_phase::pending) e.ops->destroy_future(e.cell);
      if (h->get_phase() == task_phase::complete) e.ops->destroy_result(e.cell);
      allocator_.deallocate(e.cell, e.size, e.align);
    }
  }

  template <class F>
  static constexpr bool accepts = true;

  template <class G>
  task_id spawn(G&& f) {
    return spawn_cell(std::forward<G>(f)).id;
  }
  template <class G>
  spawned_task spawn_cell(G&& f) {
    using F = std::remove_cvref_t<G>;
    using layout = cell_layout<F>;
    if (free_head_ == none && slots_.size() > task_id::max_slot) throw task_capacity_exceeded();
    if (free_head_ == none && slots_.size() == slots_.capacity()) {  // may throw: nothing changed
      slots_.reserve(std::max<std::size_t>(16, 2 * slots_.size()));
    }
    void* block = allocator_.allocate(layout::size, layout::align);  // the per-task allocation
    auto* h = std::construct_at(static_cast<task_header*>(block));
    try {
      std::construct_at(layout::future(block), std::forward<G>(f));
    } catch (...) {
      allocator_.deallocate(block, layout::size, layout::align);
      throw;
    }
    h->begin_pending(layout::payload_offset);
    std::uint32_t slot = 0;
    if (free_head_ != none) {
      slot = free_head_;
      free_head_ = slots_[slot].next_free;
    } else {
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    entry& e = slots_[slot];
    e.cell = block;
    e.ops = &cell_ops_for<F, Task>::table;
    e.size = layout::size;
    e.align = layout::align;
    ++live_;
    return {task_id(group, slot, e.generation), h};
  }

  [[nodiscard]] task_header* find(task_id id) noexcept {
    const std::uint32_t slot = id.get_slot();
    if (id.get_group() != group || slot >= slots_.size()) return nullptr;
    const entry& e = slots_[slot];
    if (e.cell == nullptr || e.generation != id.get_generation()) return nullptr;
    return header(e.cell);
  }
  [[nodiscard]] void* cell(task_id id) noexcept { return slots_[id.get_slot()].cell; }
  [[nodiscard]] const cell_ops<Task>& ops(task_id id) const noexcept {
    return *slots_[id.get_slot()].ops;
  }
  /// Polls the task in `cell` (the block of `id`): one indirect call.
  bool poll(task_id id, void* cell, Task& task) {
    return slots_[id.get_slot()].ops->poll(cell, task);
  }
  /// Frees the task's block (the payload is already destroyed).
  void free(task_id id, void* /*cell*/) noexcept {
    const std::uint32_t slot = id.get_slot();
    entry& e = slots_[slot];
    std::destroy_at(header(e.cell));
    allocator_.deallocate(e.cell, e.size, e.align);
    e.cell = nullptr;
    e.generation = (e.generation + 1U) & task_id::generation_mask;
    e.next_free = free_head_;
    free_head_ = slot;
    --live_;
  }

  void disable_release() noexcept {}
  template <class Fn>
  void for_each_used(Fn&& fn) {
    for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
      entry& e = slots_[slot];
      if (e.cell != nullptr) fn(task_id(group, slot, e.generation), *header(e.cell));
    }
  }

  [[nodiscard]] std::size_t get_group_count() const noexcept { return 1; }
  [[nodiscard]] std::size_t get_live_count() const noexcept { return live_; }

 private:
  struct entry {
    void* cell = nullptr;
    const cell_ops<Task>* ops = nullptr;
    std::uint32_t size = 0;
    std::uint32_t align = 0;
    std::uint32_t generation = 0;
    std::uint32_t next_free = none;
  };
  static task_header* header(void* cell) noexcept {
    return std::launder(static_cast<task_header*>(cell));
  }

  std::vector<entry> slots_;
  std::uint32_t free_head_ = none;
  std::size_t live_ = 0;
  [[no_unique_address]] Allocator allocator_;
};

/// The storage policy tags: one allocation per task, plain or through Asio's recycling cache.
struct boxed_storage {
  template <class Task>
  using store = boxed_task_store<Task, detail::plain_block_allocator>;
};
struct boxed_recycling_storage {
  template <class Task>
  using store = boxed_task_store<Task, detail::recycling_block_allocator>;
};

}  // namespace gentask
