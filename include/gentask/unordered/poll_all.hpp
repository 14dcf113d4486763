#pragma once
/// @file
/// `unordered::poll_all<F>`: the naive baseline `futures_unordered`. Every `poll_next` polls every
/// child, in slot order, with the parent's own task, and returns the first that completes: no
/// per-child wake handle, no ready queue, a cost linear in the number of children per wake, by
/// design. It is the loop of futures 0.1's `select_all` (`src/future/select_all.rs`: poll the
/// elements in order with the current task, stop at the first that is ready, remove it) kept
/// running as a stream, and the no-bookkeeping baseline against which the notifying designs
/// (`per_leaf_notify`, `ready_id_set`) and `spawn_per_child` are measured.
///
/// **Contract**: the one all `futures_unordered` variants keep (set_shell.hpp), with two
/// specifics: pollable on `Task` exactly when `F` is pollable on `Task` (the children get the
/// parent's task itself, so every capability, `get_remote_waker` included, reaches them), and
/// a `pending` result has a wake of `t` arranged by each pending child through `t`.
///
/// **Design.** Children sit in a vector of slots with an intrusive free list (a completed child's
/// slot is reused by a later push). `poll_next` polls the live slots in index order and stops at
/// the first child that completes: it is removed and its outcome returned; the children after it
/// are not polled in that call, so an outcome is never computed and then dropped. Completion
/// order is therefore only approximate: among children that became ready since the last call,
/// the lowest slot comes first.
///
/// **Known behaviours.** Every wake of any child costs a poll of every child. A child that wakes
/// itself on each poll is polled once per `poll_next` (no livelock). Vector growth (on `push`)
/// moves the children (gentask futures may be moved between polls); a child is never moved while
/// it runs: a push made from inside a child's poll is kept aside and placed when that poll
/// returns, and if it lands in a slot the sweep has already passed and the call ends `pending`,
/// the parent is woken so that the new child runs. No allocation except vector growth on push.
///
/// **Exceptions, destruction, destruction from inside a child's poll**: as in the contract
/// (set_shell.hpp); there are no per-child handles: the handles children keep are the parent's.
/// The storage handed to `poll_next`'s guard is the vector of slots, whose elements keep their
/// addresses.

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/unordered/set_shell.hpp>

#include <cstddef>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace gentask::detail {

inline constexpr std::size_t pa_no_slot = std::numeric_limits<std::size_t>::max();

template <class F>
struct pa_slot {
  std::optional<F> future;
  std::size_t next_free = pa_no_slot;
};

/// What the set owns (set_shell's `Storage`): moved into the poll guard when the set is destroyed
/// during a child's poll.
template <class F>
struct pa_storage {
  std::vector<pa_slot<F>> slots;
  std::vector<std::optional<F>> deferred;  // pushed while a child was being polled
  std::size_t deferred_live = 0;           // engaged entries of `deferred`
  std::size_t active = 0;                  // children in `slots`
  std::size_t free_head = pa_no_slot;

  pa_storage() = default;
  pa_storage(pa_storage&& other) noexcept
      : slots(std::move(other.slots)),
        deferred(std::move(other.deferred)),
        deferred_live(std::exchange(other.deferred_live, 0)),
        active(std::exchange(other.active, 0)),
        free_head(std::exchange(other.free_head, pa_no_slot)) {
    other.slots.clear();
    other.deferred.clear();
  }
  pa_storage& operator=(pa_storage&& other) noexcept {
    if (this != &other) {
      clear();
      slots = std::move(other.slots);
      deferred = std::move(other.deferred);
      deferred_live = std::exchange(other.deferred_live, 0);
      active = std::exchange(other.active, 0);
      free_head = std::exchange(other.free_head, pa_no_slot);
      other.slots.clear();
      other.deferred.clear();
    }
    return *this;
  }
  pa_storage(const pa_storage&) = delete;
  pa_storage& operator=(const pa_storage&) = delete;
  ~pa_storage() = default;

  void clear() noexcept {
    slots.clear();
    deferred.clear();
    deferred_live = 0;
    active = 0;
    free_head = pa_no_slot;
  }

  /// Destroys the child in `index` and frees the slot.
  void remove(std::size_t index) noexcept {
    slots[index].future.reset();
    slots[index].next_free = std::exchange(free_head, index);
    --active;
  }
};

}  // namespace gentask::detail

