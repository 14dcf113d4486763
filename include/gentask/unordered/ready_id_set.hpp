#pragma once
/// @file
/// `unordered::ready_id_set<F>`: a baseline `futures_unordered`, the design of futures 0.1.13's
/// `FuturesUnordered` (`src/stream/futures_unordered.rs`, `src/stack.rs`, and
/// `task::with_unpark_event` / `UnparkEvent` / `EventSet` in `src/task_impl/mod.rs`), the one the
/// 2017 essay describes, rewritten for gentask. It is one of the designs the project's
/// `spawn_per_child` is measured against, so it follows the original's data structures and
/// per-operation costs rather than improving on them.
///
/// **Contract**: the one all `futures_unordered` variants keep (set_shell.hpp): outcomes in
/// completion order; pollable on `Task` when `F` is pollable on `child_task<Task>` (the
/// parent's task with the child's own wake handle; every capability but `get_remote_waker` is
/// forwarded).
///
/// **Design, as in the original.**
///   - Children sit in a vector of slots (`futures: Vec<Option<F>>`); a child's id is its slot.
///   - Ready ids go on a shared, refcounted Treiber-style stack (`Arc<Stack<usize>>`) that
///     allocates one node per notification; a drain takes the whole list at once and yields it
///     LIFO. Duplicates are kept: a child woken twice before the set runs appears twice, and is
///     polled twice if the first poll leaves it pending.
///   - The child's id travels in the wake handle the child is polled with (the essay's task
///     handle with an unpark event swapped in around each child's poll:
///     `with_unpark_event(UnparkEvent::new(stack.clone(), id), || f.poll())`). Here that handle is
///     a `gentask::waker` whose data is the stack and whose token is the id; `child_task` hands it
///     to the child. Making it takes a reference to the stack, as the original's `stack.clone()`.
///   - Waking a child's handle pushes its id and ALSO wakes the parent: in 0.1, `Task::unpark`
///     ran the task's unpark events, then unparked the task itself. The parent's handle is the
///     one `poll_next` registers at each call (replaced when `!will_wake`); in 0.1 the child's
///     handle carried the parent's `Unpark` captured by `task::park()`.
///   - New children go on the ready stack at `push` (the original pushed every id at
///     construction).
///   - `poll_next`: `ready(nullopt)` if no child is left (`active == 0`). Otherwise, if the
///     previous call left drained ids unpolled, poll those first; if none of them completes,
///     drain the stack once and poll those. An id whose child is gone is skipped. The first child
///     that completes is removed and returned, and the ids not yet polled are kept, in order, for
///     the next call (`self.pending = Some(drain)`). Nothing ready: `pending`.
///
/// **Choices where the original had no answer, or a bug we do not keep:**
///   - Slot reuse. 0.1.13's `FuturesUnordered` had no `push` (built from an iterator), so ids
///     were never reused. Here `push` reuses free slots (an intrusive free list, as 0.1's
///     `BufferUnordered` reused its slots) and ids carry a per-slot generation (low 32 bits: the
///     slot, high 32 bits: the generation), so a stale id of a reused slot is skipped like a
///     duplicate of a completed child (0.1.13: `if self.futures[id].is_none() { continue }`).
///   - A child's poll that throws: the child is destroyed (its slot freed) and the ids not yet
///     polled are kept for the next call, then the exception leaves `poll_next`. In 0.1.13 a
///     panic left the future in its slot and dropped the rest of the drain (those notifications
///     were lost).
///   - A wake after the set is gone does nothing. In 0.1 it still pushed the id onto the orphaned
///     stack and unparked the task.
///   - A push made from inside a child's poll is kept aside (the vector cannot grow while a
///     child in it runs) and placed when that poll returns; its id then goes on the stack as a
///     notification, which also wakes the parent, so the new child runs even if this `poll_next`
///     has already drained the stack.
///   - A notification whose node cannot be allocated (`wake` must not throw) sets a flag that
///     makes the next `poll_next` push every live id (it polls every child once). Rust's
///     `Box::new` would abort.
///   - Single-threaded: the stack and refcounts are plain (the original's are atomic, a CAS loop
///     per push); if anything this baseline is cheaper than the original.
///   - Vector growth (on `push`) moves the children, as `Vec<Option<F>>` did; gentask futures may
///     be moved between polls. A child is never moved while it runs.
///
/// **Known behaviours** (of the original, kept): LIFO drain; duplicate ids, hence redundant
/// polls of a child woken several times; one allocation per notification (and per push); every
/// child wake also wakes the parent; each `poll_next` polls at most the leftover ids and one
/// drain, so a child that wakes itself is polled at most once per drain (no livelock).
///
/// **Destruction**, and destruction from inside a child's poll: as in the contract
/// (set_shell.hpp). Wake handles that outlive the set keep the stack alive (refcounted) and wake
/// nothing. The storage handed to `poll_next`'s guard is the vector of slots, whose elements
/// keep their addresses, and the stack.

