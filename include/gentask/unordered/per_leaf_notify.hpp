#pragma once
/// @file
/// `unordered::per_leaf_notify<F, YieldPolicy>`: a baseline `futures_unordered`, futures 0.3's
/// `FuturesUnordered` (futures-util 0.3.21, `src/stream/futures_unordered/{mod.rs,
/// ready_to_run_queue.rs, task.rs, abort.rs}`) rewritten for gentask. It is one of the designs
/// the project's `spawn_per_child` is measured against, so it follows the original's data
/// structures and per-operation costs rather than improving on them.
///
/// **Contract**: the one all `futures_unordered` variants keep (set_shell.hpp): outcomes in
/// completion order; pollable on `Task` when `F` is pollable on `child_task<Task>` (the
/// parent's task with the child's own wake handle; every capability but `get_remote_waker` is
/// forwarded).
///
/// **Design, as in the original.**
///   - One heap node per child, allocated by `push` (one allocation per push; futures' `Task<Fut>`
///     in an `Arc`): the future's slot, a `queued` flag, a `woken` flag, a link of the ready-to-run
///     queue and the links of the list of all children. The node is refcounted (the list of all
///     children holds one reference, every wake handle one more) and is the data of the child's
///     wake handle, a `gentask::waker` with a vtable of its own.
///   - Wake (futures' `ArcWake::wake_by_ref` for `Task`): set `woken`; if not `queued`, set
///     `queued`, link the node into the intrusive ready-to-run queue (no allocation) and wake the
///     parent's waker, which `poll_next` registers at each call (replaced when `!will_wake`, as
///     `AtomicWaker::register`). A handle whose child is gone (completed, failed, destroyed with
///     the set) does nothing.
///   - `push` links the node into the list of all children and enqueues it (`queued` starts set).
///   - `poll_next`: dequeue; a node whose future is already gone (released while queued) is
///     dropped; otherwise unlink it from the list of all children, clear `queued` (so a wake
///     during the poll queues it again) and `woken`, and poll the child through
///     `child_task<Task>(t, node waker)`. The node waker is borrowed for the poll without touching
///     the refcount (futures' `waker_ref`, a `ManuallyDrop<Waker>`); a child that keeps it copies
///     it. Ready or failed: release the node and return the outcome. Pending: relink it at the
///     head of the list, count `polled`, and `yielded` if the child woke itself during its poll,
///     then ask the `YieldPolicy` (yield_policy.hpp) whether to wake the parent and return
///     `pending`. An empty queue gives `pending`, or `ready(std::nullopt)` when no child is left.
///   - Release (futures' `release_task`): set `queued` for good (later wakes do nothing), destroy
///     the future, and drop the list's reference unless the node sits in the ready-to-run queue,
///     which then owns that reference and drops it when it dequeues the node.
///
/// **Deliberate differences**, none of which makes the baseline slower than the original:
///   - Single-threaded: reference counts and flags are plain integers and `bool`s, and the
///     ready-to-run queue is a plain intrusive FIFO (head and tail pointers) where futures uses
///     atomics, the 1024cores intrusive MPSC queue with a stub node and `AtomicWaker`. The order
///     is the same (FIFO). If anything, this baseline is cheaper than the original.
///   - A released node's pointer to the queue is cleared, which stands for the original's `Weak`
///     reference to the queue: a wake of a released node does nothing either way (there because
///     `queued` stays set, here also because the pointer is null).
///   - The number of children is kept in the set (futures keeps it in the head node); the child
///     being polled is counted.
///
/// **Known behaviours** (of the original, kept):
///   - With `YieldPolicy = none`, a child that wakes itself during every poll and stays pending
///     livelocks `poll_next` (futures-rs #2047). `every_32` yields after 32 child polls;
///     `yield2_or_len` (the default, the rule of futures 0.3.20 on) after two self-waking children
///     or `len` polls.
///   - A child polled to completion is destroyed right away (inside `poll_next`).
///
/// **Exceptions.** As in the contract (set_shell.hpp): a child's poll that throws has its node
/// released (the child destroyed, removed from the set), as futures' `Bomb` guard releases the
/// task while the panic unwinds.
///
/// **Destruction**, and destruction from inside a child's poll: as in the contract. Wake
/// handles that outlive the set keep their node (not the child) alive and wake nothing. The
/// storage handed to `poll_next`'s guard is the list of all children and the ready-to-run queue,
/// both on the heap; the guard also releases the child that was running.

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
#include <gentask/unordered/yield_policy.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