namespace gentask::unordered {

template <future F>
class poll_all : private detail::set_shell<detail::pa_storage<F>> {
  static_assert(std::is_object_v<F> && !std::is_const_v<F>,
                "poll_all: the child type must be a non-const object type");
  using shell = detail::set_shell<detail::pa_storage<F>>;
  using shell::s_;

 public:
  using stream_concept = stream_tag;
  /// One child's outcome: ready or failed, never pending.
  using item_type = poll_result<item_type_t<F>, error_type_t<F>>;
  using error_type = never;

  /// Moves, copies and destruction: set_shell.hpp.
  poll_all() = default;

  /// Stores `f` in a free slot (or a new one); it first runs when the set is polled.
  void push(F f) {
    if (this->is_polling()) {
      s_.deferred.emplace_back(std::in_place, std::move(f));
      ++s_.deferred_live;
      return;
    }
    place(std::move(f));
  }
  /// As `push(f)`; the task is unused (the interface of `spawn_per_child`).
  template <task Task>
  void push(Task& /*task*/, F f) {
    push(std::move(f));
  }

  [[nodiscard]] std::size_t size() const noexcept { return s_.active + s_.deferred_live; }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  template <task Task>
  requires pollable<F, Task> stream_poll_result<item_type, never> poll_next(Task& t) {
    this->check_not_polling("poll_all::poll_next: not reentrant (a child polled its set)");
    merge_deferred();  // pushes left aside by a child's poll that threw
    if (s_.active == 0) return ready_value{std::optional<item_type>()};
    poll_guard guard(*this);
    bool wake_for_pushed = false;
    for (std::size_t i = 0; i < s_.slots.size(); ++i) {  // re-read: pushes may append
      if (!s_.slots[i].future) continue;
      guard.in_flight = i;
      item_type r = s_.slots[i].future->poll(t);
      if (guard.set_destroyed())
        return pending;  // the set is gone; the guard destroys the children
      guard.in_flight = detail::pa_no_slot;
      if (!s_.deferred.empty() && merge_deferred() <= i) wake_for_pushed = true;
      if (r.is_complete()) {
        s_.remove(i);
        return ready_value{std::optional<item_type>(std::move(r))};
      }
    }
    if (wake_for_pushed) t.get_waker().wake();  // a new child sits in a slot already passed
    return pending;
  }

 private:
  /// `poll_next`'s guard (set_shell.hpp); removes a child whose poll threw.
  struct poll_guard : shell::poll_guard_base {
    explicit poll_guard(poll_all& set) noexcept : shell::poll_guard_base(set) {}
    poll_guard(const poll_guard&) = delete;
    poll_guard& operator=(const poll_guard&) = delete;
    ~poll_guard() {
      if (!this->set_destroyed() && in_flight != detail::pa_no_slot) {
        this->storage().remove(in_flight);
      }
    }

    std::size_t in_flight = detail::pa_no_slot;
  };

  /// Stores `f`; returns its slot.
  std::size_t place(F&& f) {
    std::size_t index = s_.free_head;
    if (index != detail::pa_no_slot) {
      s_.slots[index].future.emplace(std::move(f));
      s_.free_head = std::exchange(s_.slots[index].next_free, detail::pa_no_slot);
    } else {
      index = s_.slots.size();
      s_.slots.emplace_back();
      try {
        s_.slots.back().future.emplace(std::move(f));
      } catch (...) {
        s_.slots.pop_back();
        throw;
      }
    }
    ++s_.active;
    return index;
  }

  /// Places the children pushed during a child's poll; returns the lowest slot used.
  std::size_t merge_deferred() {
    if (s_.deferred.empty()) return detail::pa_no_slot;
    // Each entry is emptied once placed, so a throwing placement leaves the rest for later
    // (no assignment of `F` needed).
    std::size_t lowest = detail::pa_no_slot;
    for (std::optional<F>& entry : s_.deferred) {
      if (!entry) continue;
      const std::size_t index = place(std::move(*entry));
      entry.reset();
      --s_.deferred_live;
      if (index < lowest) lowest = index;
    }
    s_.deferred.clear();
    return lowest;
  }
};

}  // namespace gentask::unordered
