#pragma once
/// @file
/// `ambient::futures_unordered<F>`: the 2017 essay's `FuturesUnordered` in the ambient design,
/// as its pseudo-code has it: the set gives each child a task handle of its own and swaps it in
/// as the current task around the child's poll (`task_scope`), so a child's leaf stashes the
/// per-child handle; waking it marks that child ready in the set and wakes the set's own task
/// (the handle `current_task()` gave the set when it was last polled). `poll_next()` polls only
/// the children marked ready.
///
/// - Items come in completion order: `poll_next()` is ready with `std::optional<item>` (an item,
///   or `std::nullopt` once the set is empty), failed with a child's error (that child is
///   removed; the set stays usable), or pending.
/// - One pass polls at most the children that were ready when it began; a child that wakes
///   itself meanwhile waits for the next pass, and the set wakes its own task before returning
///   pending (futures 0.3's yield after `len` polls), so a self-waking child cannot livelock it.
/// - A per-child handle holds a reference to the set's shared ready list, not to the set: a
///   wake after the child completed (its slot's generation moved on) or after the set is gone
///   does nothing.
/// - Handles are same-thread, as gentask's local wakers: no atomics. Used on another thread,
///   a data race.
/// - The rest of the contract is the one every gentask set keeps (unordered/set_shell.hpp), and
///   the shared suite (tests/unordered/shared_suite.cpp) runs on this set through an adapter:
///   a child's poll that throws destroys that child and the exception leaves `poll_next`; a
///   child may push to the set, or destroy it, from inside its poll (the children live in a
///   `std::deque`, so a push never moves the child being polled, and a destructor that runs
///   during a pass hands the children to the pass, which destroys them when it returns);
///   `poll_next` is not reentrant (`std::logic_error`). Moving a set from inside its own
///   child's poll is not supported. futures 0.1 did not have to say any of this: Rust's borrows
///   rule those calls out at compile time.

#include <gentask/ambient/current_task.hpp>
#include <gentask/ambient/future.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/waker.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace gentask::ambient {

namespace detail {

/// What the per-child handles share with the set: the ready list and the set's own task.
struct unordered_ready_list {
  std::size_t refs = 1;
  bool closed = false;             // the set is gone
  std::vector<std::uint32_t> ready;  // child slots to poll, in wake order
  std::vector<bool> queued;          // per slot: in `ready`
  std::vector<std::uint32_t> generation;  // per slot: advanced when the slot is freed
  waker parent;                    // the set's task, as current_task() gave it

  void retain() noexcept { ++refs; }
  void release() noexcept {
    if (--refs == 0) delete this;
  }
  void mark(std::uint32_t slot) {
    if (queued[slot]) return;
    queued[slot] = true;
    ready.push_back(slot);
  }

  static constexpr std::uint32_t slot_bits = 32;
  static std::uint64_t token(std::uint32_t slot, std::uint32_t gen) noexcept {
    return (std::uint64_t{gen} << slot_bits) | slot;
  }

  static const waker_vtable child_vtable;
};

inline const waker_vtable unordered_ready_list::child_vtable = {
    [](void* data, std::uint64_t token) noexcept {
      auto* list = static_cast<unordered_ready_list*>(data);
      if (list->closed) return;
      const auto slot = static_cast<std::uint32_t>(token);
      const auto gen = static_cast<std::uint32_t>(token >> slot_bits);
      if (slot >= list->generation.size() || list->generation[slot] != gen) return;  // stale
      try {
        list->mark(slot);
      } catch (...) {
        return;  // no memory for the ready list: the wake is lost (documented nowhere in 0.1)
      }
      list->parent.wake();
    },
    [](void* data) noexcept { static_cast<unordered_ready_list*>(data)->retain(); },
    [](void* data) noexcept { static_cast<unordered_ready_list*>(data)->release(); },
};

}  // namespace detail

namespace detail {

/// The slots, ready list and pass of a set whose children each have a wake handle of their own:
/// everything of `futures_unordered` but how a child is polled and how the set's task is found,
/// which a derived set supplies to `run_pass`. (Experiment 09's explicit twin derives from it
/// too, so that the two designs' sets differ in exactly that.)
template <class F>
class unordered_slots {
 protected:
  using list_type = unordered_ready_list;
  using slots_type = std::deque<std::optional<F>>;  // a push never moves a child

  /// What a running pass keeps on its stack, so that a child may destroy the set.
  struct pass_state {
    bool set_gone = false;
    // The children, handed over by a destructor that ran during the pass (engaged only then:
    // an empty std::deque allocates).
    std::optional<slots_type> orphans;
  };

 public:
  using item_type = item_type_t<F>;
  using error_type = error_type_t<F>;

  unordered_slots() : list_(new list_type) {}
  /// Takes `other`'s children and ready list (the children's handles point at the list, not at
  /// the set, so they stay valid); `other` may then only be destroyed (`push` and `poll_next`
  /// on it throw `std::logic_error`). Not `noexcept`: moving a `std::deque` allocates
  /// (libstdc++).
  unordered_slots(unordered_slots&& other)
      : list_(std::exchange(other.list_, nullptr)),
        children_(std::move(other.children_)),
        free_(std::move(other.free_)),
        live_(std::exchange(other.live_, 0)) {}
  unordered_slots(const unordered_slots&) = delete;
  unordered_slots& operator=(const unordered_slots&) = delete;
  ~unordered_slots() {
    if (list_ == nullptr) return;
    list_->closed = true;
    if (pass_ != nullptr) {  // destroyed from inside a child's poll: the pass destroys them
      pass_->set_gone = true;
      pass_->orphans.emplace(std::move(children_));
    }
    list_->release();
  }