#include <gentask/core/child_task.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/thread_check.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/unordered/set_shell.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace gentask::detail {

/// One notification: futures 0.1's `stack::Node<usize>`.
struct ris_node {
  std::uint64_t id;
  ris_node* next;
};

inline void ris_free(ris_node* n) noexcept {
  while (n != nullptr) {
    ris_node* next = n->next;
    delete n;
    n = next;
  }
}

/// The shared ready stack (`Arc<Stack<usize>>`), with the parent's waker.
struct ris_stack {
  std::size_t refs = 1;  // the set, plus one per wake handle
  ris_node* head = nullptr;
  waker parent;
  bool set_alive = true;  // cleared when the set's storage is destroyed
  bool lost = false;      // a notification could not be allocated
  std::thread::id owner = std::this_thread::get_id();  // the set's thread (owner-thread checks)

  /// A child's waker is same-thread: checked against the thread that made the set.
  void check_thread() const noexcept {
    check_owner_thread(owner, "a child's waker of ready_id_set",
                       "wake, copy and drop it on its reactor's thread; across threads use "
                       "task.get_remote_waker()");
  }

  ris_stack() = default;
  ris_stack(const ris_stack&) = delete;
  ris_stack& operator=(const ris_stack&) = delete;
  ~ris_stack() { ris_free(head); }

  /// `Stack::push`: one allocation.
  void push(std::uint64_t id) noexcept {
    auto* n = new (std::nothrow) ris_node{id, head};
    if (n == nullptr) {
      lost = true;
      return;
    }
    head = n;
  }
  /// `Stack::drain`: the whole list, most recent first.
  [[nodiscard]] ris_node* drain() noexcept { return std::exchange(head, nullptr); }
  /// `Task::unpark` with the child's unpark event: the event, then the task.
  void notify(std::uint64_t id) noexcept {
    push(id);
    parent.wake();
  }
};

inline void ris_drop_ref(ris_stack* s) noexcept {
  if (--s->refs == 0) delete s;
}
inline void ris_wake(void* data, std::uint64_t id) noexcept {
  auto* s = static_cast<ris_stack*>(data);
  s->check_thread();
  if (s->set_alive) s->notify(id);
}
inline void ris_retain(void* data) noexcept {
  auto* s = static_cast<ris_stack*>(data);
  s->check_thread();
  ++s->refs;
}
inline void ris_release(void* data) noexcept {
  auto* s = static_cast<ris_stack*>(data);
  s->check_thread();
  ris_drop_ref(s);
}

inline constexpr waker_vtable ris_vtable{&ris_wake, &ris_retain, &ris_release};

inline constexpr std::uint32_t ris_no_slot = std::numeric_limits<std::uint32_t>::max();

[[nodiscard]] constexpr std::uint64_t ris_id(std::uint32_t slot,
                                             std::uint32_t generation) noexcept {
  return (static_cast<std::uint64_t>(generation) << 32U) | slot;
}

template <class F>
struct ris_slot {
  std::optional<F> future;
  std::uint32_t generation = 0;
  std::uint32_t next_free = ris_no_slot;
};

/// What the set owns (set_shell's `Storage`): moved into the poll guard when the set is destroyed
/// during a child's poll.
template <class F>
struct ris_storage {
  std::vector<ris_slot<F>> slots;
  std::vector<std::optional<F>> deferred;  // pushed while a child was being polled
  std::size_t deferred_live = 0;           // engaged entries of `deferred`
  ris_stack* stack = nullptr;
  ris_node* pending = nullptr;  // drained ids not yet polled (0.1.13's `pending: Option<Drain>`)
  std::size_t active = 0;       // children in `slots`
  std::uint32_t free_head = ris_no_slot;

