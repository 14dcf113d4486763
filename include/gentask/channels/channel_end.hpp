#pragma once
/// @file
/// `detail::channel_end<State, Side>`: the shell of a channel end that owns one share of the
/// state it has in common with the other end (oneshot.hpp's sender and receiver, mpsc.hpp's
/// receiver). It holds the pointer to the state and makes the end move-only: a move leaves the
/// source empty, and the end lets go of its share exactly once, when it is destroyed, assigned
/// to, or `drop()`ped, through `Side::release(state_)`. `Side` is the channel's statement, beside
/// its state, of what letting go of that end's share means (cancel the other end, wake it,
/// destroy buffered values, free the state when it is the last): `release(State*& state)` does
/// it if `state` is not null, and leaves `state` null.
///
/// The state is named only inside `Side::release`, so an end can be declared while its value
/// type is still incomplete (a request that carries the receiver of the next request).
///
/// A base class: everything is inline and non-virtual, the end is one pointer as before, and the
/// code after inlining is the hand-written ends' (NOTES section 8). mpsc's sender is not built on
/// it: it is copyable (each copy counts as a sender).

#include <utility>

namespace gentask::detail {

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
  void drop() noexcept { Side::release(state_); }

  State* state_ = nullptr;  // null: empty (moved from, used up, or completed)
};

}  // namespace gentask::detail
