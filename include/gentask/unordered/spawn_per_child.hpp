#pragma once
/// @file
/// `unordered::spawn_per_child<F>` (also `gentask::futures_unordered<F>`): a set of futures
/// that yields their results in completion order, built on the idea "notify tasks, not
/// futures": every child is spawned as a task of its own. It keeps the contract of every
/// `futures_unordered` variant (set_shell.hpp), with the differences below: a push spawns at
/// once, items are join results (so an exception is its child's item), and the reactor owns
/// the running child.
///
/// - `push(task, f)` spawns `f` at once through `task` (a `spawning_task`), so a child runs
///   while the set is not polled; on a typed-group reactor the child lives in the group of its
///   own type, so pushing allocates nothing once the group is warm. The set keeps the child's
///   join handle in a slab.
/// - A child's wake re-polls only that child: it is a task, and its wake handle is its own.
/// - The parent (the task polling the set) is woken only when a child completes: the child's
///   future is wrapped in `completion_notifier`, which appends the child's slot to a shared
///   completion list (FIFO, the shape of tokio's JoinSet "notified" list) and wakes the
///   parent's stored handle. `poll_next` pops one slot and takes the result from its join
///   handle: O(1), never a scan of the N handles.
/// - Items are each child's outcome, `poll_result<T, join_error<E>>`: ready with the child's
///   value, or failed with its error, `canceled`, or the exception that escaped its poll; a
///   child that throws fails only its own item. The stream's own error type is `never`.
/// - Empty: `poll_next` is ready with `std::nullopt`, as in the contract (and tokio's
///   `join_next`).
/// - Dropping the set (or `clear()`) drops the join handles and so cancels every child: each
///   child's future is destroyed once, on the reactor's thread, and never polled again. A set
///   dropped from inside one of its children's polls is safe: the reactor destroys that child
///   when its poll returns.
///
/// `push` needs a task type that models `spawning_task` and whose `spawn` returns
/// `gentask::join_handle`; on another task type it does not compile, and the diagnostic names
/// the missing capability (`diagnostics::_FUTURES_UNORDERED_NEEDS_SPAWNING_TASK_<Task, F>`, in
/// core/diagnostics.hpp). `poll_next` is constrained on `spawning_task` too, so
/// `pollable_stream` is false elsewhere.
///
/// Costs once warm: one completion list per set (allocated at the first push), 0 allocations
/// per push, per wake and per completion. Single-threaded: the set, its handles and its list
/// belong to the reactor's thread.
///
/// Known limit: a child pushed while its reactor shuts down is canceled at birth and never
/// completes, so the set does not yield it; the reactor (and the parent task with it) is going
/// away then.

#include <gentask/core/diagnostics.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/spawn/join_error.hpp>
#include <gentask/spawn/join_handle.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace gentask {

namespace detail {

/// The completion list shared by a set and its children's notifiers: refcounted, since a
/// notifier may outlive the set (until its task is destroyed) and a set may be moved.
class completion_list {
 public:
  void retain() noexcept { ++refs_; }
  void release() noexcept {
    if (--refs_ == 0) delete this;
  }

  /// A child in `slot` completed (or its poll threw): record it and wake the parent.
  void complete(std::uint32_t slot) noexcept {
    if (closed_) return;
    // Capacity is kept at least at the number of live children (`reserve_for`), so this
    // never allocates.
    completed_.push_back(slot);
    parent_.wake();
  }
  /// Makes room for `n` pending completions, growing geometrically (never exactly).
  void reserve_for(std::size_t n) {
    if (completed_.capacity() - head_ >= n) return;
    compact();
    if (completed_.capacity() < n) {
      completed_.reserve(std::max({n, 2 * completed_.capacity(), std::size_t{8}}));
    }
  }
  [[nodiscard]] std::optional<std::uint32_t> pop() noexcept {
    if (head_ == completed_.size()) return std::nullopt;
    const std::uint32_t slot = completed_[head_++];
    if (head_ == completed_.size()) {
      completed_.clear();
      head_ = 0;
    }
    return slot;
  }
  /// Puts back a slot popped too early (its result was not stored yet).
  void push_front(std::uint32_t slot) {
    if (head_ > 0) {
      completed_[--head_] = slot;
    } else {
      completed_.insert(completed_.begin(), slot);
    }
  }
  void register_parent(const waker& w) {
    if (!parent_.will_wake(w)) parent_ = w;
  }
  /// The set is gone (or cleared): later completions are ignored.
  void close() noexcept {
    closed_ = true;
    parent_ = waker{};
    completed_.clear();
    head_ = 0;
  }

 private:
  void compact() {
    if (head_ == 0) return;
    completed_.erase(completed_.begin(), completed_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }

  std::size_t refs_ = 1;
  bool closed_ = false;
  std::vector<std::uint32_t> completed_;
  std::size_t head_ = 0;
  waker parent_;
};

/// The future a child is spawned as: `F`, plus a notice to the set's completion list when
/// `F` completes or its poll throws.
template <future F>
class completion_notifier {
 public:
  using future_concept = future_tag;
  using item_type = item_type_t<F>;
  using error_type = error_type_t<F>;

  completion_notifier(F f, completion_list* list,
                      std::uint32_t slot) noexcept(std::is_nothrow_move_constructible_v<F>)
      : future_(std::move(f)), list_(list), slot_(slot) {
    list_->retain();
  }
  completion_notifier(completion_notifier&& other) noexcept(std::is_nothrow_move_constructible_v<F>)
      : future_(std::move(other.future_)),
        list_(std::exchange(other.list_, nullptr)),
        slot_(other.slot_) {}
  completion_notifier& operator=(completion_notifier&&) = delete;
  completion_notifier(const completion_notifier&) = delete;
  completion_notifier& operator=(const completion_notifier&) = delete;
  ~completion_notifier() {
    if (list_ != nullptr) list_->release();
  }

