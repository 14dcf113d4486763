#pragma once
/// @file
/// `range_children<F, N, Strategy>`: the children of a range combinator (`join_all`,
/// `try_join_all`, `select_all`) and how they are woken. Polling every child of a large set on
/// each wake is quadratic, so a set chooses, at its first poll, one of:
///
/// - `range_strategy::poll_all`: every pending child is polled, with the parent's own waker,
///   on each poll of the parent. No per-child state; right for a few children.
/// - `range_strategy::ready_queue`: each child is polled with a waker of its own
///   (`child_task`), whose wake queues that child in a ready list and wakes the
///   parent; a poll of the parent polls only the queued children (at most as many as were
///   queued when it began, then it yields). One block for the list and one vector of wakers per
///   set; O(1) per wake.
/// - `range_strategy::spawn_per_child`: each child is spawned as a task of its own (the task
///   must model `spawning_task`, with the kit's `join_handle`), wrapped so that its completion
///   queues its index and wakes the parent; the parent then takes the results of the completed
///   children only. The children run, and are woken, without the parent. A closed map that
///   runs such a set declares `notify_on_completion<F>` among its root types.
/// - `range_strategy::automatic` (the default): `poll_all` up to `poll_all_limit` children,
///   above it `ready_queue`, or `spawn_per_child` where the children cannot be polled through
///   `child_task` but the task can spawn them. Experiment 06 chose both: polling all
///   stops paying at about 8 cheap children (futures-util's `join_all` switches at 30), and a
///   ready queue costs less than half as much per child as a spawned task on the local reactor.
///
/// `N` is the static size (a `std::array` of children: no allocation with `poll_all`), or 0 for
/// a size known at run time (one vector). An exception that escapes a child's poll leaves the
/// parent's poll (with `spawn_per_child`, it is rethrown there when the child's result is taken).
/// Dropping the set drops every child not done (a spawned one is canceled).

#include <gentask/core/child_task.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/detail/construct_from.hpp>
#include <gentask/detail/ready_list.hpp>
#include <gentask/detail/state_union.hpp>
#include <gentask/spawn/join_handle.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace gentask {

/// How a range combinator wakes its children (see range_children.hpp).
enum class range_strategy : unsigned char { automatic, poll_all, ready_queue, spawn_per_child };

/// Up to this many children, `range_strategy::automatic` polls them all on each wake (chosen by
/// experiment 06: where polling all and the ready queue cost the same per child).
inline constexpr std::size_t poll_all_limit = 8;

/// A spawned child of a range combinator: polls `F`, and on completion (or an exception) wakes
/// its slot in the parent's ready list.
template <future F>
class notify_on_completion {
 public:
  using future_concept = future_tag;
  using item_type = item_type_t<F>;
  using error_type = error_type_t<F>;

  notify_on_completion(F f, waker notify) : future_(std::move(f)), notify_(std::move(notify)) {}

  template <task Task>
  requires pollable<F, Task> poll_result<item_type, error_type> poll(Task& task) {
    try {
      auto r = future_.poll(task);
      if (r.is_complete()) notify_.wake();
      return r;
    } catch (...) {
      notify_.wake();
      throw;
    }
  }

 private:
  F future_;
  waker notify_;
};

namespace detail {

/// Whether `Task` can run a set's children as tasks of their own.
template <class Task, class F>
concept spawns_join_handles = spawning_task<Task> && requires(Task& t, notify_on_completion<F> f) {
  { t.spawn(std::move(f)) } -> std::same_as<join_handle<item_type_t<F>, error_type_t<F>>>;
};

/// A range whose elements are futures.
template <class R>
concept future_range = requires(R&& r) {
  std::begin(r);
  std::end(r);
}
&&future<std::remove_cvref_t<decltype(*std::begin(std::declval<R&>()))>>;

template <class R>
using range_future_t = std::remove_cvref_t<decltype(*std::begin(std::declval<R&>()))>;

}  // namespace detail