namespace gentask::detail {

struct pln_queue;

/// What a child's wake handle touches: futures' `Task<Fut>` without the future.
struct pln_node_base {
  std::size_t refs = 1;                 // the list of all children holds the first reference
  pln_queue* queue = nullptr;           // null once released (the `Weak` that no longer upgrades)
  pln_node_base* next_ready = nullptr;  // link of the ready-to-run queue
  pln_node_base* prev_all = nullptr;    // links of the list of all children
  pln_node_base* next_all = nullptr;
  bool queued = true;  // in the ready-to-run queue, or released (then for good)
  bool woken = false;  // woken since its latest poll began
  void (*destroy)(pln_node_base*) noexcept = nullptr;  // frees the whole (typed) node
};

/// The ready-to-run queue (intrusive FIFO) and the parent's waker. Owned by the set, on the heap
/// so that nodes can point at it while the set moves.
struct pln_queue {
  pln_node_base* head = nullptr;  // dequeue end
  pln_node_base* tail = nullptr;  // enqueue end
  waker parent;
  std::thread::id owner = std::this_thread::get_id();  // the set's thread (owner-thread checks)

  void enqueue(pln_node_base* n) noexcept {
    n->next_ready = nullptr;
    if (tail != nullptr) {
      tail->next_ready = n;
    } else {
      head = n;
    }
    tail = n;
  }
  [[nodiscard]] pln_node_base* dequeue() noexcept {
    pln_node_base* n = head;
    if (n != nullptr) {
      head = n->next_ready;
      if (head == nullptr) tail = nullptr;
      n->next_ready = nullptr;
    }
    return n;
  }
};

/// A child's waker is same-thread: checked against the set's thread while the set holds the
/// node (a node released by its set is touched by its remaining wakers only).
inline void pln_check_thread(const pln_node_base* n) noexcept {
  if (n->queue != nullptr)
    check_owner_thread(n->queue->owner, "a child's waker of per_leaf_notify",
                       "wake, copy and drop it on its reactor's thread; across threads use "
                       "task.get_remote_waker()");
}

inline void pln_drop_ref(pln_node_base* n) noexcept {
  if (--n->refs == 0) n->destroy(n);
}

inline void pln_wake(void* data, std::uint64_t /*token*/) noexcept {
  auto* n = static_cast<pln_node_base*>(data);
  pln_check_thread(n);
  pln_queue* q = n->queue;
  if (q == nullptr) return;  // released: the child is gone
  n->woken = true;
  if (!n->queued) {
    n->queued = true;
    q->enqueue(n);
    q->parent.wake();
  }
}
inline void pln_retain(void* data) noexcept {
  auto* n = static_cast<pln_node_base*>(data);
  pln_check_thread(n);
  ++n->refs;
}
inline void pln_release(void* data) noexcept {
  auto* n = static_cast<pln_node_base*>(data);
  pln_check_thread(n);
  pln_drop_ref(n);
}

/// One vtable for the nodes of every `per_leaf_notify<F>`.
inline constexpr waker_vtable pln_vtable{&pln_wake, &pln_retain, &pln_release};

template <class F>
struct pln_node final : pln_node_base {
  explicit pln_node(F&& f) : future(std::in_place, std::move(f)) { destroy = &destroy_node; }
  static void destroy_node(pln_node_base* b) noexcept { delete static_cast<pln_node*>(b); }
  std::optional<F> future;  // empty once released (futures' `Task::future: Option<Fut>`)
};

/// The node's waker for the duration of one poll, made without taking a reference (futures'
/// `waker_ref`): a union member is never destroyed, so no `release` runs. The reference the
/// poll holds keeps the node alive meanwhile.
union pln_borrowed_waker {
  explicit pln_borrowed_waker(pln_node_base* n) noexcept
      : handle(waker::from_raw(&pln_vtable, n, 0)) {}
  pln_borrowed_waker(const pln_borrowed_waker&) = delete;
  pln_borrowed_waker& operator=(const pln_borrowed_waker&) = delete;
  ~pln_borrowed_waker() {}  // NOLINT(modernize-use-equals-default): must not destroy `handle`
  waker handle;
};

/// Releases a node whose future is still there (futures' `release_task`).
template <class F>
void pln_release_task(pln_node_base* b) noexcept {
  auto* n = static_cast<pln_node<F>*>(b);
  const bool was_queued = std::exchange(n->queued, true);  // later wakes do nothing
  n->queue = nullptr;
  n->future.reset();
  if (!was_queued) pln_drop_ref(n);  // else the ready-to-run queue owns the reference now
}

/// What the set owns (set_shell's `Storage`): moved into the poll guard when the set is destroyed
/// during a child's poll.
template <class F>
struct pln_storage {
  pln_queue* queue = nullptr;
  pln_node_base* head_all = nullptr;
  std::size_t len = 0;  // children in the set, the one being polled included

