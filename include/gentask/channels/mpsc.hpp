#pragma once
/// @file
/// `mpsc::channel<T>(capacity)`: a bounded, single-threaded, multi-producer single-consumer
/// channel with backpressure (futures 0.1's `sync::mpsc::channel`, for one reactor thread).
///
/// ```cpp
/// auto [tx, rx] = gentask::mpsc::channel<int>(2);
/// auto tx2 = tx;               // senders are copyable
/// auto f = tx.send(1);         // a future: ready once 1 is in the buffer
/// (void)tx2.try_send(2);       // nullopt: sent at once
/// // rx is a stream of int: poll_next gives 1, 2, ..., then the end once every sender is gone
/// ```
///
/// - `sender<T>` is copyable; each copy is a producer. `send(v)` returns a `send_future<T>`, a
///   future of item `unit` and error `send_error<T>`, that completes once `v` is in the buffer (it
///   holds a copy of its sender, one plain reference count, so the channel stays open while it
///   waits; send futures are move-assignable, so one slot can hold one send after another).
///   **Backpressure:** while the buffer holds `capacity` items, the send future is pending until
///   the receiver takes one. `try_send(v)` sends at once or gives `v` back (the buffer is full,
///   older senders are waiting, or the receiver is gone; `is_closed()` tells the last apart).
///   `send` and `try_send` on an empty (moved-from) sender throw `std::logic_error`.
/// - **Fairness:** waiting send futures are admitted in FIFO order. A slot freed by the receiver
///   is granted (reserved) to the oldest waiter, and woken; a newcomer, whether `try_send` or a
///   send future's first poll, only takes a slot that is neither full nor reserved, so it cannot
///   overtake a sender that was already waiting. A granted send future holds its slot until it is
///   polled (and fills it) or dropped. A send future dropped while waiting withdraws from the
///   queue; one dropped after its grant passes the slot on to the next waiter.
/// - `receiver<T>` is a stream of item `T` and error `never`: `poll_next` gives the next item in
///   FIFO order, is pending while the buffer is empty (woken when an item arrives), and gives the
///   end (`std::nullopt`) once every sender is gone and the buffer is drained. A send future that
///   has not completed counts as a sender (it holds one). After the end, or when moved from,
///   `poll_next` throws `polled_after_completion`.
/// - Dropping the receiver destroys the buffered items; waiting send futures fail with
///   `send_error` (their value given back) and are woken, and later sends fail the same way.
/// - `get_capacity()` and `get_len()` (items in the buffer), on either end; 0 on an empty
///   handle (moved from, or a receiver after the end).
///
/// Wake handles: a pending receiver keeps its task's handle, a waiting send future keeps its
/// own; each is refreshed with `will_wake` on every poll (spurious polls keep one handle) and
/// given up when it is woken, so an event wakes a waiting side once. Wakes are `noexcept` and
/// allocation-free.
///
/// Cost: `channel()` makes two heap allocations, the shared state and the ring buffer (sized
/// once, `capacity` elements). After that nothing allocates, not even waiting: a waiting send
/// future links a node that lives inside the future into the channel's waiter queue (an
/// intrusive FIFO list), and the future's move constructor relinks that node, so send futures
/// may still be moved between polls. Send futures are move-constructible, not move-assignable.
///
/// @par Thread Safety
/// Distinct channels: safe. One channel: every sender, send future and the receiver, and every
/// wake handle they keep, belong to one reactor thread (counts and queues are not atomic):
/// create, send, poll, copy and drop them there only. To signal across threads, wake through a
/// `remote_waker` (`remote_waking_task`) instead.
///
/// @see oneshot.hpp (a single value), stream.hpp

#include <gentask/channels/channel_end.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/thread_check.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>

#include <cassert>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