/// `MaySpawn`: whether `automatic` may choose `spawn_per_child` (not for `select_all`, whose
/// losers are dropped at once).
template <future F, std::size_t N, range_strategy Strategy, class Done, bool MaySpawn = true>
class range_children {
 public:
  using handle_type = join_handle<item_type_t<F>, error_type_t<F>>;
  using outcome_type = poll_result<item_type_t<F>, error_type_t<F>>;
  /// A child: its future, its join handle (spawned), what the combinator kept of its result,
  /// or nothing.
  using slot = detail::state_union<F, handle_type, Done, detail::completed>;
  using slots_type = std::conditional_t<N == 0, std::vector<slot>, std::array<slot, N>>;

  explicit range_children(slots_type slots) : slots_(std::move(slots)) { pending_ = slots_.size(); }
  range_children(range_children&& other) noexcept
      : slots_(std::move(other.slots_)),
        wakers_(std::move(other.wakers_)),
        list_(std::exchange(other.list_, nullptr)),
        pending_(other.pending_),
        mode_(other.mode_) {}
  range_children(const range_children&) = delete;
  range_children& operator=(const range_children&) = delete;
  range_children& operator=(range_children&&) = delete;
  ~range_children() { drop(); }

  [[nodiscard]] std::size_t size() const noexcept { return slots_.size(); }
  [[nodiscard]] std::size_t get_pending_count() const noexcept { return pending_; }
  [[nodiscard]] slots_type& get_slots() noexcept { return slots_; }
  /// The strategy chosen at the first poll (`automatic` before it).
  [[nodiscard]] range_strategy get_strategy() const noexcept { return mode_; }

  /// Polls the children the strategy says; `on(i, outcome)` is called for each that completed
  /// and returns a `Done` to keep, or nothing to stop the set at once (the rest are dropped).
  /// Returns false once stopped.
  template <class Task, class On>
  bool poll(Task& task, On&& on) {
    if (mode_ == range_strategy::automatic) start(task);
    // Each strategy is instantiated only where the children allow it (a child that needs
    // `remote_waking_task` cannot be polled through `child_task`, for one); `start` chooses
    // only among those.
    switch (mode_) {
      case range_strategy::poll_all:
        if constexpr (pollable<F, Task>) return poll_every(task, on);
        break;
      case range_strategy::ready_queue:
        if constexpr (pollable<F, child_task<Task>>) return poll_queued(task, on);
        break;
      default:
        if constexpr (detail::spawns_join_handles<Task, F>) return take_completed(task, on);
        break;
    }
    return false;  // unreachable
  }

  /// Drops every child not done (a spawned one is canceled) and the ready list.
  void drop() noexcept {
    for (auto& s : slots_) {
      if (s.index() < 2) s.template emplace<3>();
    }
    pending_ = 0;
    if (list_ != nullptr) std::exchange(list_, nullptr)->close();
    wakers_.clear();
  }

