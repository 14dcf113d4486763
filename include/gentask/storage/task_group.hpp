#pragma once
/// @file
/// `task_group<F, Task>`: the tasks of one root future type `F`, stored in a slab of cells.
///
/// - **Chunks.** Cells live in chunks of a fixed power-of-two count (about 16 KiB each); a slot
///   id is `chunk << shift | index`. A chunk never moves, so a live future keeps its address
///   (a future may hold it), and spawning into a group with a free cell allocates nothing.
/// - **Free lists per chunk** (a slab allocator): each chunk keeps its own free list and live
///   count, and the group keeps a doubly linked list of the chunks that have a free cell, so
///   allocation and release are O(1).
/// - **Generations outside the chunks.** Every slot ever created has a generation, kept in one
///   block per chunk number that is never released; freeing a cell advances it. A stale id (a
///   wake handle kept after its task ended) is checked against it before any chunk memory is
///   touched, so it stays harmless when its chunk has been given back.
/// - **Giving memory back: when the group *stays* mostly empty.** Every task completion that
///   leaves the group below a quarter full extends a streak; one that leaves it fuller, or a spawn
///   that fills it to a quarter, resets the streak. When the streak reaches the group's capacity
///   (as many quiet completions as the group has cells), every empty chunk but one spare is
///   returned to the allocator by a sweep that inspects at most `sweep_steps` chunks per
///   completion (so no single completion stalls, however large the group grew), and `trim()`
///   (the reactor calls it when it goes idle, before it parks) gives them back at once when the
///   group is below a quarter full. Released chunk numbers keep their slots' generations and are
///   reused lowest first (a min-heap: O(log n) per chunk, linear in all). So a burst does not pin
///   its peak memory (embassy's static pools never give memory back), while a workload that
///   fills and drains its group in batches without going idle never gives back the chunks it is
///   about to need again, and so spawns without allocating.
///
/// The typed parts (poll, destroy) go through one `cell_ops` table per group: the scheduler's
/// dispatch of a ready task costs one indirect call through it (none with the closed map, which
/// knows the group's type at compile time). Single-threaded: a group belongs to its reactor.

#include <gentask/core/future.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/storage/task_cell.hpp>
#include <gentask/storage/task_id.hpp>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

namespace gentask {

/// Thrown by `spawn` when a group would need more slots than a task id can name.
class task_capacity_exceeded : public std::length_error {
 public:
  task_capacity_exceeded() : std::length_error("gentask: a task group is full (2^24 tasks)") {}
};

/// The type-erased part of a group: the slab, the generations, the chunk policy.
template <class Task>
class task_group_base {
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

 public:
  task_group_base(std::uint32_t group_id, const cell_ops<Task>* ops, std::size_t cell_size,
                  std::size_t cell_align)
      : ops_(ops),
        cell_size_(cell_size),
        cell_align_(cell_align),
        shift_(chunk_shift(cell_size)),
        mask_((1U << shift_) - 1U),
        group_id_(group_id) {}
  task_group_base(const task_group_base&) = delete;
  task_group_base& operator=(const task_group_base&) = delete;

  /// Destroys whatever futures and results remain, then the chunks.
  virtual ~task_group_base() {
    for (std::uint32_t c = 0; c < chunks_.size(); ++c) {
      if (chunks_[c].cells == nullptr) continue;
      for (std::uint32_t i = 0; i < get_cells_per_chunk(); ++i) {
        void* cell = cell_at(c, i);
        auto* h = header_of(cell);
        if (h->get_phase() == task_phase::pending) ops_->destroy_future(cell);
        if (h->get_phase() == task_phase::complete) ops_->destroy_result(cell);
      }
      release_chunk_memory(c);
    }
    for (chunk& c : chunks_) delete[] c.generations;
  }

  [[nodiscard]] std::uint32_t get_group_id() const noexcept { return group_id_; }
  [[nodiscard]] const cell_ops<Task>& get_ops() const noexcept { return *ops_; }

  /// The header of the task `id` names, or nullptr if `id` is stale (its task has ended and its
  /// slot was freed or reused). Touches chunk memory only when the generation matches.
  [[nodiscard]] task_header* find(task_id id) noexcept {
    const std::uint32_t slot = id.get_slot();
    const std::uint32_t c = slot >> shift_;
    if (c >= chunks_.size() || chunks_[c].generations[slot & mask_] != id.get_generation()) {
      return nullptr;
    }
    return header_of(cell_at(c, slot & mask_));
  }