namespace gentask {

namespace detail {

/// A send future's place in the channel's queue of waiting senders. It lives inside the send
/// future, whose move constructor relinks it.
struct mpsc_waiter {
  enum class status : unsigned char {
    idle,     // not queued (not polled yet, or done)
    waiting,  // linked in the queue
    granted,  // unlinked, a slot reserved for it
    closed,   // unlinked by the receiver's drop
  };
  mpsc_waiter* prev = nullptr;
  mpsc_waiter* next = nullptr;
  waker handle;
  status state = status::idle;
};

/// The state an mpsc channel's ends share: the ring buffer, the counts, the receiver's handle
/// and the waiter queue. Deleted when the receiver and every sender are gone.
///
/// Invariant: `len_ + reserved_ <= capacity_`, and while a slot is free (neither full nor
/// reserved) the waiter queue is empty: freeing a slot grants it to the head waiter at once.
template <class T>
class mpsc_channel {
 public:
  explicit mpsc_channel(std::size_t capacity)
      : slots_(std::allocator<T>().allocate(capacity)), capacity_(capacity) {}
  mpsc_channel(const mpsc_channel&) = delete;
  mpsc_channel& operator=(const mpsc_channel&) = delete;
  ~mpsc_channel() {
    destroy_items();
    std::allocator<T>().deallocate(slots_, capacity_);
  }

  /// Binds the channel to the thread of its first use; later uses must come from it (checked
  /// when `GENTASK_THREAD_CHECKS` is on; the member exists either way, so no layout changes).
  void check_thread() noexcept {
    if constexpr (thread_checks_enabled) {
      if (owner_ == std::thread::id()) owner_ = std::this_thread::get_id();
      detail::check_owner_thread(owner_, "an mpsc sender, receiver or send future",
                                 "use both ends on one reactor's thread (they are not atomic)");
    }
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t len() const noexcept { return len_; }
  [[nodiscard]] std::size_t sender_count() const noexcept { return senders_; }
  [[nodiscard]] bool receiver_alive() const noexcept { return receiver_alive_; }

  /// True when a newcomer may send at once: a slot is free and no older sender waits for it.
  [[nodiscard]] bool admits_newcomer() const noexcept {
    return head_ == nullptr && len_ + reserved_ < capacity_;
  }

  void add_sender() noexcept {
    check_thread();
    ++senders_;
  }

  void release_sender() noexcept {
    check_thread();
    if (--senders_ != 0) return;
    if (receiver_alive_) {
      wake_and_clear(receiver_waker_);  // the stream has ended
    } else {
      delete this;
    }
  }

  void release_receiver() noexcept {
    check_thread();
    receiver_alive_ = false;
    receiver_waker_ = waker();
    destroy_items();
    ++senders_;  // holds the state while waking: no wake can free it under this loop
    while (head_ != nullptr) {
      mpsc_waiter* w = head_;
      unlink(*w);
      w->state = mpsc_waiter::status::closed;
      wake_and_clear(w->handle);
    }
    release_sender();  // frees the state unless senders remain
  }

  /// Constructs `value` at the back and wakes the receiver. The caller has checked that a slot
  /// is free (`admits_newcomer()`) or reserved for it (`reserved`). If the move throws, nothing
  /// has changed.
  void push(T&& value, bool reserved) {
    assert(receiver_alive_ && len_ < capacity_);
    std::size_t index = head_index_ + len_;
    if (index >= capacity_) index -= capacity_;
    std::construct_at(slots_ + index, std::move(value));
    ++len_;
    if (reserved) --reserved_;
    wake_and_clear(receiver_waker_);
  }

  /// Takes the front item (the buffer is not empty) and grants the freed slot.
  stream_poll_result<T, never> pop() {
    assert(len_ > 0);
    T* front = slots_ + head_index_;
    stream_poll_result<T, never> result(ready_value<T&&>{std::move(*front)});
    std::destroy_at(front);
    head_index_ = head_index_ + 1 == capacity_ ? 0 : head_index_ + 1;
    --len_;
    grant_free_slot();
    return result;
  }

  /// Keeps the receiver's handle (replacing it only when it would wake another task).
  void register_receiver(waker current) noexcept {
    if (!current.will_wake(receiver_waker_)) receiver_waker_ = std::move(current);
  }

  /// Appends a waiter to the queue.
  void enqueue(mpsc_waiter& w) noexcept {
    w.prev = tail_;
    w.next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = &w;
    } else {
      head_ = &w;
    }
    tail_ = &w;
    w.state = mpsc_waiter::status::waiting;
  }

