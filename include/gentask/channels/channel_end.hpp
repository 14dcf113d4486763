#pragma once
/// @file
/// `detail::channel_end<State, Side>`: the shell of a channel end that owns one share of the
/// state it has in common with the other end (oneshot.hpp's sender and receiver, mpsc.hpp's
/// receiver). It holds the pointer to the state and makes the end move-only: a move leaves the
/// source empty, and the end lets go of its share exactly once, when it is destroyed, assigned
/// to, or `drop()`ped. `Side` says which share: `channel_sender_side` calls the state's
/// `release_sender()`, `channel_receiver_side` its `release_receiver()` (either may free the
/// state). What letting go means (cancel the other end, wake it, destroy buffered values) is
/// the state's, so each channel states it once, beside its state.
///
/// The state is named only inside `drop()`, so an end can be declared while its value type is
/// still incomplete (a request that carries the receiver of the next request).
///
/// A base class: everything is inline and non-virtual, and the end is one pointer as before.
/// mpsc's sender is not built on it: it is copyable (each copy counts as a sender).

#include <utility>

namespace gentask::detail {

/// The sending end's share: `State::release_sender()` lets go of it.
struct channel_sender_side {
  template <class State>
  static void release(State* state) noexcept {
    state->release_sender();
  }
};
/// The receiving end's share: `State::release_receiver()` lets go of it.
struct channel_receiver_side {
  template <class State>
  static void release(State* state) noexcept {
    state->release_receiver();
  }
};

template <class State, class Side>
class channel_end {
 public:
  channel_end(const channel_end&) = delete;
  channel_end& operator=(const channel_end&) = delete;

 protected:
  channel_end() noexcept = default;
  explicit channel_end(State* state) noexcept : state_(state) {}
  channel_end(channel_end&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  channel_end& operator=(channel_end&& other) noexcept {
    if (this != &other) {
      drop();
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  ~channel_end() { drop(); }

  /// Lets go of the state now; the end is empty afterwards.
  void drop() noexcept {
    if (state_ != nullptr) Side::release(std::exchange(state_, nullptr));
  }

  State* state_ = nullptr;  // null: empty (moved from, used up, or completed)
};

}  // namespace gentask::detail
