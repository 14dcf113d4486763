#pragma once
/// @file
/// `oneshot::channel<T>()`: a single-threaded channel that carries one value from a `sender` to
/// a `receiver` (futures 0.1's `sync::oneshot`, for one reactor thread).
///
/// ```cpp
/// auto [tx, rx] = gentask::oneshot::channel<int>();
/// (void)std::move(tx).send(42);  // nullopt: delivered
/// // rx is a future: item int, error canceled
/// ```
///
/// - `receiver<T>` is a future of item `T` and error `canceled`, pollable on every task type.
///   It is ready with the value once it has been sent, and fails with `canceled` once the sender
///   is dropped without sending. While neither has happened it is pending, keeping the task's
///   wake handle (refreshed with `will_wake` on each poll, so spurious polls keep one handle).
///   The event that completes it (a send, or the sender's drop) wakes that handle once. Polled
///   again after completion (or when moved from), it throws `polled_after_completion`.
/// - `sender<T>` is move-only. `std::move(tx).send(v)` consumes it: it delivers `v` and returns
///   `std::nullopt`, or, if the receiver is gone, gives `v` back. `send` is `&&`-qualified, so
///   the call site says that the sender is used up (and use-after-move checkers catch a second
///   send); a send through a sender that has already sent or was moved from is misuse and throws
///   `std::logic_error`. If moving `v` into the channel throws, the exception propagates and the
///   sender is left as it was. `is_canceled()` says whether the receiver is gone (true as well on
///   an empty sender, through which nothing can be sent).
/// - Dropping the sender without sending fails the receiver with `canceled` and wakes it.
///   Dropping the receiver destroys a value that was sent but not received; a later send gives
///   its value back.
///
/// Cost: the shared state (the value's storage, the receiver's wake handle and a plain
/// reference count) is one heap allocation per channel, made by `channel()`, freed by whichever
/// side goes last. Nothing else allocates; wakes are `noexcept` and allocation-free.
///
/// @par Thread Safety
/// Distinct channels: safe. One channel: both ends, and every wake handle the receiver keeps,
/// belong to one reactor thread (the reference count is not atomic): create, send, poll and drop
/// them there only. To signal across threads, wake through a `remote_waker`
/// (`remote_waking_task`) instead.
///
/// @see mpsc.hpp (a bounded multi-producer channel), errors.hpp (`canceled`)

#include <gentask/channels/channel_end.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/thread_check.hpp>
#include <gentask/core/waker.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

namespace gentask {

namespace detail {

/// The state a oneshot channel's two ends share; deleted when both have let go of it.
template <class T>
struct oneshot_state {
  std::optional<T> value;    // sent, not yet received
  waker receiver_waker;      // the receiver's task, while it waits
  std::size_t refs = 2;      // the sender's and the receiver's
  bool sender_done = false;  // sent or dropped: no value can come any more
  bool receiver_gone = false;
  std::thread::id owner;  // the thread of the first use (check_thread)

  /// Binds the channel to the thread of its first use; later uses must come from it (checked
  /// when `GENTASK_THREAD_CHECKS` is on; the member exists either way, so no layout changes).
  void check_thread() noexcept {
    if constexpr (thread_checks_enabled) {
      if (owner == std::thread::id()) owner = std::this_thread::get_id();
      detail::check_owner_thread(owner, "a oneshot sender or receiver",
                                 "use both ends on one reactor's thread (they are not atomic)");
    }
  }

  void release() noexcept {
    if (--refs == 0) delete this;
  }
  /// Wakes the waiting receiver, once: the handle is given up as it is woken.
  void wake_receiver() noexcept {
    const waker w = std::move(receiver_waker);
    w.wake();
  }
};

/// What letting go of each end's share does (channel_end.hpp's `Side`). The sender's, when it
/// sent or is dropped: marks the sending side done (a value was stored, or none ever will be),
/// wakes the receiver (after the mark: a wake may poll it at once) and drops its reference.
struct oneshot_sender_side {
  template <class T>
  static void release(oneshot_state<T>*& state) noexcept {
    if (state != nullptr) finish(state);
  }
  /// The same, for a sender known to hold its share (`send`).
  template <class T>
  static void finish(oneshot_state<T>*& state) noexcept {
    state->check_thread();
    state->sender_done = true;
    state->wake_receiver();
    std::exchange(state, nullptr)->release();
  }
};
/// The receiver's: a value sent and not received goes with the state (its sender has let go
/// already), and a later send gives its value back.
struct oneshot_receiver_side {
  template <class T>
  static void release(oneshot_state<T>*& state) noexcept {
    if (state == nullptr) return;
    state->check_thread();
    state->receiver_gone = true;
    state->receiver_waker = waker();
    std::exchange(state, nullptr)->release();
  }
};

template <class T>
using oneshot_sender_end = channel_end<oneshot_state<T>, oneshot_sender_side>;
template <class T>
using oneshot_receiver_end = channel_end<oneshot_state<T>, oneshot_receiver_side>;

}  // namespace detail

namespace oneshot {

template <class T>
class sender;
template <class T>
class receiver;

template <class T>
std::pair<sender<T>, receiver<T>> channel();

/// The sending end: move-only, used up by `send`. See the file comment.
template <class T>
class sender : private detail::oneshot_sender_end<T> {
  using end = detail::oneshot_sender_end<T>;
  using end::drop;
  using end::state_;