  [[nodiscard]] void* cell(std::uint32_t slot) noexcept {
    return cell_at(slot >> shift_, slot & mask_);
  }
  static task_header* header_of(void* cell) noexcept {
    return std::launder(static_cast<task_header*>(cell));
  }
  [[nodiscard]] task_id id_of(std::uint32_t slot) const noexcept {
    return task_id(group_id_, slot, generation(slot));
  }

  struct allocation {
    std::uint32_t slot;
    void* cell;
    std::uint32_t generation;  ///< the slot's generation: the new task's id is (group, slot, it)
  };
  /// Takes a free cell and returns its slot, address and generation.
  allocation allocate() {
    if (first_free_chunk_ == none) [[unlikely]]
      add_chunk();
    const std::uint32_t chunk_index = first_free_chunk_;
    chunk& c = chunks_[chunk_index];
    const std::uint32_t index = c.free_head;
    unsigned char* cell = c.cells + static_cast<std::size_t>(index) * cell_size_;
    auto* h = header_of(cell);
    c.free_head = static_cast<std::uint32_t>(h->next);
    if (c.live++ == 0) --empty_chunks_;
    if (c.free_head == none) unlink_free_chunk(chunk_index);
    ++live_;
    if (live_ * 4 >= capacity_) quiet_completions_ = 0;
    std::construct_at(h);  // a fresh header: no link, no joiner, phase free
    return {(chunk_index << shift_) | index, cell, c.generations[index]};
  }

  /// Returns a cell to its chunk's free list and advances the slot's generation; may give empty
  /// chunks back (see the file comment).
  void free_slot(std::uint32_t slot) noexcept { free_slot(slot, cell(slot)); }
  /// As above, with the slot's cell already at hand.
  void free_slot(std::uint32_t slot, void* cell) noexcept {
    const std::uint32_t chunk_index = slot >> shift_;
    const std::uint32_t index = slot & mask_;
    chunk& c = chunks_[chunk_index];
    std::uint32_t& gen = c.generations[index];
    gen = (gen + 1U) & task_id::generation_mask;
    auto* h = header_of(cell);
    h->state = 0;
    h->next = c.free_head;
    if (c.free_head == none) link_free_chunk(chunk_index);
    c.free_head = index;
    --live_;
    if (--c.live == 0) ++empty_chunks_;
    if (live_ * 4 >= capacity_) {
      quiet_completions_ = 0;
    } else if (++quiet_completions_ >= capacity_) [[unlikely]] {
      end_quiet_streak();
    }
    if (sweep_cursor_ != none) [[unlikely]]
      sweep(sweep_steps);
  }

  /// Chunks a sweep inspects per completion (it gives back the empty ones among them).
  static constexpr std::uint32_t sweep_steps = 8;

  /// The reactor is going idle: if the group is below a quarter full, gives back every empty
  /// chunk but one spare, now. Cheap when there is nothing to give back.
  void trim() noexcept {
    if (!release_enabled_ || empty_chunks_ <= 1 || live_ * 4 >= capacity_) return;
    begin_sweep();
    sweep(std::numeric_limits<std::uint32_t>::max());
  }

  /// Stops giving memory back (the scheduler calls this while shutting down).
  void disable_release() noexcept {
    release_enabled_ = false;
    sweep_cursor_ = none;  // a sweep under way stops too
  }

  /// Calls `fn(slot, header)` for every cell in use.
  template <class Fn>
  void for_each_used(Fn&& fn) {
    for (std::uint32_t c = 0; c < chunks_.size(); ++c) {
      if (chunks_[c].cells == nullptr || chunks_[c].live == 0) continue;
      for (std::uint32_t i = 0; i < get_cells_per_chunk(); ++i) {
        // fn may free cells (never memory: the scheduler disables release first).
        auto* h = header_of(cell_at(c, i));
        if (h->get_phase() != task_phase::free) fn((c << shift_) | i, *h);
      }
    }
  }