  pln_storage() = default;
  pln_storage(pln_storage&& other) noexcept
      : queue(std::exchange(other.queue, nullptr)),
        head_all(std::exchange(other.head_all, nullptr)),
        len(std::exchange(other.len, 0)) {}
  pln_storage& operator=(pln_storage&& other) noexcept {
    if (this != &other) {
      clear();
      queue = std::exchange(other.queue, nullptr);
      head_all = std::exchange(other.head_all, nullptr);
      len = std::exchange(other.len, 0);
    }
    return *this;
  }
  pln_storage(const pln_storage&) = delete;
  pln_storage& operator=(const pln_storage&) = delete;
  ~pln_storage() { clear(); }

  /// Links `n` at the head of the list of all children (futures' `link`).
  void link(pln_node_base* n) noexcept {
    n->prev_all = nullptr;
    n->next_all = head_all;
    if (head_all != nullptr) head_all->prev_all = n;
    head_all = n;
  }
  /// Unlinks `n` from the list of all children (futures' `unlink`).
  void unlink(pln_node_base* n) noexcept {
    if (n->next_all != nullptr) n->next_all->prev_all = n->prev_all;
    if (n->prev_all != nullptr) {
      n->prev_all->next_all = n->next_all;
    } else {
      head_all = n->next_all;
    }
    n->prev_all = nullptr;
    n->next_all = nullptr;
  }

  /// futures' `Drop for FuturesUnordered` then `Drop for ReadyToRunQueue`: release every child,
  /// then drop the references the queue owns (all its nodes are released by then).
  void clear() noexcept {
    while (head_all != nullptr) {
      pln_node_base* n = head_all;
      unlink(n);
      pln_release_task<F>(n);
    }
    len = 0;
    if (queue != nullptr) {
      while (pln_node_base* n = queue->dequeue()) pln_drop_ref(n);
      delete std::exchange(queue, nullptr);
    }
  }
};

}  // namespace gentask::detail

namespace gentask::unordered {

template <future F, yield_policy YieldPolicy = yield2_or_len>
class per_leaf_notify : private detail::set_shell<detail::pln_storage<F>> {
  static_assert(std::is_object_v<F> && !std::is_const_v<F>,
                "per_leaf_notify: the child type must be a non-const object type");
  using shell = detail::set_shell<detail::pln_storage<F>>;
  using shell::s_;

