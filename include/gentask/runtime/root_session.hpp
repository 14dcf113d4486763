#pragma once
/// @file
/// `runtime::root_session<Scheduler>`: the root future's side of `block_on`. A reactor's
/// `block_on` opens one (refused if one is open: `block_on` is not reentrant), polls the root
/// through it whenever the root was woken, and runs tasks, drains the inbox and waits between
/// polls in its own way. The root is polled in place, not spawned: its task id is the reserved
/// root group's, with a generation that changes with every session, so a wake from a handle
/// of an earlier session does nothing.

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/storage/task_id.hpp>

#include <stdexcept>
#include <string>

namespace gentask::runtime {

template <class Scheduler>
class root_session {
 public:
  using task_type = typename Scheduler::task_type;

  /// Opens the session; throws `std::logic_error` ("<name>::block_on: not reentrant") if one is
  /// open. The root starts woken.
  explicit root_session(Scheduler& s) : s_(s) {
    s_.check_entry("block_on");  // the thread, and not inside a poll (of a task or the root)
    if (s_.in_root_) [[unlikely]]
      throw_reentrant(s_.get_name());
    s_.in_root_ = true;
    ++s_.root_generation_;
    s_.root_woken_ = true;
  }
  root_session(const root_session&) = delete;
  root_session& operator=(const root_session&) = delete;
  ~root_session() {
    s_.in_root_ = false;
    s_.root_woken_ = false;
    ++s_.root_generation_;  // later wakes of this root's handles do nothing
  }

  /// Whether the root was woken since it was last polled.
  [[nodiscard]] bool is_woken() const noexcept { return s_.root_woken_; }

  /// If the root was woken: polls it (a task tick of its own: counted, with a fresh budget)
  /// and returns its result; otherwise returns `pending` without polling it.
  template <future F>
  poll_result_t<F> poll(F& f) {
    if (!s_.root_woken_) return pending;
    s_.root_woken_ = false;
    s_.begin_tick();
    task_type task(s_, task_id(task_id::root_group, 0, s_.root_generation_));
    typename Scheduler::poll_scope scope(s_.polling_);
    return f.poll(task);
  }

 private:
  // Cold and out of line: the message is built only on the error path, and its code stays out
  // of the reactor's `block_on` loop.
  [[noreturn, gnu::cold, gnu::noinline]] static void throw_reentrant(const char* name) {
    throw std::logic_error(std::string(name) + "::block_on: not reentrant");
  }

  Scheduler& s_;
};

}  // namespace gentask::runtime
