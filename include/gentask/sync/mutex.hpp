#pragma once
/// @file
/// `async_mutex<T>`: an async mutex that owns a `T`, for the tasks of one reactor thread
/// (tokio's `sync::Mutex<T>`, single-threaded). It is a one-permit `semaphore` (semaphore.hpp)
/// beside the value, so it has the semaphore's guarantees.
///
/// ```cpp
/// gentask::async_mutex<int> counter(0);
/// auto f = counter.lock();         // a future: ready with a mutex_guard<int> once it is ours
/// auto g = counter.try_lock();     // std::optional<mutex_guard<int>>: at once, or nullopt
/// // *guard is the int; dropping the guard unlocks and wakes the oldest waiting locker
/// ```
///
/// - `lock()` returns a `mutex_lock_future<T>`: item `mutex_guard<T>`, error `never`, pollable
///   on every task type; pending while the mutex is locked or older lockers wait. `try_lock()`
///   locks at once or returns `std::nullopt` (locked, or others are waiting: no barging).
/// - `mutex_guard<T>` is move-only; `*g` and `g->` reach the value (a moved-from guard is empty
///   and must not be dereferenced). Dropping it unlocks: the lock passes straight to the oldest
///   waiting locker, which is woken (exactly one), or the mutex becomes free.
/// - **FIFO and fair:** lockers get the lock in the order their futures first polled pending; a
///   newcomer cannot take the lock while anyone waits, even in the moment between an unlock and
///   the woken locker's poll (the lock is already that locker's).
/// - **Cancel safety:** dropping a waiting lock future leaves the queue in O(1); one dropped
///   after the lock was passed to it but before it polled passes the lock on to the next waiter.
/// - **Cooperative budget:** a lock future that could complete first asks `poll_proceed(task)`
///   and, when the task's budget is spent, returns `pending` with its task woken (keeping a lock
///   already passed to it). A pending poll uses no budget.
/// - `is_locked()`: a guard exists, or the lock has been passed to a locker that has not polled
///   yet. `get_waiter_count()`: lock futures in the queue.
///
/// Lock futures may be moved between polls, queued ones too (the queue node lives inside the
/// future and is relinked by its move constructor): no pinning rule. Polling one that completed
/// or was moved from throws `polled_after_completion`. Nothing allocates: locking, waiting and
/// unlocking use the intrusive queue of the semaphore.
///
/// **Lifetime (a precondition).** The mutex must outlive every lock future and guard made from
/// it; it is neither copyable nor movable (debug builds assert when it is destroyed while locked
/// or waited for).
///
/// @par Thread Safety
/// Distinct mutexes: safe. One mutex, its futures and its guards belong to one reactor thread.
/// It orders tasks across their `pending` points; it is not a lock between threads. A mutex is
/// bound to the thread of its first lock; locking it, or dropping a guard, on another thread
/// aborts with a message when `GENTASK_THREAD_CHECKS` is on (on unless `NDEBUG`), and is a data
/// race (a waiter never woken, a corrupted queue) when it is off.
///
/// @see semaphore.hpp

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/sync/semaphore.hpp>

#include <cassert>
#include <concepts>
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

namespace gentask {

template <class T>
class async_mutex;
template <class T>
class mutex_lock_future;

/// Holds the lock of an `async_mutex<T>` and gives access to its value; dropping it unlocks.
template <class T>
class mutex_guard {
 public:
  mutex_guard(mutex_guard&& other) noexcept
      : value_(std::exchange(other.value_, nullptr)), permit_(std::move(other.permit_)) {}
  /// Unlocks this guard's mutex first, then takes over `other`'s lock.
  mutex_guard& operator=(mutex_guard&& other) noexcept {
    if (this != &other) {
      permit_ = std::move(other.permit_);
      value_ = std::exchange(other.value_, nullptr);
    }
    return *this;
  }
  mutex_guard(const mutex_guard&) = delete;
  mutex_guard& operator=(const mutex_guard&) = delete;
  ~mutex_guard() = default;  // the permit unlocks

