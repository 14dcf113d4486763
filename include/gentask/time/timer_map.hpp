#pragma once
/// @file
/// `timer_map`: a timer index over a `std::map` (the local reactor's timer structure until issue
/// 15), kept as the baseline that `timer_heap` was measured against (NOTES section 10).
///
/// A timer index is what `basic_timer_queue<Index>` keeps its registrations in (see
/// time/timer_queue.hpp for the contract every index meets): here an ordered map from
/// (deadline, registration number) to the wake handle, and a hash map from the registration
/// number to its deadline, so that removing a registration by its key is O(log n). Each insert
/// allocates two nodes and each removal or firing frees them; the earliest registration is the
/// map's first node. Keys are registration numbers, 64-bit and never reused.

#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <utility>

namespace gentask {

class timer_map {
 public:
  timer_map() = default;
  timer_map(const timer_map&) = delete;
  timer_map& operator=(const timer_map&) = delete;
  ~timer_map() = default;

  /// Adds a registration; returns its key. Strong guarantee (nothing changes if it throws).
  [[nodiscard]] std::uint64_t insert(time_point deadline, const waker& w) {
    const std::uint64_t id = next_id_++;
    deadlines_.emplace(id, deadline);
    try {
      entries_.emplace(key{deadline, id}, w);
    } catch (...) {
      deadlines_.erase(id);
      throw;
    }
    return id;
  }

  /// Removes the registration of `id`, if it is still there; returns its wake handle (a no-op
  /// handle if it was not), which the caller drops after the index is consistent again.
  waker remove(std::uint64_t id) noexcept {
    const auto d = deadlines_.find(id);
    if (d == deadlines_.end()) return {};  // already fired or removed
    auto node = entries_.extract(key{d->second, id});
    deadlines_.erase(d);
    return std::move(node.mapped());
  }

  [[nodiscard]] bool is_empty() const noexcept { return entries_.empty(); }
  [[nodiscard]] std::size_t get_size() const noexcept { return entries_.size(); }
  /// The earliest deadline; precondition: not empty.
  [[nodiscard]] time_point get_top_deadline() const noexcept {
    return entries_.begin()->first.deadline;
  }
  /// Removes the earliest registration (the first made, among equal deadlines) and returns its
  /// wake handle; precondition: not empty.
  waker pop_top() noexcept {
    auto node = entries_.extract(entries_.begin());
    deadlines_.erase(node.key().id);
    return std::move(node.mapped());
  }
  /// Removes every registration without waking (the handles are dropped after the index is
  /// empty, so a release that reaches back into it finds it consistent).
  void clear() noexcept {
    auto old = std::move(entries_);
    entries_.clear();
    deadlines_.clear();
    old.clear();
  }

 private:
  struct key {
    time_point deadline;
    std::uint64_t id;
    friend bool operator<(const key& a, const key& b) noexcept {
      return a.deadline != b.deadline ? a.deadline < b.deadline : a.id < b.id;
    }
  };

  std::uint64_t next_id_ = 1;
  std::map<key, waker> entries_;
  std::unordered_map<std::uint64_t, time_point> deadlines_;  // so that removing is O(log n)
};

}  // namespace gentask