  /// Adds `f`; it is polled at the next pass.
  void push(F f) {
    check_not_moved_from();
    std::uint32_t slot = 0;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      children_[slot].emplace(std::move(f));
    } else {
      slot = static_cast<std::uint32_t>(children_.size());
      children_.emplace_back(std::move(f));
      list_->queued.push_back(false);
      list_->generation.push_back(0);
    }
    ++live_;
    list_->ready.reserve(children_.size());  // so a wake never allocates
    free_.reserve(children_.size());         // so completing a child never allocates
    list_->mark(slot);
  }

  [[nodiscard]] std::size_t size() const noexcept { return live_; }
  [[nodiscard]] bool empty() const noexcept { return live_ == 0; }

 protected:
  /// Throws `std::logic_error` on a set that was moved from (it may only be destroyed).
  void check_not_moved_from() const {
    if (list_ == nullptr) [[unlikely]] {
      throw std::logic_error("futures_unordered: used after it was moved from");
    }
  }

  /// A new wake handle of the child in `slot`: marks it ready and wakes the set's task.
  [[nodiscard]] waker make_child_waker(std::uint32_t slot) const {
    list_->retain();
    return waker::from_raw(&list_type::child_vtable, list_,
                           list_type::token(slot, list_->generation[slot]));
  }

  /// One pass: registers `parent` as the set's task (kept when it would wake the same task),
  /// then polls the children ready when the pass began, each as `poll_child(child, slot)`,
  /// until one completes. See `futures_unordered` for the contract.
  template <class PollChild>
  poll_result<std::optional<item_type>, error_type> run_pass(waker parent, PollChild poll_child) {
    check_not_moved_from();
    if (pass_ != nullptr) {
      throw std::logic_error("futures_unordered::poll_next: called from one of its own "
                             "children's polls");
    }
    if (live_ == 0) return ready_value{std::optional<item_type>()};
    if (!list_->parent.will_wake(parent)) list_->parent = std::move(parent);
    pass_state state;
    struct pass_guard {  // ends the pass: drops the entries polled, unless the set is gone
      unordered_slots* self;
      pass_state* state;
      list_type* list;  // the pass's own reference: the set may go during a child's poll
      std::size_t head = 0;
      ~pass_guard() {
        if (!state->set_gone) {
          self->pass_ = nullptr;
          self->consume(head);
        }
        list->release();
      }
    } guard{this, &state, list_};
    list_->retain();
    pass_ = &state;
    list_type& list = *list_;
    const std::size_t budget = list.ready.size();
    while (guard.head < budget) {
      const std::uint32_t slot = list.ready[guard.head++];
      list.queued[slot] = false;
      if (!children_[slot]) continue;
      auto r = poll_one(poll_child, slot, state);
      if (state.set_gone) return pending;  // `this` is gone: touch nothing of it
      if (r.is_pending()) continue;
      free_slot(slot);
      if (r.is_ready()) return ready_value{std::optional<item_type>(std::move(r).get_value())};
      if constexpr (!std::is_same_v<error_type, never>) {
        return failed_value<error_type>{std::move(r).get_error()};
      }
    }
    consume(std::exchange(guard.head, 0));
    if (!list.ready.empty()) list.parent.wake();  // woken meanwhile: the next pass polls them
    return pending;
  }

 private:
  // A child that throws is destroyed (unless it destroyed the set) and the exception goes on.
  template <class PollChild>
  poll_result<item_type, error_type> poll_one(PollChild& poll_child, std::uint32_t slot,
                                              const pass_state& state) {
    try {
      return poll_child(*children_[slot], slot);
    } catch (...) {
      if (!state.set_gone) free_slot(slot);
      throw;
    }
  }

  // Drops the first `n` entries of the ready list (polled in this pass).
  void consume(std::size_t n) {
    auto& ready = list_->ready;
    ready.erase(ready.begin(), ready.begin() + static_cast<std::ptrdiff_t>(n));
  }

  void free_slot(std::uint32_t slot) {
    children_[slot].reset();
    ++list_->generation[slot];  // later wakes of this child's handles do nothing
    free_.push_back(slot);
    --live_;
  }

  list_type* list_;
  slots_type children_;
  std::vector<std::uint32_t> free_;
  std::size_t live_ = 0;
  pass_state* pass_ = nullptr;  // the running pass, if any
};

}  // namespace detail

template <ambient_future F>
class futures_unordered : public detail::unordered_slots<F> {
  using base = detail::unordered_slots<F>;

 public:
  using typename base::error_type;
  using typename base::item_type;

  futures_unordered() = default;

  /// The next child to complete: see the file comment. Must run inside a task's poll (it asks
  /// for `current_task()`), unless the set is empty.
  poll_result<std::optional<item_type>, error_type> poll_next() {
    if (this->empty()) return ready_value{std::optional<item_type>()};
    // The set's own task, woken by every child's handle; each child is polled with its own
    // handle as the current task, made only if the child asks for it.
    return this->run_pass(current_task(), [this](F& child, std::uint32_t slot) {
      struct child_handle {
        const futures_unordered* set;
        std::uint32_t slot;
      } handle{this, slot};
      const task_source source{&handle, [](const void* p) -> waker {
                                 const auto* h = static_cast<const child_handle*>(p);
                                 return h->set->make_child_waker(h->slot);
                               }};
      task_scope scope(source);
      return child.poll();
    });
  }
};

}  // namespace gentask::ambient
