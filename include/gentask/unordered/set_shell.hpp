#pragma once
/// @file
/// The contract every `futures_unordered` variant keeps, stated once here, and
/// `detail::set_shell<Storage>`, the part of it that the sets which poll their children
/// themselves (`unordered::poll_all`, `ready_id_set`, `per_leaf_notify`) share as code.
///
/// **Contract** (common to the variants; each variant's file says where it differs):
///   - `push(f)` (or `push(task, f)`, the task unused) stores a child; it first runs when the set
///     is polled. Pushing from inside a child's poll is allowed.
///   - `poll_next(t)` returns `ready(outcome)` for one completed child (its `poll_result`, ready or
///     failed, never pending); `ready(std::nullopt)` when the set holds no child (not an end: the
///     set may be pushed to and polled again, as futures-rs returns `Ready(None)` when empty);
///     `pending` otherwise, with a wake of `t` arranged.
///   - `size()` counts the children whose outcome has not been taken, `empty()` is `size() == 0`.
///   - **Exceptions.** A child's poll that throws: the child is destroyed (removed from the set)
///     and the exception leaves `poll_next`. The set stays usable.
///   - **Destruction** destroys every child exactly once, on the current thread.
///   - **Destroying the set from inside a child's poll** (a child holding a pointer to the
///     `std::optional` that owns the set, and resetting it) is safe: `poll_next` keeps a guard
///     on its own stack and the set points to it while a child runs. A destructor (or move
///     assignment) that runs then moves the set's storage into that guard instead of destroying
///     it; `poll_next`, once the child's poll returns, sees that the set is gone, returns
///     `pending` (dropping that child's result, if any) without touching the set, and the guard
///     destroys the children when `poll_next` returns. Moving a set from inside its own child's
///     poll is not supported, and `poll_next` is not reentrant (a child that polls its own set
///     gets `std::logic_error`).
///
/// `spawn_per_child`, the proposal, keeps the contract with three differences that come from
/// its children being tasks: `push(task, f)` spawns the child at once (so it needs a spawning
/// task); an item is the child's join result, so a child's exception fails its own item instead
/// of leaving `poll_next`; and a set destroyed from inside a child's poll is safe because the
/// reactor, not the set, owns the running child. It needs no guard, so it does not use the
/// shell: its moves and destruction close its completion list and cancel its children
/// (`close()`), which no other variant does.
///
/// `set_shell<Storage>` is a base class. It owns the set's storage (`s_`, moved whole: `Storage`
/// leaves its source empty, and `clear()` destroys the children) and the pointer to the running
/// `poll_next`'s guard, and gives the set its move constructor and assignment, its destructor
/// (`retire`: destroy the storage, or hand it to the running guard), the reentrancy check and
/// `poll_guard_base`, from which the set's own guard derives to add what the variant must undo
/// when a child's poll throws. Everything is inline and non-virtual: the set's size is what it
/// was with the shell written out in each variant, and so is its work (NOTES section 8 counts
/// the instructions before and after).

#include <stdexcept>
#include <utility>

namespace gentask::detail {

template <class Storage>
class set_shell {
 public:
  set_shell(const set_shell&) = delete;
  set_shell& operator=(const set_shell&) = delete;

 protected:
  class poll_guard_base;

  set_shell() = default;
  set_shell(set_shell&& other) noexcept : s_(std::move(other.s_)) {}
  set_shell& operator=(set_shell&& other) noexcept {
    if (this != &other) {
      retire();
      s_ = std::move(other.s_);
    }
    return *this;
  }
  ~set_shell() { retire(); }

  /// Throws `std::logic_error(what)` while a `poll_next` of this set runs (a child polled the
  /// set it belongs to).
  void check_not_polling(const char* what) const {
    if (polling_ != nullptr) throw std::logic_error(what);
  }
  /// True while a child is being polled (a push then goes aside until its poll returns).
  [[nodiscard]] bool is_polling() const noexcept { return polling_ != nullptr; }

  Storage s_;

 private:
  /// Destroys the storage, or hands it to the running `poll_next`'s guard.
  void retire() noexcept {
    if (polling_ != nullptr) {
      polling_->dead_ = std::move(s_);
      polling_->destroyed_ = true;
      polling_ = nullptr;
    } else {
      s_.clear();
    }
  }

  poll_guard_base* polling_ = nullptr;
};

/// Lives on `poll_next`'s stack while children are polled: registers itself with the set when
/// constructed and unregisters when destroyed, unless the set was destroyed meanwhile; then it
/// holds the set's storage, and destroys the children after the derived guard's destructor (the
/// variant's own cleanup) has run.
template <class Storage>
class set_shell<Storage>::poll_guard_base {
 public:
  poll_guard_base(const poll_guard_base&) = delete;
  poll_guard_base& operator=(const poll_guard_base&) = delete;

  /// True once the set was destroyed (or assigned to) from inside a child's poll: `poll_next`
  /// must return without touching it.
  [[nodiscard]] bool set_destroyed() const noexcept { return destroyed_; }

 protected:
  explicit poll_guard_base(set_shell& set) noexcept : set_(&set) { set.polling_ = this; }
  ~poll_guard_base() {
    if (!destroyed_) set_->polling_ = nullptr;
  }

  /// The set's storage, while `!set_destroyed()`.
  [[nodiscard]] Storage& storage() const noexcept { return set_->s_; }

 private:
  friend class set_shell;

  set_shell* set_;
  bool destroyed_ = false;
  Storage dead_;
};

}  // namespace gentask::detail
