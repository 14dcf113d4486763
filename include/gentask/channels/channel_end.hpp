#pragma once
/// @file
/// `detail::channel_end<State, Release>`: the shell of a channel end that owns one share of the
/// state it has in common with the other end (oneshot.hpp's sender and receiver, mpsc.hpp's
/// receiver). It holds the pointer to the state and makes the end move-only: a move leaves the
/// source empty, and the end lets go of its share (`(state->*Release)()`, e.g.
/// `release_receiver`, which may free the state) exactly once, when it is destroyed, assigned
/// to, or `drop()`ped. What letting go means (cancel the other end, wake it, destroy buffered
/// values) is the state's `Release`, so each channel states it once, beside its state.
///
/// A base class: everything is inline and non-virtual, and the end is one pointer as before.
/// mpsc's sender is not built on it: it is copyable (each copy counts as a sender).

#include <utility>

namespace gentask::detail {

template <class State, void (State::*Release)() noexcept>
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
    if (state_ != nullptr) (std::exchange(state_, nullptr)->*Release)();
  }

  State* state_ = nullptr;  // null: empty (moved from, used up, or completed)
};

}  // namespace gentask::detail