 private:
  template <class Task>
  void start(Task& task) {
    range_strategy m = Strategy;
    if (m == range_strategy::automatic) {
      constexpr bool queue = pollable<F, child_task<Task>>;
      m = slots_.size() <= poll_all_limit                    ? range_strategy::poll_all
          : queue                                            ? range_strategy::ready_queue
          : MaySpawn && detail::spawns_join_handles<Task, F> ? range_strategy::spawn_per_child
                                                             : range_strategy::ready_queue;
    }
    if (m == range_strategy::ready_queue) {
      list_ = detail::ready_list::make(slots_.size(), true);
      wakers_.reserve(slots_.size());
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        wakers_.push_back(list_->make_waker(static_cast<std::uint32_t>(i)));
      }
    }
    if constexpr (detail::spawns_join_handles<Task, F>) {
      if (m == range_strategy::spawn_per_child) {
        list_ = detail::ready_list::make(slots_.size(), false);
        for (std::size_t i = 0; i < slots_.size(); ++i) {
          auto& s = slots_[i];
          F f = std::move(s.template get<0>());
          s.template emplace<3>();
          s.template emplace<1>(task.spawn(notify_on_completion<F>(
              std::move(f), list_->make_waker(static_cast<std::uint32_t>(i)))));
        }
      }
    } else {
      static_assert(Strategy != range_strategy::spawn_per_child,
                    "gentask: range_strategy::spawn_per_child needs a task that spawns (a "
                    "spawning_task whose spawn returns gentask::join_handle)");
    }
    mode_ = m;
  }

  template <class On>
  bool finish(std::size_t i, outcome_type outcome, On& on) {
    std::optional<Done> kept = on(i, std::move(outcome));
    if (!kept) {
      drop();
      return false;
    }
    slots_[i].template emplace<2>(std::move(*kept));
    --pending_;
    return true;
  }

  template <class Task, class On>
  bool poll_every(Task& task, On& on) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      auto& s = slots_[i];
      if (s.index() != 0) continue;
      auto r = s.template get<0>().poll(task);
      if (r.is_pending()) continue;
      s.template emplace<3>();  // the future is spent
      if (!finish(i, std::move(r), on)) return false;
    }
    return true;
  }

  template <class Task, class On>
  bool poll_queued(Task& task, On& on) {
    list_->register_parent(task.get_waker());
    std::size_t budget = list_->get_queued_count();
    while (budget-- > 0) {
      const auto i = list_->pop();
      if (!i) break;
      auto& s = slots_[*i];
      if (s.index() != 0) continue;
      child_task<Task> child(task, wakers_[*i]);
      auto r = s.template get<0>().poll(child);
      if (r.is_pending()) continue;
      s.template emplace<3>();
      if (!finish(*i, std::move(r), on)) return false;
    }
    // Children woken during this poll wait for the next one; ask for it.
    if (list_->get_queued_count() > 0 && pending_ > 0) task.get_waker().wake();
    return true;
  }

  template <class Task, class On>
  bool take_completed(Task& task, On& on) {
    list_->register_parent(task.get_waker());
    while (const auto i = list_->pop()) {
      auto& s = slots_[*i];
      if (s.index() != 1) continue;
      auto r = s.template get<1>().poll(task);
      if (r.is_pending()) {
        // Completed but not stored yet: the handle now holds the parent's waker.
        list_->requeue(*i);
        return true;
      }
      s.template emplace<3>();
      if (r.is_ready()) {
        if (!finish(*i, outcome_type(ready_value<item_type_t<F>>{std::move(r).get_value()}), on)) {
          return false;
        }
        continue;
      }
      auto error = std::move(r).get_error();
      error.rethrow_if_exception();
      if (error.is_canceled()) {
        throw std::logic_error(
            "gentask: a range combinator's spawned child was canceled (its "
            "reactor is shutting down)");
      }
      if (!finish(*i, outcome_type(failed_value<error_type_t<F>>{std::move(error).get_error()}),
                  on)) {
        return false;
      }
    }
    return true;
  }

  slots_type slots_;
  std::vector<waker> wakers_;
  detail::ready_list* list_ = nullptr;
  std::size_t pending_ = 0;
  range_strategy mode_ = range_strategy::automatic;
};

namespace detail {

/// The slots of a range combinator, built from a range of futures (moved from an rvalue
/// container, taken as the range yields them otherwise) or from a `std::array`.
template <class Slots, class R>
Slots make_slots(R&& r) {
  Slots slots;
  if constexpr (requires { std::size(r); }) slots.reserve(std::size(r));
  for (auto&& f : r) {
    if constexpr (!std::is_lvalue_reference_v<R> && std::is_lvalue_reference_v<decltype(f)>) {
      slots.emplace_back(std::in_place_index<0>, std::move(f));
    } else {
      slots.emplace_back(std::in_place_index<0>, std::forward<decltype(f)>(f));
    }
  }
  return slots;
}
template <class Slots, class F, std::size_t N, std::size_t... Is>
Slots make_array_slots(std::array<F, N>&& a, std::index_sequence<Is...> /*unused*/) {
  return Slots{typename Slots::value_type(std::in_place_index<0>, std::move(a[Is]))...};
}

}  // namespace detail
}  // namespace gentask