  /// Puts `to` in the queue where `from` is (a send future was moved).
  void relink(mpsc_waiter& from, mpsc_waiter& to) noexcept {
    to.prev = std::exchange(from.prev, nullptr);
    to.next = std::exchange(from.next, nullptr);
    (to.prev != nullptr ? to.prev->next : head_) = &to;
    (to.next != nullptr ? to.next->prev : tail_) = &to;
  }

  /// Takes a waiter out of the channel, whatever its status: unlinks it, or passes its granted
  /// slot on to the next waiter. Leaves it idle, with no handle.
  void withdraw(mpsc_waiter& w) noexcept {
    if (w.state == mpsc_waiter::status::waiting) {
      unlink(w);
    } else if (w.state == mpsc_waiter::status::granted) {
      --reserved_;
      if (receiver_alive_) grant_free_slot();
    }
    w.state = mpsc_waiter::status::idle;
    w.handle = waker();
  }

 private:
  /// Gives up a stored wake handle and wakes it: a waiting side is woken once per event.
  static void wake_and_clear(waker& stored) noexcept {
    const waker taken = std::move(stored);
    taken.wake();
  }

  void unlink(mpsc_waiter& w) noexcept {
    (w.prev != nullptr ? w.prev->next : head_) = w.next;
    (w.next != nullptr ? w.next->prev : tail_) = w.prev;
    w.prev = nullptr;
    w.next = nullptr;
  }

  /// Reserves a free slot for the oldest waiter, if one waits, and wakes it (FIFO admission).
  void grant_free_slot() noexcept {
    if (head_ == nullptr || len_ + reserved_ >= capacity_) return;
    mpsc_waiter& w = *head_;
    unlink(w);
    w.state = mpsc_waiter::status::granted;
    ++reserved_;
    wake_and_clear(w.handle);
  }

  void destroy_items() noexcept {
    for (; len_ > 0; --len_) {
      std::destroy_at(slots_ + head_index_);
      head_index_ = head_index_ + 1 == capacity_ ? 0 : head_index_ + 1;
    }
    head_index_ = 0;
  }