 public:
  using stream_concept = stream_tag;
  /// One child's outcome: ready or failed, never pending.
  using item_type = poll_result<item_type_t<F>, error_type_t<F>>;
  using error_type = never;
  using yield_policy_type = YieldPolicy;

  /// Allocates the ready-to-run queue (futures' `new` allocates it and its stub). Moves, copies
  /// and destruction: set_shell.hpp.
  per_leaf_notify() { s_.queue = new detail::pln_queue; }

  /// Stores `f` in a new node (one allocation) and enqueues it; it first runs when the set is
  /// polled.
  void push(F f) {
    if (s_.queue == nullptr) s_.queue = new detail::pln_queue;  // a moved-from set
    auto* n = new detail::pln_node<F>(std::move(f));
    n->queue = s_.queue;
    s_.link(n);
    ++s_.len;
    s_.queue->enqueue(n);  // `queued` starts set
  }
  /// As `push(f)`; the task is unused (the interface of `spawn_per_child`).
  template <task Task>
  void push(Task& /*task*/, F f) {
    push(std::move(f));
  }

  [[nodiscard]] std::size_t size() const noexcept { return s_.len; }
  [[nodiscard]] bool empty() const noexcept { return s_.len == 0; }

  template <task Task>
  requires pollable<F, child_task<Task>> stream_poll_result<item_type, never> poll_next(Task& t) {
    this->check_not_polling("per_leaf_notify::poll_next: not reentrant (a child polled its set)");
    if (s_.queue == nullptr) return ready_value{std::optional<item_type>()};  // moved-from
    const std::size_t len = s_.len;
    std::size_t polled = 0;
    std::size_t yielded = 0;
    {
      waker current = t.get_waker();
      if (!current.will_wake(s_.queue->parent)) s_.queue->parent = std::move(current);
    }
    poll_guard guard(*this);
    for (;;) {
      detail::pln_node_base* base = s_.queue->dequeue();
      if (base == nullptr) {
        if (s_.len == 0) return ready_value{std::optional<item_type>()};
        return pending;
      }
      auto* n = static_cast<detail::pln_node<F>*>(base);
      if (!n->future) {  // released while queued: drop the queue's reference
        detail::pln_drop_ref(n);
        continue;
      }
      s_.unlink(n);  // the list's reference is the poll's now (futures' `Bomb`)
      n->queued = false;
      n->woken = false;
      guard.in_flight = n;
      item_type r = [&] {
        detail::pln_borrowed_waker borrowed(n);
        child_task<Task> child(t, borrowed.handle);
        return n->future->poll(child);
      }();
      if (guard.set_destroyed()) return pending;  // the guard releases n and the rest
      guard.in_flight = nullptr;
      ++polled;
      if (r.is_complete()) {
        --s_.len;
        detail::pln_release_task<F>(n);
        return ready_value{std::optional<item_type>(std::move(r))};
      }
      if (n->woken) ++yielded;
      s_.link(n);
      if (YieldPolicy::should_yield(polled, yielded, len)) {
        t.get_waker().wake();
        return pending;
      }
    }
  }

 private:
  /// `poll_next`'s guard (set_shell.hpp): releases the child that was running when its poll
  /// threw (futures' `Bomb`), or when the set was destroyed during it.
  struct poll_guard : shell::poll_guard_base {
    explicit poll_guard(per_leaf_notify& set) noexcept : shell::poll_guard_base(set) {}
    poll_guard(const poll_guard&) = delete;
    poll_guard& operator=(const poll_guard&) = delete;
    ~poll_guard() {
      if (in_flight == nullptr) return;
      if (!this->set_destroyed()) --this->storage().len;  // else the set's count is gone too
      detail::pln_release_task<F>(in_flight);
    }

    detail::pln_node_base* in_flight = nullptr;
  };
};

}  // namespace gentask::unordered