  template <task Task>
  requires pollable<F, Task> poll_result<item_type, error_type> poll(Task& task) {
    try {
      auto result = future_.poll(task);
      if (!result.is_pending()) list_->complete(slot_);
      return result;
    } catch (...) {
      list_->complete(slot_);
      throw;
    }
  }

 private:
  F future_;
  completion_list* list_;
  std::uint32_t slot_;
};

}  // namespace detail

namespace unordered {

template <future F>
class spawn_per_child {
 public:
  using handle_type = join_handle<item_type_t<F>, error_type_t<F>>;
  using stream_concept = stream_tag;
  /// One child's outcome: ready with its value, or failed (its error, canceled, or an exception).
  using item_type = typename handle_type::result_type;
  using error_type = never;
  using child_future_type = detail::completion_notifier<F>;

  spawn_per_child() noexcept = default;
  spawn_per_child(spawn_per_child&& other) noexcept
      : list_(std::exchange(other.list_, nullptr)),
        slots_(std::move(other.slots_)),
        free_head_(std::exchange(other.free_head_, no_slot)),
        live_(std::exchange(other.live_, 0)) {}
  spawn_per_child& operator=(spawn_per_child&& other) noexcept {
    if (this != &other) {
      close();
      list_ = std::exchange(other.list_, nullptr);
      slots_ = std::move(other.slots_);
      free_head_ = std::exchange(other.free_head_, no_slot);
      live_ = std::exchange(other.live_, 0);
    }
    return *this;
  }
  spawn_per_child(const spawn_per_child&) = delete;
  spawn_per_child& operator=(const spawn_per_child&) = delete;
  /// Cancels every child that has not completed.
  ~spawn_per_child() { close(); }

  /// Spawns `f` as a task of its own through `task`; it starts running at once.
  template <class Task>
  void push(Task& task, F f) {
    if constexpr (!spawning_task<Task>) {
      (void)sizeof(diagnostics::_FUTURES_UNORDERED_NEEDS_SPAWNING_TASK_<Task, F>);
    } else if constexpr (!std::is_same_v<decltype(task.spawn(std::declval<child_future_type>())),
                                         handle_type>) {
      (void)sizeof(diagnostics::_FUTURES_UNORDERED_NEEDS_SPAWNING_TASK_<Task, F>);
    } else {
      if (list_ == nullptr) list_ = new detail::completion_list();
      const std::uint32_t slot = take_slot();
      try {
        list_->reserve_for(live_ + 1);
        slots_[slot].handle.emplace(task.spawn(child_future_type(std::move(f), list_, slot)));
      } catch (...) {
        free_slot(slot);
        throw;
      }
      ++live_;
    }
  }

  /// The number of children whose outcome has not been taken yet.
  [[nodiscard]] std::size_t size() const noexcept { return live_; }
  [[nodiscard]] bool empty() const noexcept { return live_ == 0; }

  template <task Task>
  requires spawning_task<Task> stream_poll_result<item_type, error_type> poll_next(Task& task) {
    if (live_ == 0) return ready_value{std::optional<item_type>{}};
    list_->register_parent(task.get_waker());
    while (const auto slot = list_->pop()) {
      auto& handle = slots_[*slot].handle;
      if (!handle) continue;  // a stale notice (cannot happen with the reactors here)
      auto result = handle->poll(task);
      if (result.is_pending()) {
        // Completed but not stored yet: the handle now holds our waker for the completion.
        list_->push_front(*slot);
        return pending;
      }
      free_slot(*slot);
      --live_;
      return ready_value{std::optional<item_type>{std::move(result)}};
    }
    return pending;
  }

  /// Cancels every child now; the set stays usable (its next push allocates a new completion
  /// list).
  void clear() noexcept { close(); }

 private:
  std::uint32_t take_slot() {
    if (free_head_ != no_slot) {
      const std::uint32_t slot = free_head_;
      free_head_ = slots_[slot].next_free;
      return slot;
    }
    if (slots_.empty()) slots_.reserve(initial_capacity);
    slots_.emplace_back();
    return static_cast<std::uint32_t>(slots_.size() - 1);
  }
  void free_slot(std::uint32_t slot) noexcept {
    slots_[slot].handle.reset();
    slots_[slot].next_free = free_head_;
    free_head_ = slot;
  }

  /// Cancels every child and lets go of the completion list: a child canceled from inside its
  /// own poll may still complete when that poll returns, and its notice must reach a closed
  /// list, never a slot that a later push reuses.
  void close() noexcept {
    if (list_ == nullptr) return;
    list_->close();
    std::exchange(list_, nullptr)->release();
    auto slots = std::move(slots_);
    slots_.clear();
    free_head_ = no_slot;
    live_ = 0;
    slots.clear();  // drops the join handles: cancels the children
  }

  static constexpr std::uint32_t no_slot = ~std::uint32_t{0};
  static constexpr std::size_t initial_capacity = 8;

  /// A child's join handle, or (empty) a link in the free list.
  struct slot_type {
    std::optional<handle_type> handle;
    std::uint32_t next_free = no_slot;
  };

  detail::completion_list* list_ = nullptr;
  std::vector<slot_type> slots_;
  std::uint32_t free_head_ = no_slot;
  std::size_t live_ = 0;
};

}  // namespace unordered

/// The proposal's `futures_unordered`.
template <future F>
using futures_unordered = unordered::spawn_per_child<F>;

}  // namespace gentask