  T* slots_;
  std::size_t capacity_;
  std::size_t head_index_ = 0;
  std::size_t len_ = 0;
  std::size_t reserved_ = 0;  // slots granted to waiters that have not filled them yet
  std::size_t senders_ = 1;   // senders alive, those inside send futures included
  bool receiver_alive_ = true;
  std::thread::id owner_;        // the thread of the first use (check_thread)
  waker receiver_waker_;         // while the receiver waits
  mpsc_waiter* head_ = nullptr;  // the waiter queue, oldest first
  mpsc_waiter* tail_ = nullptr;
};

/// What letting go of the receiver's share does (channel_end.hpp's `Side`): see
/// `mpsc_channel::release_receiver`.
struct mpsc_receiver_side {
  template <class T>
  static void release(mpsc_channel<T>*& state) noexcept {
    if (state != nullptr) std::exchange(state, nullptr)->release_receiver();
  }
};

}  // namespace detail

namespace mpsc {

template <class T>
class sender;
template <class T>
class receiver;
template <class T>
class send_future;

template <class T>
std::pair<sender<T>, receiver<T>> channel(std::size_t capacity);

/// The error of a send that could not complete (the receiver is gone): the value, given back.
template <class T>
struct send_error {
  T value;
};

/// A producer's handle: copyable, each copy counts as a sender. See the file comment.
template <class T>
class sender {
 public:
  /// An empty sender: `send` and `try_send` throw, `is_closed()` is true.
  sender() noexcept = default;
  sender(const sender& other) noexcept : state_(other.state_) {
    if (state_ != nullptr) state_->add_sender();
  }
  sender(sender&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  sender& operator=(const sender& other) noexcept {
    sender copy(other);
    std::swap(state_, copy.state_);
    return *this;
  }
  sender& operator=(sender&& other) noexcept {
    sender moved(std::move(other));
    std::swap(state_, moved.state_);
    return *this;
  }
  /// The last sender's drop ends the stream (once drained) and wakes the receiver.
  ~sender() {
    if (state_ != nullptr) state_->release_sender();
  }

  /// A future that completes once `value` is in the buffer (waiting its turn while it is full),
  /// or fails with `send_error` (the value back) if the receiver is gone. It holds a copy of
  /// this sender until it completes.
  [[nodiscard]] send_future<T> send(T value) const {
    check("mpsc::sender::send: empty sender (moved from)");
    return send_future<T>(*this, std::move(value));
  }

  /// Sends at once (returns `std::nullopt`) or gives `value` back: the buffer is full, older
  /// senders wait for the next free slot, or the receiver is gone.
  [[nodiscard]] std::optional<T> try_send(T value) const {
    check("mpsc::sender::try_send: empty sender (moved from)");
    state_->check_thread();
    if (!state_->receiver_alive() || !state_->admits_newcomer()) {
      return std::optional<T>(std::move(value));
    }
    state_->push(std::move(value), false);
    return std::nullopt;
  }

  /// True when the receiver is gone (every send fails), or the sender is empty.
  [[nodiscard]] bool is_closed() const noexcept {
    return state_ == nullptr || !state_->receiver_alive();
  }
  [[nodiscard]] std::size_t get_capacity() const noexcept {
    return state_ == nullptr ? 0 : state_->capacity();
  }
  /// Items in the buffer now.
  [[nodiscard]] std::size_t get_len() const noexcept {
    return state_ == nullptr ? 0 : state_->len();
  }

 private:
  friend class send_future<T>;
  friend std::pair<sender<T>, receiver<T>> channel<T>(std::size_t);
  explicit sender(detail::mpsc_channel<T>* state) noexcept : state_(state) {}

  void check(const char* what) const {
    if (state_ == nullptr) throw std::logic_error(what);
  }

  detail::mpsc_channel<T>* state_ = nullptr;
};

/// The future `sender::send` returns: item `unit`, error `send_error<T>`. See the file comment.
template <class T>
class send_future {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = send_error<T>;

  /// Takes over `other`'s value, sender and place in the queue (relinked: the channel now
  /// points here). `other` is left empty.
  send_future(send_future&& other) noexcept(std::is_nothrow_move_constructible_v<T>)
      : value_(std::move(other.value_)), sender_(std::move(other.sender_)) {
    other.value_.reset();
    node_.state = std::exchange(other.node_.state, detail::mpsc_waiter::status::idle);
    node_.handle = std::move(other.node_.handle);
    if (node_.state == detail::mpsc_waiter::status::waiting) {
      sender_.state_->relink(other.node_, node_);
    }
  }
  send_future(const send_future&) = delete;
  send_future& operator=(const send_future&) = delete;
  /// Gives up this future's send (as its destructor does: leaves the queue, passing a slot
  /// granted to it on, and drops its value and sender), then takes over `other`'s, as the move
  /// constructor does. So a slot (a `std::optional`, a vector element) can hold one send after
  /// another. If moving the value throws, this future is left empty and `other` keeps its send.
  send_future& operator=(send_future&& other) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this == &other) return *this;
    if (sender_.state_ != nullptr) finish();
    if (other.value_) value_.emplace(std::move(*other.value_));
    other.value_.reset();
    sender_ = std::move(other.sender_);
    node_.state = std::exchange(other.node_.state, detail::mpsc_waiter::status::idle);
    node_.handle = std::move(other.node_.handle);
    if (node_.state == detail::mpsc_waiter::status::waiting) {
      sender_.state_->relink(other.node_, node_);
    }
    return *this;
  }
  /// Withdraws from the queue, or passes a slot granted to it on; the value is destroyed.
  ~send_future() {
    if (sender_.state_ != nullptr) sender_.state_->withdraw(node_);
  }