  [[nodiscard]] std::size_t get_live_count() const noexcept { return live_; }
  [[nodiscard]] std::size_t get_capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t get_chunk_count() const noexcept { return live_chunks_; }
  [[nodiscard]] std::uint32_t get_cells_per_chunk() const noexcept { return 1U << shift_; }
  [[nodiscard]] std::size_t get_cell_size() const noexcept { return cell_size_; }
  /// Completions in a row that left the group below a quarter full (see the release policy).
  [[nodiscard]] std::size_t get_quiet_completions() const noexcept { return quiet_completions_; }
  [[nodiscard]] std::uint32_t generation(std::uint32_t slot) const noexcept {
    return chunks_[slot >> shift_].generations[slot & mask_];
  }

 private:
  struct chunk {
    unsigned char* cells = nullptr;  // released when the chunk is given back
    std::uint32_t* generations = nullptr;  // one per slot of this chunk number, never released
    std::uint32_t free_head = none;
    std::uint32_t live = 0;
    std::uint32_t prev_free = none;  // the list of chunks with a free cell
    std::uint32_t next_free = none;
  };

  static std::uint32_t chunk_shift(std::size_t cell_size) noexcept {
    constexpr std::size_t chunk_bytes = 16 * 1024;
    const std::size_t cells = std::max<std::size_t>(1, chunk_bytes / cell_size);
    return static_cast<std::uint32_t>(std::bit_width(std::bit_floor(cells)) - 1);
  }

  [[nodiscard]] void* cell_at(std::uint32_t chunk_index, std::uint32_t index) noexcept {
    return chunks_[chunk_index].cells + static_cast<std::size_t>(index) * cell_size_;
  }

  [[gnu::noinline]] void add_chunk() {
    std::uint32_t chunk_index = none;
    if (!retired_.empty()) {
      chunk_index = retired_.front();  // the lowest released number
    } else {
      const std::size_t slots = (chunks_.size() + 1) << shift_;
      if (slots - 1 > task_id::max_slot) throw task_capacity_exceeded();
      auto generations = std::make_unique<std::uint32_t[]>(get_cells_per_chunk());  // zeroed
      if (chunks_.size() == chunks_.capacity()) {
        chunks_.reserve(std::max<std::size_t>(8, 2 * chunks_.capacity()));
      }
      retired_.reserve(chunks_.capacity());  // so that retiring a chunk never allocates
      chunks_.emplace_back();                // room reserved above
      chunks_.back().generations = generations.release();
      chunk_index = static_cast<std::uint32_t>(chunks_.size() - 1);
    }
    const std::size_t bytes = static_cast<std::size_t>(get_cells_per_chunk()) * cell_size_;
    auto* memory =
        static_cast<unsigned char*>(::operator new(bytes, std::align_val_t(cell_align_)));
    if (!retired_.empty() && retired_.front() == chunk_index) {
      std::pop_heap(retired_.begin(), retired_.end(), std::greater<>{});
      retired_.pop_back();
    }
    chunk& c = chunks_[chunk_index];
    c.cells = memory;
    c.live = 0;
    c.free_head = none;
    for (std::uint32_t i = get_cells_per_chunk(); i-- > 0;) {  // free list in address order
      auto* h = std::construct_at(static_cast<task_header*>(cell_at(chunk_index, i)));
      h->next = c.free_head;
      c.free_head = i;
    }
    ++live_chunks_;
    capacity_ += get_cells_per_chunk();
    ++empty_chunks_;
    link_free_chunk(chunk_index);
  }

  /// The group stayed below a quarter full for as many completions as it has cells: a sweep
  /// begins (kept out of line: the completion path stays short).
  [[gnu::noinline]] void end_quiet_streak() noexcept {
    quiet_completions_ = 0;
    if (release_enabled_) begin_sweep();
  }

  /// Starts (or restarts) a sweep from chunk 0: it gives back every empty chunk but one (the
  /// lowest-numbered it meets stays as the spare).
  void begin_sweep() noexcept {
    sweep_cursor_ = 0;
    spare_kept_ = false;
  }
  /// Continues the sweep over at most `steps` chunks; ends it at the last chunk, or once a
  /// single empty chunk is left.
  [[gnu::noinline]] void sweep(std::uint32_t steps) noexcept {
    const auto n = static_cast<std::uint32_t>(chunks_.size());
    std::uint32_t c = sweep_cursor_;
    for (; steps > 0 && c < n && empty_chunks_ > 1; --steps, ++c) {
      if (chunks_[c].cells == nullptr || chunks_[c].live != 0) continue;
      if (!spare_kept_) {
        spare_kept_ = true;
        continue;
      }
      retire_chunk(c);
    }
    sweep_cursor_ = (c >= n || empty_chunks_ <= 1) ? none : c;
  }