  ris_storage() = default;
  ris_storage(ris_storage&& other) noexcept
      : slots(std::move(other.slots)),
        deferred(std::move(other.deferred)),
        deferred_live(std::exchange(other.deferred_live, 0)),
        stack(std::exchange(other.stack, nullptr)),
        pending(std::exchange(other.pending, nullptr)),
        active(std::exchange(other.active, 0)),
        free_head(std::exchange(other.free_head, ris_no_slot)) {
    other.slots.clear();
    other.deferred.clear();
  }
  ris_storage& operator=(ris_storage&& other) noexcept {
    if (this != &other) {
      clear();
      slots = std::move(other.slots);
      deferred = std::move(other.deferred);
      deferred_live = std::exchange(other.deferred_live, 0);
      stack = std::exchange(other.stack, nullptr);
      pending = std::exchange(other.pending, nullptr);
      active = std::exchange(other.active, 0);
      free_head = std::exchange(other.free_head, ris_no_slot);
      other.slots.clear();
      other.deferred.clear();
    }
    return *this;
  }
  ris_storage(const ris_storage&) = delete;
  ris_storage& operator=(const ris_storage&) = delete;
  ~ris_storage() { clear(); }

  void clear() noexcept {
    if (stack != nullptr) stack->set_alive = false;  // wakes from the children's destructors
    ris_free(std::exchange(pending, nullptr));
    slots.clear();
    deferred.clear();
    deferred_live = 0;
    active = 0;
    free_head = ris_no_slot;
    if (stack != nullptr) {
      ris_free(stack->drain());
      stack->parent = waker();
      ris_drop_ref(std::exchange(stack, nullptr));
    }
  }

  /// Destroys the child in `index` and frees the slot; its ids become stale.
  void remove(std::uint32_t index) noexcept {
    ris_slot<F>& slot = slots[index];
    slot.future.reset();
    ++slot.generation;
    slot.next_free = std::exchange(free_head, index);
    --active;
  }
};

}  // namespace gentask::detail

namespace gentask::unordered {

template <future F>
class ready_id_set : private detail::set_shell<detail::ris_storage<F>> {
  static_assert(std::is_object_v<F> && !std::is_const_v<F>,
                "ready_id_set: the child type must be a non-const object type");
  using shell = detail::set_shell<detail::ris_storage<F>>;
  using shell::s_;

 public:
  using stream_concept = stream_tag;
  /// One child's outcome: ready or failed, never pending.
  using item_type = poll_result<item_type_t<F>, error_type_t<F>>;
  using error_type = never;

  /// Allocates the shared stack (the original's `Arc::new(Stack::new())`). Moves, copies and
  /// destruction: set_shell.hpp.
  ready_id_set() { s_.stack = new detail::ris_stack; }

  /// Stores `f` in a free slot (or a new one) and pushes its id on the ready stack (one
  /// allocation); it first runs when the set is polled.
  void push(F f) {
    if (this->is_polling()) {
      s_.deferred.emplace_back(std::in_place, std::move(f));
      ++s_.deferred_live;
      return;
    }
    place(std::move(f), false);
  }
  /// As `push(f)`; the task is unused (the interface of `spawn_per_child`).
  template <task Task>
  void push(Task& /*task*/, F f) {
    push(std::move(f));
  }

  [[nodiscard]] std::size_t size() const noexcept { return s_.active + s_.deferred_live; }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  template <task Task>
  requires pollable<F, child_task<Task>> stream_poll_result<item_type, never> poll_next(Task& t) {
    this->check_not_polling("ready_id_set::poll_next: not reentrant (a child polled its set)");
    merge_deferred();  // pushes left aside by a child's poll that threw
    if (s_.active == 0) return ready_value{std::optional<item_type>()};
    {
      waker current = t.get_waker();
      if (!current.will_wake(s_.stack->parent)) s_.stack->parent = std::move(current);
    }
    if (s_.stack->lost) {  // a notification was lost: notify every child
      s_.stack->lost = false;
      for (std::uint32_t i = 0; i < s_.slots.size(); ++i) {
        if (s_.slots[i].future) s_.stack->push(detail::ris_id(i, s_.slots[i].generation));
      }
    }
    poll_guard guard(*this);
    if (s_.pending != nullptr) {
      guard.list = std::exchange(s_.pending, nullptr);
      if (auto r = poll_list(t, guard)) return std::move(*r);
    }
    guard.list = s_.stack->drain();
    if (auto r = poll_list(t, guard)) return std::move(*r);
    return pending;
  }