  template <task Task>
  poll_result<unit, send_error<T>> poll(Task& task) {
    auto* state = sender_.state_;
    if (state == nullptr) {
      detail::throw_polled_after_completion(
          "mpsc::send_future: polled after completion or when empty");
    }
    state->check_thread();
    if (!state->receiver_alive()) {
      poll_result<unit, send_error<T>> result(
          failed_value<send_error<T>>{send_error<T>{std::move(*value_)}});
      finish();
      return result;
    }
    using status = detail::mpsc_waiter::status;
    if (node_.state == status::granted) {
      state->push(std::move(*value_), true);
      node_.state = status::idle;
      finish();
      return ready_value{};
    }
    if (node_.state != status::waiting) {
      if (state->admits_newcomer()) {
        state->push(std::move(*value_), false);
        finish();
        return ready_value{};
      }
      state->enqueue(node_);
    }
    waker current = task.get_waker();
    if (!current.will_wake(node_.handle)) node_.handle = std::move(current);
    return pending;
  }

 private:
  friend class sender<T>;
  send_future(sender<T> s, T value) : value_(std::move(value)), sender_(std::move(s)) {}

  /// Completion: leaves the channel and lets go of the value and the sender (the last sender's
  /// release may end the stream or free the state).
  void finish() noexcept {
    sender_.state_->withdraw(node_);
    value_.reset();
    sender_ = sender<T>();
  }

  std::optional<T> value_;
  sender<T> sender_;  // empty once complete, or when moved from
  detail::mpsc_waiter node_;
};

/// The consumer: a stream of the items sent, in FIFO order. See the file comment.
template <class T>
class receiver : private detail::channel_end<detail::mpsc_channel<T>, detail::mpsc_receiver_side> {
  using end = detail::channel_end<detail::mpsc_channel<T>, detail::mpsc_receiver_side>;
  using end::drop;
  using end::state_;

 public:
  using stream_concept = stream_tag;
  using item_type = T;
  using error_type = never;

  /// An empty receiver: `poll_next` throws `polled_after_completion`.
  receiver() noexcept = default;
  receiver(receiver&&) noexcept = default;
  receiver& operator=(receiver&&) noexcept = default;
  /// Destroys the buffered items and fails waiting (and later) sends with their values back
  /// (channel_end.hpp, `mpsc_channel::release_receiver`).
  ~receiver() = default;

  template <task Task>
  stream_poll_result<T, never> poll_next(Task& task) {
    if (state_ == nullptr) {
      detail::throw_polled_after_completion("mpsc::receiver: polled after the end or when empty");
    }
    state_->check_thread();
    if (state_->len() > 0) return state_->pop();
    if (state_->sender_count() == 0) {
      drop();
      return ready_value{std::optional<T>()};
    }
    state_->register_receiver(task.get_waker());
    return pending;
  }

  [[nodiscard]] std::size_t get_capacity() const noexcept {
    return state_ == nullptr ? 0 : state_->capacity();
  }
  /// Items in the buffer now.
  [[nodiscard]] std::size_t get_len() const noexcept {
    return state_ == nullptr ? 0 : state_->len();
  }

 private:
  friend std::pair<sender<T>, receiver<T>> channel<T>(std::size_t);
  explicit receiver(detail::mpsc_channel<T>* state) noexcept : end(state) {}
};

/// A new channel whose buffer holds `capacity` items: one sender and the receiver. Throws
/// `std::invalid_argument` when `capacity` is 0.
template <class T>
std::pair<sender<T>, receiver<T>> channel(std::size_t capacity) {
  static_assert(std::is_object_v<T> && !std::is_array_v<T> && !std::is_const_v<T> &&
                    std::is_move_constructible_v<T>,
                "mpsc::channel: the item must be a non-const, move-constructible object type");
  if (capacity == 0) throw std::invalid_argument("mpsc::channel: the capacity must be at least 1");
  auto* state = new detail::mpsc_channel<T>(capacity);
  return {sender<T>(state), receiver<T>(state)};
}

}  // namespace mpsc
}  // namespace gentask
