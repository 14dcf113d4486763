#pragma once
/// @file
/// The explicit twins of two ambient combinators, so that experiment 09 compares how a future
/// finds its task with everything else held fixed:
///
/// - `nested_and_then<F, Fn>`: `ambient::and_then` (futures 0.1's `Chain`) with `poll(Task&)`:
///   one `std::variant` slot holding the first future or the next, each step nested inside the
///   next. gentask's own `and_then` flattens a chain instead (futures/chain.hpp); workload
///   `and_then_chain` measures each design's own combinator, `and_then_nested` these twins.
/// - `slot_set<F>`: `ambient::futures_unordered` with `poll_next(Task&)`: the same slots, ready
///   list (queued flags, generations, a refcounted block the child handles share), pass (at
///   most the children ready when it began; the set's task woken if more became ready) and
///   guards (children in a `std::deque`, a pass that survives the set's destruction from
///   inside a child's poll, the reentrancy check, a throwing child destroyed).
///   Where the ambient set opens a `task_scope` whose source makes the child's handle on
///   demand, this one makes the child's handle and passes it in a `child_task<Task>`; a child
///   that wants it copies it (`get_waker()`). The parent's handle is registered at each call
///   as the ambient set does (replaced, here only when `!will_wake`).
///
/// Experiment code, not library: neither is a design gentask proposes.

#include <gentask/ambient/futures_unordered.hpp>
#include <gentask/core/child_task.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace gentask::bench::exp09 {

template <class F, class Fn>
class nested_and_then {
  using next_type = std::invoke_result_t<Fn&, item_type_t<F>>;

 public:
  using future_concept = future_tag;
  using item_type = item_type_t<next_type>;
  using error_type = error_type_t<F>;

  nested_and_then(F first, Fn fn)
      : state_(std::in_place_index<0>, std::move(first)), fn_(std::move(fn)) {}

  template <task Task>
  poll_result<item_type, error_type> poll(Task& task) {
    if (state_.index() == 0) {
      auto r = std::get<0>(state_).poll(task);
      if (r.is_pending()) return pending;
      if constexpr (!std::is_same_v<error_type, never>) {
        if (r.is_failed()) return failed_value<error_type>{std::move(r).get_error()};
      }
      next_type next = std::invoke(fn_, std::move(r).get_value());
      state_.template emplace<1>(std::move(next));
    }
    return std::get<1>(state_).poll(task);
  }

 private:
  std::variant<F, next_type> state_;
  Fn fn_;
};

template <class F, class Fn>
nested_and_then<F, Fn> nest_and_then(F f, Fn fn) {
  return nested_and_then<F, Fn>(std::move(f), std::move(fn));
}

template <class F>
class slot_set {
  // The ambient set's shared block: its ready list, flags, generations, child vtable.
  using list_type = ambient::detail::unordered_ready_list;
  using slots_type = std::deque<std::optional<F>>;

  struct pass_state {
    bool set_gone = false;
    std::optional<slots_type> orphans;  // engaged only then: an empty std::deque allocates
  };

 public:
  using item_type = item_type_t<F>;
  using error_type = error_type_t<F>;

  slot_set() : list_(new list_type) {}
  slot_set(slot_set&& other)
      : list_(std::exchange(other.list_, nullptr)),
        children_(std::move(other.children_)),
        free_(std::move(other.free_)),
        live_(std::exchange(other.live_, 0)) {}
  slot_set(const slot_set&) = delete;
  slot_set& operator=(const slot_set&) = delete;
  ~slot_set() {
    if (list_ == nullptr) return;
    list_->closed = true;
    if (pass_ != nullptr) {
      pass_->set_gone = true;
      pass_->orphans.emplace(std::move(children_));
    }
    list_->release();
  }

  void push(F f) {
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
    list_->ready.reserve(children_.size());
    free_.reserve(children_.size());
    list_->mark(slot);
  }

  [[nodiscard]] std::size_t size() const noexcept { return live_; }

  template <task Task>
  poll_result<std::optional<item_type>, error_type> poll_next(Task& task) {
    if (pass_ != nullptr) throw std::logic_error("slot_set::poll_next: reentered");
    if (live_ == 0) return ready_value{std::optional<item_type>()};
    waker parent = task.get_waker();
    if (!list_->parent.will_wake(parent)) list_->parent = std::move(parent);
    pass_state state;
    struct pass_guard {
      slot_set* self;
      pass_state* state;
      list_type* list;
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
      auto r = poll_child(task, slot, state);
      if (state.set_gone) return pending;
      if (r.is_pending()) continue;
      free_slot(slot);
      if (r.is_ready()) return ready_value{std::optional<item_type>(std::move(r).get_value())};
      if constexpr (!std::is_same_v<error_type, never>) {
        return failed_value<error_type>{std::move(r).get_error()};
      }
    }
    consume(std::exchange(guard.head, 0));
    if (!list.ready.empty()) list.parent.wake();
    return pending;
  }

 private:
  template <task Task>
  poll_result<item_type, error_type> poll_child(Task& task, std::uint32_t slot,
                                                const pass_state& state) {
    list_->retain();
    const waker handle = waker::from_raw(&list_type::child_vtable, list_,
                                         list_type::token(slot, list_->generation[slot]));
    child_task<Task> child(task, handle);
    try {
      return (*children_[slot]).poll(child);
    } catch (...) {
      if (!state.set_gone) free_slot(slot);
      throw;
    }
  }

  void consume(std::size_t n) {
    auto& ready = list_->ready;
    ready.erase(ready.begin(), ready.begin() + static_cast<std::ptrdiff_t>(n));
  }

  void free_slot(std::uint32_t slot) {
    children_[slot].reset();
    ++list_->generation[slot];
    free_.push_back(slot);
    --live_;
  }

  list_type* list_;
  slots_type children_;
  std::vector<std::uint32_t> free_;
  std::size_t live_ = 0;
  pass_state* pass_ = nullptr;
};

}  // namespace gentask::bench::exp09
