#pragma once
/// @file
/// `timer_heap`: a timer index over a binary min-heap with lazy removal, the local reactor's timer
/// structure since issue 15 (`timer_queue` is `basic_timer_queue<timer_heap>`; the measurement
/// that chose it over `timer_map` is in NOTES section 10).
///
/// A timer index is what `basic_timer_queue<Index>` keeps its registrations in (see
/// time/timer_queue.hpp for the contract). Here:
///   - each registration takes a slot of a slab (its wake handle, a generation, a free-list
///     link); its key is the slot's index and generation, so a key whose registration fired or
///     was removed finds a newer generation (or a free slot) and does nothing;
///   - the heap holds (deadline, registration number, slot, generation) entries ordered by
///     deadline, then by registration number, so equal deadlines fire in the order they were
///     made (a binary heap alone is not stable);
///   - removing a registration frees its slot at once (O(1): the wake handle is released) and
///     leaves its heap entry behind, dead; dead entries are dropped when they reach the top, and
///     the whole heap is rebuilt without them (O(n)) when they outnumber the live ones, so
///     removal is amortized O(1) and the heap holds at most about twice the live entries;
///   - the top entry is always live (a removal that kills it pops the dead top entries at once),
///     so the earliest deadline is read in O(1).
/// Insertion is O(log n) (O(1) on average for deadlines in random order); firing pops in
/// O(log n). The slab and the heap keep their capacity: once warm, neither inserting, removing
/// nor firing allocates. A slot whose 32-bit generation would wrap is retired (never reused), so
/// a key can never match a later registration. Single-threaded, as the queue that owns it.

#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace gentask {

class timer_heap {
 public:
  timer_heap() = default;
  timer_heap(const timer_heap&) = delete;
  timer_heap& operator=(const timer_heap&) = delete;
  ~timer_heap() = default;

  /// Adds a registration; returns its key. Strong guarantee (nothing changes if it throws).
  [[nodiscard]] std::uint64_t insert(time_point deadline, const waker& w) {
    if (heap_.size() == heap_.capacity()) heap_.reserve(heap_.empty() ? 16 : 2 * heap_.size());
    const std::uint32_t s = allocate_slot(w);  // may throw; after it nothing does
    heap_.push_back(entry{deadline, next_number_++, s, slots_[s].generation});
    std::push_heap(heap_.begin(), heap_.end(), later);
    return key_of(s);
  }

  /// Removes the registration of `key`, if it is still there; returns its wake handle (a no-op
  /// handle if it was not), which the caller drops after the index is consistent again.
  waker remove(std::uint64_t key) noexcept {
    const auto s = static_cast<std::uint32_t>(key);
    const auto generation = static_cast<std::uint32_t>(key >> 32);
    if (s >= slots_.size() || !is_live(s, generation)) return {};  // fired or removed already
    waker w = free_slot(s);
    ++dead_;
    drop_dead_top();
    if (dead_ > heap_.size() / 2 && heap_.size() >= compact_threshold) compact();
    return w;
  }

  [[nodiscard]] bool is_empty() const noexcept { return heap_.empty(); }
  /// Live registrations.
  [[nodiscard]] std::size_t get_size() const noexcept { return heap_.size() - dead_; }
  /// The earliest deadline; precondition: not empty.
  [[nodiscard]] time_point get_top_deadline() const noexcept { return heap_.front().deadline; }
  /// Removes the earliest registration (the first made, among equal deadlines) and returns its
  /// wake handle; precondition: not empty.
  waker pop_top() noexcept {
    const std::uint32_t s = heap_.front().slot;
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
    waker w = free_slot(s);
    drop_dead_top();
    return w;
  }
  /// Removes every registration without waking; every key issued so far becomes stale. A wake
  /// handle whose release reaches back into this index (removes or inserts) finds it consistent.
  void clear() noexcept {
    std::vector<entry> old;
    old.swap(heap_);
    dead_ = 0;
    for (const entry& e : old) {
      if (is_live(e.slot, e.generation)) (void)free_slot(e.slot);  // the handle is dropped here
    }
    // What releases did meanwhile: count the dead among entries inserted since (usually none).
    dead_ =
        static_cast<std::size_t>(std::count_if(heap_.begin(), heap_.end(), [this](const entry& e) {
          return !is_live(e.slot, e.generation);
        }));
    drop_dead_top();
    if (heap_.empty()) {  // keep the capacity
      old.clear();
      heap_.swap(old);
    }
  }

