#pragma once
/// @file
/// `semaphore`: an async counting semaphore for the tasks of one reactor thread (tokio's
/// `sync::Semaphore` on its batch semaphore, single-threaded).
///
/// ```cpp
/// gentask::semaphore sem(2);
/// auto f = sem.acquire();          // a future: ready with a semaphore_permit once one is ours
/// auto p = sem.try_acquire(2);     // std::optional<semaphore_permit>: at once, or nullopt
/// // dropping a permit gives its permits back, to the oldest waiter first
/// ```
///
/// - `acquire(n = 1)` returns a `semaphore_acquire_future`: item `semaphore_permit` (holding
///   `n` permits), error `semaphore_closed`, pollable on every task type. It is pending while it
///   waits its turn and ready once `n` permits are its own. `try_acquire(n)` takes `n` permits
///   at once or returns `std::nullopt`: too few are free, older waiters are queued, or the
///   semaphore is closed. Zero permits are had at once, even while others wait (they take
///   nothing from anyone), unless the semaphore is closed.
/// - `semaphore_permit` is a move-only guard: dropping it (or `reset()`) gives its permits back;
///   `forget()` gives them up for good (the semaphore has that many fewer). `get_count()`.
/// - **FIFO and fair (tokio's batch semaphore).** A future that cannot complete at its first
///   poll joins a queue; waiters are served strictly in the order they joined. Permits that come
///   back are assigned to the oldest waiter; if it needs more than there are, it keeps those and
///   waits for the rest, and everyone behind it waits too, so a large request is never starved
///   by small ones. Hence, while anyone waits, no permit is free, and a newcomer (`try_acquire`
///   or a first poll) cannot barge ahead. A waiter whose permits have all been assigned leaves
///   the queue and is woken once; its next poll takes them.
/// - **Cancel safety.** Dropping a waiting future unlinks it (O(1)) and gives back the permits
///   already assigned to it, some or all, which go on to the next waiters at once. Dropping it
///   before its first poll, or after it completed, does nothing. No permit is lost or counted
///   twice on any path.
/// - **Cooperative budget.** When the future could complete (its permits are assigned, or free
///   for a newcomer) it first asks `poll_proceed(task)` (budget.hpp); if the task's budget is
///   spent it returns `pending`, the task already woken, and keeps what was assigned to it (a
///   newcomer takes nothing and does not queue: as in tokio, it has no place yet). A poll that
///   stays pending uses no budget. `try_acquire` does not consult the budget.
/// - `close()` fails every queued future, and every later acquire, with `semaphore_closed`
///   (waking the queued ones), and `try_acquire` returns `std::nullopt` from then on. A future
///   whose permits were all assigned before the close still completes with them; permits
///   already held still come back and count in `get_available_permits()`.
/// - `add_permits(n)` adds `n` new permits (to the waiters first); it throws
///   `std::overflow_error` if the semaphore's total would pass `max_permits`.
/// - `get_available_permits()`: free permits (neither held nor assigned to a waiter);
///   `get_waiter_count()`: futures in the queue.
///
/// Wake handles: a queued future keeps its task's handle, refreshed with `will_wake` on every
/// poll (spurious polls keep one handle) and given up when it is woken (served or closed), so a
/// waiter is woken once per event. Wakes are `noexcept` and allocation-free.
///
/// **Moving.** Futures may be moved between polls, queued ones too: the queue node lives inside
/// the future and its move constructor relinks it (as the mpsc send future does), so there is no
/// pinning rule. The future is move-constructible, not move-assignable. Polling a future that
/// completed, or was moved from, throws `polled_after_completion`.
///
/// Cost: nothing allocates, ever. The semaphore is three counts, a flag and the two ends of an
/// intrusive doubly-linked FIFO list of nodes that live inside the waiting futures (enqueue,
/// unlink and relink are O(1)); a permit is two words.
///
/// **Lifetime (a precondition).** The semaphore must outlive every acquire future and every
/// permit made from it (they point at it); it is neither copyable nor movable. Destroying it
/// while a future is queued or a permit is out is undefined behaviour (debug builds assert).
///
/// @par Thread Safety
/// Distinct semaphores: safe. One semaphore, its futures and its permits belong to one reactor
/// thread (nothing is atomic): create, poll, move and drop them there only. The semaphore is
/// bound to the thread of its first acquire; an acquire or a permit's release on another thread
/// aborts with a message when `GENTASK_THREAD_CHECKS` is on, and is a data race when it is off.
///
/// @see mutex.hpp (`async_mutex<T>`, on a one-permit semaphore), budget.hpp