 public:
  /// An empty sender: `send` throws, `is_canceled()` is true.
  sender() noexcept = default;
  sender(sender&&) noexcept = default;
  sender& operator=(sender&&) noexcept = default;
  /// Without a send, fails the receiver with `canceled` and wakes it (`oneshot_sender_side`).
  ~sender() = default;

  /// Delivers `value` (returns `std::nullopt`) or, if the receiver is gone, gives it back.
  /// Leaves the sender empty. Throws `std::logic_error` on an empty sender.
  [[nodiscard]] std::optional<T> send(T value) && {
    if (state_ == nullptr) {
      throw std::logic_error("oneshot::sender::send: empty sender (already sent or moved from)");
    }
    state_->check_thread();
    if (state_->receiver_gone) {
      // Wakes nothing: the receiver gave up its handle.
      detail::oneshot_sender_side::finish(state_);
      return std::optional<T>(std::move(value));
    }
    state_->value.emplace(std::move(value));  // may throw: then nothing has changed
    detail::oneshot_sender_side::finish(state_);
    return std::nullopt;
  }

  /// True when the receiver is gone (a send would give its value back), or the sender is empty.
  [[nodiscard]] bool is_canceled() const noexcept {
    return state_ == nullptr || state_->receiver_gone;
  }

 private:
  friend std::pair<sender<T>, receiver<T>> channel<T>();
  explicit sender(detail::oneshot_state<T>* state) noexcept : end(state) {}
};

/// The receiving end: a future of the value, failing with `canceled`. See the file comment.
template <class T>
class receiver : private detail::oneshot_receiver_end<T> {
  using end = detail::oneshot_receiver_end<T>;
  using end::drop;
  using end::state_;

 public:
  using future_concept = future_tag;
  using item_type = T;
  using error_type = canceled;

  /// An empty receiver: polling it throws `polled_after_completion`.
  receiver() noexcept = default;
  receiver(receiver&&) noexcept = default;
  receiver& operator=(receiver&&) noexcept = default;
  /// Destroys a value sent but not received; a later send gives its value back
  /// (`oneshot_receiver_side`).
  ~receiver() = default;

  template <task Task>
  poll_result<T, canceled> poll(Task& task) {
    if (state_ == nullptr) {
      detail::throw_polled_after_completion(
          "oneshot::receiver: polled after completion or when empty");
    }
    state_->check_thread();
    if (state_->value.has_value()) {
      poll_result<T, canceled> result(ready_value<T&&>{std::move(*state_->value)});
      drop();  // the sender is gone too: this frees the state and the moved-from value
      return result;
    }
    if (state_->sender_done) {
      drop();
      return failed_value{canceled{}};
    }
    waker current = task.get_waker();
    if (!current.will_wake(state_->receiver_waker)) state_->receiver_waker = std::move(current);
    return pending;
  }

 private:
  friend std::pair<sender<T>, receiver<T>> channel<T>();
  explicit receiver(detail::oneshot_state<T>* state) noexcept : end(state) {}
};

/// A new channel: its sender and its receiver. One heap allocation.
template <class T>
std::pair<sender<T>, receiver<T>> channel() {
  static_assert(std::is_object_v<T> && !std::is_array_v<T> && !std::is_const_v<T> &&
                    std::is_move_constructible_v<T>,
                "oneshot::channel: the value must be a non-const, move-constructible object type");
  auto* state = new detail::oneshot_state<T>();
  return {sender<T>(state), receiver<T>(state)};
}

}  // namespace oneshot
}  // namespace gentask