  void retire_chunk(std::uint32_t chunk_index) noexcept {
    unlink_free_chunk(chunk_index);
    release_chunk_memory(chunk_index);
    --live_chunks_;
    capacity_ -= get_cells_per_chunk();
    --empty_chunks_;
    // A min-heap: new chunks fill holes from the bottom, O(log n) per chunk.
    retired_.push_back(chunk_index);  // capacity reserved in add_chunk
    std::push_heap(retired_.begin(), retired_.end(), std::greater<>{});
  }

  void release_chunk_memory(std::uint32_t chunk_index) noexcept {
    chunk& c = chunks_[chunk_index];
    ::operator delete(c.cells, std::align_val_t(cell_align_));
    c.cells = nullptr;
    c.free_head = none;
  }

  [[gnu::noinline]] void link_free_chunk(std::uint32_t chunk_index) noexcept {
    chunk& c = chunks_[chunk_index];
    c.prev_free = none;
    c.next_free = first_free_chunk_;
    if (first_free_chunk_ != none) chunks_[first_free_chunk_].prev_free = chunk_index;
    first_free_chunk_ = chunk_index;
  }
  [[gnu::noinline]] void unlink_free_chunk(std::uint32_t chunk_index) noexcept {
    chunk& c = chunks_[chunk_index];
    if (c.prev_free != none) {
      chunks_[c.prev_free].next_free = c.next_free;
    } else {
      first_free_chunk_ = c.next_free;
    }
    if (c.next_free != none) chunks_[c.next_free].prev_free = c.prev_free;
    c.prev_free = c.next_free = none;
  }

  const cell_ops<Task>* ops_;
  std::size_t cell_size_;
  std::size_t cell_align_;
  std::uint32_t shift_;
  std::uint32_t mask_;
  std::uint32_t group_id_;
  std::vector<chunk> chunks_;  // by chunk number, never shrinks
  std::vector<std::uint32_t> retired_;       // released chunk numbers, a min-heap
  std::uint32_t first_free_chunk_ = none;
  std::uint32_t sweep_cursor_ = none;  // the next chunk a sweep inspects, or none
  bool spare_kept_ = false;
  std::uint32_t live_chunks_ = 0;
  std::uint32_t empty_chunks_ = 0;
  std::size_t live_ = 0;
  std::size_t capacity_ = 0;
  std::size_t quiet_completions_ = 0;
  bool release_enabled_ = true;
};

/// The group of root future type `F`.
template <class F, class Task>
class task_group : public task_group_base<Task> {
  using layout = cell_layout<F>;
  using ops = cell_ops_for<F, Task>;

 public:
  using future_type = F;
  using result_type = join_result_t<F>;

  explicit task_group(std::uint32_t group_id)
      : task_group_base<Task>(group_id, &ops::table, layout::size, layout::align) {}

  /// Moves `f` into a free cell (pending phase) and returns its id. Allocates only when the group
  /// has no free cell.
  template <class G>
  task_id spawn(G&& f) {
    return spawn_cell(std::forward<G>(f)).id;
  }
  /// As `spawn`, also giving the new cell's header.
  template <class G>
  spawned_task spawn_cell(G&& f) {
    const auto [slot, c, generation] = this->allocate();
    try {
      std::construct_at(layout::future(c), std::forward<G>(f));
    } catch (...) {
      this->free_slot(slot, c);
      throw;
    }
    auto* h = this->header_of(c);
    h->begin_pending(layout::payload_offset);
    return {task_id(this->get_group_id(), slot, generation), h};
  }

  /// Polls the task in `cell`, directly (no indirect call): the closed map's path.
  static bool poll_cell(void* cell, Task& task) { return ops::poll(cell, task); }
  bool poll_direct(std::uint32_t slot, Task& task) { return ops::poll(this->cell(slot), task); }
};

}  // namespace gentask