  /// Heap entries, dead ones included (for tests and measurements).
  [[nodiscard]] std::size_t get_entry_count() const noexcept { return heap_.size(); }
  /// Slots ever made (live, free or retired).
  [[nodiscard]] std::size_t get_slot_count() const noexcept { return slots_.size(); }

 private:
  static constexpr std::uint32_t live_link = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint32_t retired_link = live_link - 1;
  static constexpr std::uint32_t end_link = live_link - 2;  // also the most slots there can be
  static constexpr std::size_t compact_threshold = 64;

  struct slot {
    waker w;
    std::uint32_t generation = 0;
    std::uint32_t link = end_link;  // live_link, retired_link, or the next free slot (end_link)
  };

  struct entry {
    time_point deadline;
    std::uint64_t number;
    std::uint32_t slot;
    std::uint32_t generation;
  };

  /// The heap's order: `std::push_heap` and friends keep the greatest on top, so "greater" here
  /// is "later". A function object, not a function: passed as a pointer, the comparison was an
  /// indirect call at every step of a sift (callgrind showed it not inlined).
  struct later_fn {
    bool operator()(const entry& a, const entry& b) const noexcept {
      return a.deadline != b.deadline ? a.deadline > b.deadline : a.number > b.number;
    }
  };
  static constexpr later_fn later{};

  [[nodiscard]] std::uint64_t key_of(std::uint32_t s) const noexcept {
    return (std::uint64_t{slots_[s].generation} << 32) | s;
  }
  [[nodiscard]] bool is_live(std::uint32_t s, std::uint32_t generation) const noexcept {
    return slots_[s].generation == generation && slots_[s].link == live_link;
  }

  std::uint32_t allocate_slot(const waker& w) {
    if (free_ == end_link) {
      if (slots_.size() >= end_link) [[unlikely]] {
        throw std::length_error("timer_heap: too many timer registrations");
      }
      slots_.emplace_back();  // may throw: nothing has changed yet
      free_ = static_cast<std::uint32_t>(slots_.size() - 1);
    }
    const std::uint32_t s = free_;
    slot& sl = slots_[s];
    free_ = sl.link;
    sl.link = live_link;
    sl.w = w;
    return s;
  }

  waker free_slot(std::uint32_t s) noexcept {
    slot& sl = slots_[s];
    waker w = std::move(sl.w);
    if (sl.generation == std::numeric_limits<std::uint32_t>::max()) [[unlikely]] {
      sl.link = retired_link;  // a new generation would repeat an old key: never reused
    } else {
      ++sl.generation;
      sl.link = free_;
      free_ = s;
    }
    return w;
  }

  void drop_dead_top() noexcept {
    while (!heap_.empty() && !is_live(heap_.front().slot, heap_.front().generation)) {
      std::pop_heap(heap_.begin(), heap_.end(), later);
      heap_.pop_back();
      --dead_;
    }
  }

  /// Rebuilds the heap from its live entries (no allocation).
  void compact() noexcept {
    const auto end = std::remove_if(heap_.begin(), heap_.end(), [this](const entry& e) {
      return !is_live(e.slot, e.generation);
    });
    heap_.erase(end, heap_.end());
    std::make_heap(heap_.begin(), heap_.end(), later);
    dead_ = 0;
  }

  std::vector<entry> heap_;
  std::vector<slot> slots_;
  std::uint32_t free_ = end_link;
  std::size_t dead_ = 0;  // heap entries whose registration was removed
  std::uint64_t next_number_ = 0;
};

}  // namespace gentask