#include <gentask/core/budget.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/thread_check.hpp>
#include <gentask/core/waker.hpp>

#include <cassert>
#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

namespace gentask {

/// The error of an acquire on a closed semaphore.
struct semaphore_closed {
  friend constexpr bool operator==(semaphore_closed, semaphore_closed) noexcept = default;
};

class semaphore;
class semaphore_acquire_future;

namespace detail {

/// An acquire future's place in the semaphore's queue. It lives inside the future, whose move
/// constructor relinks it.
struct semaphore_waiter {
  enum class status : unsigned char {
    idle,     // not queued (not polled yet, or done)
    queued,   // linked in the queue, waiting for `requested - assigned` more permits
    granted,  // unlinked, all `requested` permits assigned to it
    closed,   // unlinked by `close()`
  };
  semaphore_waiter* prev = nullptr;
  semaphore_waiter* next = nullptr;
  waker handle;
  std::size_t requested = 0;
  std::size_t assigned = 0;  // permits assigned to it (only the head of the queue has some)
  status state = status::idle;
};

}  // namespace detail

/// Permits taken from a semaphore: move-only; dropping it gives them back. See the file comment.
class semaphore_permit {
 public:
  /// An empty permit (holds nothing, gives nothing back).
  semaphore_permit() noexcept = default;
  semaphore_permit(semaphore_permit&& other) noexcept
      : sem_(std::exchange(other.sem_, nullptr)), count_(std::exchange(other.count_, 0)) {}
  /// Gives this permit's own permits back first, then takes over `other`'s.
  semaphore_permit& operator=(semaphore_permit&& other) noexcept {
    if (this != &other) {
      reset();
      sem_ = std::exchange(other.sem_, nullptr);
      count_ = std::exchange(other.count_, 0);
    }
    return *this;
  }
  semaphore_permit(const semaphore_permit&) = delete;
  semaphore_permit& operator=(const semaphore_permit&) = delete;
  ~semaphore_permit() { reset(); }

  /// The permits held (0 when empty).
  [[nodiscard]] std::size_t get_count() const noexcept { return count_; }

  /// Gives the permits back now (as dropping does; the oldest waiters are served first) and
  /// leaves this permit empty.
  void reset() noexcept;

  /// Gives the permits up without returning them: the semaphore has that many fewer for good.
  /// Leaves this permit empty.
  void forget() noexcept;

 private:
  friend class semaphore;
  friend class semaphore_acquire_future;
  semaphore_permit(semaphore* sem, std::size_t count) noexcept : sem_(sem), count_(count) {}

  semaphore* sem_ = nullptr;
  std::size_t count_ = 0;
};

/// An async counting semaphore for one reactor thread. See the file comment.
///
/// Invariant: while the queue is not empty no permit is free (`permits_ == 0`): every permit
/// that comes back is assigned to the head waiter at once. So a newcomer may take permits only
/// when the queue is empty, and only the head can hold assigned permits while it waits.
class semaphore {
 public:
  /// The most permits a semaphore can own (free, assigned and held together).
  static constexpr std::size_t max_permits = std::numeric_limits<std::size_t>::max();

  explicit semaphore(std::size_t permits) noexcept : permits_(permits), total_(permits) {}
  semaphore(const semaphore&) = delete;
  semaphore& operator=(const semaphore&) = delete;
  /// Precondition: no acquire future is queued or granted and no permit is out.
  ~semaphore() {
    assert(head_ == nullptr && permits_ == total_ &&
           "semaphore destroyed while an acquire future waits or a permit is out");
  }

  /// A future of `n` permits, served in FIFO order. See the file comment.
  [[nodiscard]] semaphore_acquire_future acquire(std::size_t n = 1) noexcept;

  /// `n` permits at once, or `std::nullopt` when fewer than `n` are free, older waiters are
  /// queued, or the semaphore is closed.
  [[nodiscard]] std::optional<semaphore_permit> try_acquire(std::size_t n = 1) noexcept {
    check_thread();
    if (closed_ || !admits(n)) return std::nullopt;
    permits_ -= n;
    return semaphore_permit(this, n);
  }

