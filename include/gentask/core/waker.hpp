#pragma once
/// @file
/// Wake handles: `waker` (same thread, no atomics) and `remote_waker` (thread-safe).
///
/// A task hands out a wake handle (`task.get_waker()`); a future that returns `pending`
/// keeps it where the event it waits for can reach it, and that event calls `wake()`.
///
/// **One type-erased type, not one per task type.** A handle is three words: a vtable, a data
/// pointer and a 64-bit token (a reactor packs slot and generation into it). Leaf futures and
/// channels store handles without being templates over the task type, and a per-leaf adapter
/// (futures_unordered's per-child notification) wraps a handle by making one with its own vtable.
/// The price is one indirect call per wake, copy and drop, measured in the `floors` experiment.
///
/// **Validity.** A handle stays valid for as long as anyone holds it, across polls and after
/// its task, the task's group or its reactor are gone: then `wake()` does nothing. Handles from
/// one task compare equal under `will_wake` for the whole life of the task (the futures 0.1
/// contract), but a future that stores a handle must still compare it with the one it is given
/// on every poll and replace it when `will_wake` is false (the futures 0.3 rule), because a
/// future may be polled by another task than before (moved into a new task, or polled through
/// a per-child adapter).
///
/// **Coalescing.** Every wake is followed by at least one poll of the task unless the task has
/// ended; several wakes before that poll may be (in gentask's reactors, are) coalesced into one.
/// A wake during the task's own poll makes the reactor poll it again after that poll returns.
///
/// **Threads.** A `waker` may be copied, dropped and woken only on the thread of the reactor it
/// came from (its refcount is not atomic); a scheduler's waker used elsewhere aborts with a
/// message when `GENTASK_THREAD_CHECKS` is on (on unless `NDEBUG`: core/thread_check.hpp) and
/// races when it is off (lost wakes, a corrupted count). A `remote_waker` may be sent to and woken
/// from any thread; a task on a single-threaded reactor hands one out through `get_remote_waker()`
/// (`remote_waking_task`), and its wake goes through the reactor's thread-safe inbox. A
/// `remote_waker` converts to a `waker`.
///
/// A default-constructed handle wakes nothing.

#include <cstdint>
#include <utility>

namespace gentask {

/// The operations behind a wake handle. `wake` must not throw. `retain` and `release` manage
/// one reference to `data`; for a `remote_waker` all three must be thread-safe.
struct waker_vtable {
  void (*wake)(void* data, std::uint64_t token) noexcept;
  void (*retain)(void* data) noexcept;
  void (*release)(void* data) noexcept;
};

namespace detail {

class waker_base {
 public:
  constexpr waker_base() noexcept = default;
  waker_base(const waker_base& other) noexcept
      : vtable_(other.vtable_), data_(other.data_), token_(other.token_) {
    if (vtable_ != nullptr) vtable_->retain(data_);
  }
  waker_base(waker_base&& other) noexcept
      : vtable_(std::exchange(other.vtable_, nullptr)), data_(other.data_), token_(other.token_) {}
  waker_base& operator=(const waker_base& other) noexcept {
    waker_base copy(other);
    swap(copy);
    return *this;
  }
  waker_base& operator=(waker_base&& other) noexcept {
    waker_base moved(std::move(other));
    swap(moved);
    return *this;
  }
  ~waker_base() {
    if (vtable_ != nullptr) vtable_->release(data_);
  }

  /// Asks for the task to be polled again. Never throws; does nothing when the task is gone.
  void wake() const noexcept {
    if (vtable_ != nullptr) vtable_->wake(data_, token_);
  }
  /// True when waking either handle wakes the same task in the same way.
  [[nodiscard]] bool will_wake(const waker_base& other) const noexcept {
    return vtable_ == other.vtable_ && data_ == other.data_ && token_ == other.token_;
  }
  /// True for a handle that wakes nothing (default-constructed or moved-from).
  [[nodiscard]] bool is_noop() const noexcept { return vtable_ == nullptr; }
  [[nodiscard]] std::uint64_t get_token() const noexcept { return token_; }
  /// The raw parts (as Rust's `Waker::vtable()` / `data()`): lets a reactor recognise a handle
  /// of its own and keep only its token.
  [[nodiscard]] const waker_vtable* get_vtable() const noexcept { return vtable_; }
  [[nodiscard]] void* get_data() const noexcept { return data_; }

 protected:
  constexpr waker_base(const waker_vtable* vtable, void* data, std::uint64_t token) noexcept
      : vtable_(vtable), data_(data), token_(token) {}

 private:
  void swap(waker_base& other) noexcept {
    std::swap(vtable_, other.vtable_);
    std::swap(data_, other.data_);
    std::swap(token_, other.token_);
  }

  const waker_vtable* vtable_ = nullptr;
  void* data_ = nullptr;
  std::uint64_t token_ = 0;
};

}  // namespace detail

class remote_waker;

/// A wake handle for use on the reactor's own thread (no atomics).
class waker : public detail::waker_base {
 public:
  constexpr waker() noexcept = default;
  /// Adopts one reference to `data` that the caller has already taken.
  [[nodiscard]] static waker from_raw(const waker_vtable* vtable, void* data,
                                      std::uint64_t token) noexcept {
    return waker(vtable, data, token);
  }
  /// A thread-safe handle is usable on the reactor thread too.
  waker(const remote_waker& remote) noexcept;  // NOLINT(google-explicit-constructor)
  waker(remote_waker&& remote) noexcept;       // NOLINT(google-explicit-constructor)

 private:
  constexpr waker(const waker_vtable* vtable, void* data, std::uint64_t token) noexcept
      : waker_base(vtable, data, token) {}
};

/// A wake handle that may be sent to, copied on, dropped on and woken from any thread.
class remote_waker : public detail::waker_base {
 public:
  constexpr remote_waker() noexcept = default;
  /// Adopts one reference to `data`; every entry of `vtable` must be thread-safe.
  [[nodiscard]] static remote_waker from_raw(const waker_vtable* vtable, void* data,
                                             std::uint64_t token) noexcept {
    return remote_waker(vtable, data, token);
  }

 private:
  constexpr remote_waker(const waker_vtable* vtable, void* data, std::uint64_t token) noexcept
      : waker_base(vtable, data, token) {}
};

inline waker::waker(const remote_waker& remote) noexcept
    : waker_base(static_cast<const waker_base&>(remote)) {}
inline waker::waker(remote_waker&& remote) noexcept
    : waker_base(static_cast<waker_base&&>(remote)) {}

}  // namespace gentask