 private:
  using result_type = stream_poll_result<item_type, never>;

  /// `poll_next`'s guard (set_shell.hpp), with the drain being polled: removes a child whose
  /// poll threw and keeps the ids not yet polled (or frees them, once the set is gone).
  struct poll_guard : shell::poll_guard_base {
    explicit poll_guard(ready_id_set& set) noexcept : shell::poll_guard_base(set) {}
    poll_guard(const poll_guard&) = delete;
    poll_guard& operator=(const poll_guard&) = delete;
    ~poll_guard() {
      if (this->set_destroyed()) {
        detail::ris_free(list);
        return;
      }
      if (in_flight != detail::ris_no_slot) this->storage().remove(in_flight);  // it threw
      // Keep the ids not yet polled. `pending` is empty here: it was taken for the first round.
      if (list != nullptr) this->storage().pending = list;
    }

    detail::ris_node* list = nullptr;  // the drain being polled
    std::uint32_t in_flight = detail::ris_no_slot;
  };

  /// 0.1.13's `poll_pending`: polls the ids of `guard.list` until a child completes.
  template <class Task>
  std::optional<result_type> poll_list(Task& t, poll_guard& guard) {
    while (guard.list != nullptr) {
      detail::ris_node* node = guard.list;
      guard.list = node->next;
      const std::uint64_t id = node->id;
      delete node;  // `Drain::next` frees each node as it yields the id
      const auto index = static_cast<std::uint32_t>(id);
      const auto generation = static_cast<std::uint32_t>(id >> 32U);
      if (index >= s_.slots.size()) continue;
      detail::ris_slot<F>& slot = s_.slots[index];
      if (slot.generation != generation || !slot.future) continue;  // gone, or a stale id
      detail::ris_retain(s_.stack);  // `UnparkEvent::new(self.stack.clone(), id)`
      const waker handle = waker::from_raw(&detail::ris_vtable, s_.stack, id);
      guard.in_flight = index;
      item_type r = [&] {
        child_task<Task> child(t, handle);
        return slot.future->poll(child);
      }();
      if (guard.set_destroyed()) return result_type(pending);  // the set is gone
      guard.in_flight = detail::ris_no_slot;
      merge_deferred();
      if (r.is_complete()) {
        s_.pending = std::exchange(guard.list, nullptr);
        s_.remove(index);
        return result_type(ready_value{std::optional<item_type>(std::move(r))});
      }
    }
    return std::nullopt;
  }

  /// Stores `f` and pushes its id (`notify`: also wakes the parent, for a push made during a
  /// poll).
  void place(F&& f, bool notify) {
    if (s_.stack == nullptr) s_.stack = new detail::ris_stack;  // a moved-from set
    std::uint32_t index = s_.free_head;
    if (index != detail::ris_no_slot) {
      s_.slots[index].future.emplace(std::move(f));
      s_.free_head = std::exchange(s_.slots[index].next_free, detail::ris_no_slot);
    } else {
      if (s_.slots.size() >= detail::ris_no_slot) {
        throw std::length_error("ready_id_set::push: too many children");
      }
      index = static_cast<std::uint32_t>(s_.slots.size());
      s_.slots.emplace_back();
      try {
        s_.slots.back().future.emplace(std::move(f));
      } catch (...) {
        s_.slots.pop_back();
        throw;
      }
    }
    ++s_.active;
    const std::uint64_t id = detail::ris_id(index, s_.slots[index].generation);
    if (notify) {
      s_.stack->notify(id);
    } else {
      s_.stack->push(id);
    }
  }

  /// Places the children pushed during a child's poll.
  void merge_deferred() {
    if (s_.deferred.empty()) return;
    // Each entry is emptied once placed, so a throwing placement leaves the rest for later
    // (no assignment of `F` needed).
    for (std::optional<F>& entry : s_.deferred) {
      if (!entry) continue;
      place(std::move(*entry), true);
      entry.reset();
      --s_.deferred_live;
    }
    s_.deferred.clear();
  }
};

}  // namespace gentask::unordered