  [[nodiscard]] T& operator*() const noexcept {
    assert(value_ != nullptr && "mutex_guard: empty (moved from)");
    return *value_;
  }
  [[nodiscard]] T* operator->() const noexcept {
    assert(value_ != nullptr && "mutex_guard: empty (moved from)");
    return value_;
  }

 private:
  friend class async_mutex<T>;
  friend class mutex_lock_future<T>;
  mutex_guard(T* value, semaphore_permit permit) noexcept
      : value_(value), permit_(std::move(permit)) {}

  T* value_;
  semaphore_permit permit_;  // the mutex's one permit
};

/// The future `async_mutex<T>::lock` returns: item `mutex_guard<T>`, error `never`.
template <class T>
class [[nodiscard]] mutex_lock_future {
 public:
  using future_concept = future_tag;
  using item_type = mutex_guard<T>;
  using error_type = never;

  /// Takes over `other`'s place in the queue (relinked), or the lock passed to it.
  mutex_lock_future(mutex_lock_future&& other) noexcept
      : value_(std::exchange(other.value_, nullptr)), acquire_(std::move(other.acquire_)) {}
  mutex_lock_future(const mutex_lock_future&) = delete;
  mutex_lock_future& operator=(const mutex_lock_future&) = delete;
  mutex_lock_future& operator=(mutex_lock_future&&) = delete;
  /// Leaves the queue, or passes on a lock that was passed to it.
  ~mutex_lock_future() = default;

  template <task Task>
  poll_result<mutex_guard<T>, never> poll(Task& task) {
    if (value_ == nullptr) {
      detail::throw_polled_after_completion(
          "mutex_lock_future: polled after completion or when moved from");
    }
    auto r = acquire_.poll(task);
    if (r.is_pending()) return pending;
    // The mutex never closes its semaphore, so the acquire cannot fail.
    return ready_value{mutex_guard<T>(std::exchange(value_, nullptr), std::move(r).get_value())};
  }

 private:
  friend class async_mutex<T>;
  mutex_lock_future(T* value, semaphore& sem) noexcept : value_(value), acquire_(sem.acquire(1)) {}

  T* value_;  // null once complete, or when moved from
  semaphore_acquire_future acquire_;
};

/// An async mutex owning a `T`, for one reactor thread. See the file comment.
template <class T>
class async_mutex {
  static_assert(std::is_object_v<T> && !std::is_array_v<T>,
                "async_mutex: the value must be a non-array object type");

 public:
  /// A mutex holding a value-initialized `T`.
  async_mutex() noexcept(
      std::is_nothrow_default_constructible_v<T>) requires std::default_initializable<T>
      : value_() {}
  /// A mutex holding `value`.
  explicit async_mutex(T value) noexcept(
      std::is_nothrow_move_constructible_v<T>) requires std::move_constructible<T>
      : value_(std::move(value)) {}
  /// A mutex holding a `T` made from `args`.
  template <class... Args>
  requires std::constructible_from<T, Args...>
  explicit async_mutex(std::in_place_t /*tag*/, Args&&... args)
      : value_(std::forward<Args>(args)...) {}
  async_mutex(const async_mutex&) = delete;
  async_mutex& operator=(const async_mutex&) = delete;
  /// Precondition: not locked, no lock future waiting (checked by the semaphore's assert).
  ~async_mutex() = default;

  /// A future of the lock, served in FIFO order. See the file comment.
  [[nodiscard]] mutex_lock_future<T> lock() noexcept { return mutex_lock_future<T>(&value_, sem_); }

  /// The lock at once, or `std::nullopt` when it is held or others wait for it.
  [[nodiscard]] std::optional<mutex_guard<T>> try_lock() noexcept {
    auto permit = sem_.try_acquire(1);
    if (!permit) return std::nullopt;
    return mutex_guard<T>(&value_, std::move(*permit));
  }

  /// A guard exists, or the lock was passed to a waiting locker that has not polled yet.
  [[nodiscard]] bool is_locked() const noexcept { return sem_.get_available_permits() == 0; }
  /// Lock futures in the queue.
  [[nodiscard]] std::size_t get_waiter_count() const noexcept { return sem_.get_waiter_count(); }

 private:
  semaphore sem_{1};
  T value_;
};

}  // namespace gentask