  /// Adds `n` permits, serving the oldest waiters first. Throws `std::overflow_error` (and adds
  /// nothing) when the semaphore would own more than `max_permits`.
  void add_permits(std::size_t n) {
    if (n > max_permits - total_) {
      throw std::overflow_error("semaphore::add_permits: more than max_permits permits");
    }
    total_ += n;
    release(n);
  }

  /// Fails every queued and later acquire with `semaphore_closed`; see the file comment.
  void close() noexcept {
    closed_ = true;
    while (head_ != nullptr) {
      detail::semaphore_waiter& w = *head_;
      unlink(w);
      permits_ += std::exchange(w.assigned, 0);
      w.state = detail::semaphore_waiter::status::closed;
      wake_and_clear(w.handle);
    }
  }

  [[nodiscard]] bool is_closed() const noexcept { return closed_; }
  /// Free permits: neither held by a permit nor assigned to a waiter.
  [[nodiscard]] std::size_t get_available_permits() const noexcept { return permits_; }
  /// Acquire futures in the queue (not counting those already served but not yet polled).
  [[nodiscard]] std::size_t get_waiter_count() const noexcept { return waiters_; }

 private:
  friend class semaphore_permit;
  friend class semaphore_acquire_future;
  using waiter = detail::semaphore_waiter;

  /// Binds the semaphore to the thread of its first acquire; later acquires and releases must
  /// come from that thread (checked when `GENTASK_THREAD_CHECKS` is on; layout either way).
  void check_thread() noexcept {
    if constexpr (thread_checks_enabled) {
      if (owner_ == std::thread::id()) owner_ = std::this_thread::get_id();
      detail::check_owner_thread(owner_, "a semaphore, async_mutex, permit or mutex_guard",
                                 "acquire and release it on one reactor's thread (it orders "
                                 "tasks, it is not a lock between threads)");
    }
  }

  /// True when a newcomer may take `n` permits now.
  [[nodiscard]] bool admits(std::size_t n) const noexcept {
    return n == 0 || (head_ == nullptr && permits_ >= n);
  }

  /// Gives `n` permits back: assigns them to the waiters in queue order (waking each one that
  /// is then fully served) and keeps the rest free.
  void release(std::size_t n) noexcept {
    while (n > 0 && head_ != nullptr) {
      waiter& w = *head_;
      const std::size_t missing = w.requested - w.assigned;
      const std::size_t given = n < missing ? n : missing;
      w.assigned += given;
      n -= given;
      if (w.assigned == w.requested) {
        unlink(w);
        w.state = waiter::status::granted;
        wake_and_clear(w.handle);
      }
    }
    permits_ += n;
  }

  /// Appends a waiter that could not be served at once. If it is the only one, the free
  /// permits (fewer than it needs) are assigned to it, which keeps the invariant.
  void enqueue(waiter& w, waker handle) noexcept {
    if (head_ == nullptr) w.assigned = std::exchange(permits_, 0);
    w.prev = tail_;
    w.next = nullptr;
    (tail_ != nullptr ? tail_->next : head_) = &w;
    tail_ = &w;
    w.handle = std::move(handle);
    w.state = waiter::status::queued;
    ++waiters_;
  }

  void unlink(waiter& w) noexcept {
    (w.prev != nullptr ? w.prev->next : head_) = w.next;
    (w.next != nullptr ? w.next->prev : tail_) = w.prev;
    w.prev = nullptr;
    w.next = nullptr;
    --waiters_;
  }

  /// Puts `to` in the queue where `from` is (a queued future was moved).
  void relink(waiter& from, waiter& to) noexcept {
    to.prev = std::exchange(from.prev, nullptr);
    to.next = std::exchange(from.next, nullptr);
    (to.prev != nullptr ? to.prev->next : head_) = &to;
    (to.next != nullptr ? to.next->prev : tail_) = &to;
  }

  /// Takes a waiter out, whatever its status: unlinks it and gives back the permits assigned
  /// to it (to the next waiters). Leaves it idle, with no handle.
  void withdraw(waiter& w) noexcept {
    const waiter::status was = std::exchange(w.state, waiter::status::idle);
    w.handle = waker();
    if (was == waiter::status::queued) unlink(w);
    if (was == waiter::status::queued || was == waiter::status::granted) {
      release(std::exchange(w.assigned, 0));
    }
  }

