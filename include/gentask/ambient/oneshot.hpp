#pragma once
/// @file
/// `ambient::oneshot<T>()`: futures 0.1's `oneshot` in the ambient design, for the ping-pong
/// workloads. The receiver is an ambient future: pending, it stashes `current_task()` (and
/// keeps the handle it has when `will_wake` says it wakes the same task, as futures 0.1's
/// `Task::will_notify_current` let it); `send` stores the value and wakes that task; a sender
/// dropped without sending fails the receiver with `canceled`. Same-thread (a plain count), as
/// gentask's own `channels/oneshot.hpp`: the comparison of the two designs holds that fixed.

#include <gentask/ambient/current_task.hpp>
#include <gentask/ambient/future.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/waker.hpp>

#include <optional>
#include <utility>

namespace gentask::ambient {

namespace detail {
template <class T>
struct oneshot_state {
  int refs = 2;
  bool sender_gone = false;
  std::optional<T> value;
  waker receiver;  // the task to wake, once the receiver was polled pending

  void release() noexcept {
    if (--refs == 0) delete this;
  }
};
}  // namespace detail

template <class T>
class oneshot_sender {
 public:
  explicit oneshot_sender(detail::oneshot_state<T>* s) noexcept : s_(s) {}
  oneshot_sender(oneshot_sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  oneshot_sender& operator=(oneshot_sender&& o) noexcept {
    if (this != &o) {
      drop();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  ~oneshot_sender() { drop(); }

  /// Stores `v` and wakes the receiver's task; the sender is spent.
  void send(T v) {
    if (s_ == nullptr) return;
    s_->value.emplace(std::move(v));
    drop();
  }

 private:
  void drop() noexcept {
    if (s_ == nullptr) return;
    s_->sender_gone = true;
    waker w = std::move(s_->receiver);
    std::exchange(s_, nullptr)->release();
    w.wake();
  }
  detail::oneshot_state<T>* s_;
};

template <class T>
class oneshot_receiver {
 public:
  using future_concept = ambient_future_tag;
  using item_type = T;
  using error_type = canceled;

  explicit oneshot_receiver(detail::oneshot_state<T>* s) noexcept : s_(s) {}
  oneshot_receiver(oneshot_receiver&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  oneshot_receiver& operator=(oneshot_receiver&& o) noexcept {
    if (this != &o) {
      if (s_ != nullptr) s_->release();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  ~oneshot_receiver() {
    if (s_ != nullptr) s_->release();
  }

  poll_result<T, canceled> poll() {
    if (s_->value) return ready_value{std::move(*s_->value)};
    if (s_->sender_gone) return failed_value{canceled{}};
    waker w = current_task();  // futures 0.1: task::current()
    if (!s_->receiver.will_wake(w)) s_->receiver = std::move(w);
    return pending;
  }

 private:
  detail::oneshot_state<T>* s_;
};

/// A fresh channel: (sender, receiver).
template <class T>
std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot() {
  auto* s = new detail::oneshot_state<T>;
  return {oneshot_sender<T>(s), oneshot_receiver<T>(s)};
}

}  // namespace gentask::ambient