  /// Gives up a stored wake handle and wakes it: a waiter is woken once per event.
  static void wake_and_clear(waker& stored) noexcept {
    const waker taken = std::move(stored);
    taken.wake();
  }

  std::size_t permits_;      // free permits
  std::size_t total_;        // free + assigned + held (what `forget` and `add_permits` change)
  std::size_t waiters_ = 0;  // linked in the queue
  waiter* head_ = nullptr;   // the queue, oldest first
  waiter* tail_ = nullptr;
  std::thread::id owner_;  // the thread of the first acquire (see check_thread)
  bool closed_ = false;
};

/// The future `semaphore::acquire` returns: item `semaphore_permit`, error `semaphore_closed`.
/// See the file comment.
class [[nodiscard]] semaphore_acquire_future {
 public:
  using future_concept = future_tag;
  using item_type = semaphore_permit;
  using error_type = semaphore_closed;

  /// Takes over `other`'s request and its place in the queue (relinked: the semaphore now
  /// points here), or the permits assigned to it. `other` is left empty.
  semaphore_acquire_future(semaphore_acquire_future&& other) noexcept
      : sem_(std::exchange(other.sem_, nullptr)) {
    node_.requested = other.node_.requested;
    node_.assigned = std::exchange(other.node_.assigned, 0);
    node_.state = std::exchange(other.node_.state, status::idle);
    node_.handle = std::move(other.node_.handle);
    if (node_.state == status::queued) sem_->relink(other.node_, node_);
  }
  semaphore_acquire_future(const semaphore_acquire_future&) = delete;
  semaphore_acquire_future& operator=(const semaphore_acquire_future&) = delete;
  semaphore_acquire_future& operator=(semaphore_acquire_future&&) = delete;
  /// Leaves the queue, giving back whatever permits were assigned to it.
  ~semaphore_acquire_future() {
    if (sem_ != nullptr) sem_->withdraw(node_);
  }

  template <task Task>
  poll_result<semaphore_permit, semaphore_closed> poll(Task& task) {
    if (sem_ == nullptr) {
      detail::throw_polled_after_completion(
          "semaphore_acquire_future: polled after completion or when moved from");
    }
    sem_->check_thread();
    switch (node_.state) {
      case status::granted:
        if (!poll_proceed(task)) return pending;  // woken; the permits stay assigned to it
        node_.state = status::idle;
        node_.assigned = 0;
        return ready_value{semaphore_permit(std::exchange(sem_, nullptr), node_.requested)};
      case status::closed:
        sem_ = nullptr;
        return failed_value{semaphore_closed{}};
      case status::queued: {
        waker current = task.get_waker();
        if (!current.will_wake(node_.handle)) node_.handle = std::move(current);
        return pending;
      }
      case status::idle:
        break;
    }
    if (sem_->closed_) {
      sem_ = nullptr;
      return failed_value{semaphore_closed{}};
    }
    if (sem_->admits(node_.requested)) {
      if (!poll_proceed(task)) return pending;  // woken; takes nothing, holds no place
      sem_->permits_ -= node_.requested;
      return ready_value{semaphore_permit(std::exchange(sem_, nullptr), node_.requested)};
    }
    sem_->enqueue(node_, task.get_waker());
    return pending;
  }

  /// The permits this future asks for.
  [[nodiscard]] std::size_t get_requested() const noexcept { return node_.requested; }

 private:
  friend class semaphore;
  using status = detail::semaphore_waiter::status;

  semaphore_acquire_future(semaphore& sem, std::size_t n) noexcept : sem_(&sem) {
    node_.requested = n;
  }

  semaphore* sem_;  // null once complete, or when moved from
  detail::semaphore_waiter node_;
};

inline semaphore_acquire_future semaphore::acquire(std::size_t n) noexcept {
  return semaphore_acquire_future(*this, n);
}

inline void semaphore_permit::reset() noexcept {
  if (sem_ != nullptr) sem_->check_thread();
  if (sem_ != nullptr) std::exchange(sem_, nullptr)->release(std::exchange(count_, 0));
}

inline void semaphore_permit::forget() noexcept {
  if (sem_ != nullptr) std::exchange(sem_, nullptr)->total_ -= count_;
  count_ = 0;
}

}  // namespace gentask
