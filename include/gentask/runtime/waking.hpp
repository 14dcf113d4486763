#pragma once
/// @file
/// Waking policies: what a scheduler's wake handles (`task.get_waker()`) and join handles cost,
/// and where they may be used. A reactor takes one as a template parameter; the scheduler
/// (scheduler.hpp) is the only code that reads it.
///
/// - `local_waking` (every reactor's default): same-thread handles. A waker's copy and drop are
///   a plain increment and decrement of the reactor anchor's count, its wake links the task into
///   the ready list, and the task's state word (task_cell.hpp) changes with plain stores. A
///   waker used on another thread is a bug (caught when `GENTASK_THREAD_CHECKS` is on); across
///   threads a task hands out a `remote_waker`.
/// - `atomic_waking`: the shape tokio and futures-rs give every task. Wakers are `Send`: copied,
///   dropped and woken on any thread. The anchor's count (shared by wakers and join handles) is
///   atomic, every transition of a task's state word (woken, polled, idle, complete, taken) is an
///   atomic read-modify-write, as tokio's `State` transitions are, and a wake checks its thread:
///   on the reactor's thread it links the task into the ready list; elsewhere it posts the
///   task's token to the reactor's inbox (as a `remote_waker` does) and unparks the reactor.
///
/// **Stall detection** (runtime/stalled.hpp) with `atomic_waking`: any waker or join handle of
/// the reactor that is out counts as a way to wake it (a waker may be on another thread), so
/// `block_on` throws `stalled` only when none is out; a root future that keeps a waker of its
/// own and waits on nothing else makes it wait instead, as a `remote_waker` does.
///
/// `atomic_waking` is an ablation, not a second design: it answers how much of gentask's lead on
/// single-threaded workloads comes from handles that use no atomics. What it does not model:
/// tokio lets another thread set a task's NOTIFIED bit in place (its tasks are reference-counted
/// and live until the last handle goes); gentask's cells live in slabs that a task's end may give
/// back, so a wake from another thread goes through the inbox and the reactor checks the id's
/// generation. On the single-threaded workloads it is measured on, no other thread touches the
/// state word, so the atomics cost what an uncontended `lock`-prefixed instruction costs (one
/// instruction for callgrind, 10-20 cycles on the machines of the report).

#include <concepts>

namespace gentask::runtime {

/// Same-thread wake handles, plain counts and a plain state word (the default).
struct local_waking {
  static constexpr bool thread_safe = false;
  static constexpr const char* name = "local";
};

/// `Send` wake handles, atomic counts and an atomic state word (tokio's and futures-rs's shape).
struct atomic_waking {
  static constexpr bool thread_safe = true;
  static constexpr const char* name = "atomic";
};

/// A waking policy: `local_waking`, `atomic_waking`.
template <class W>
concept waking_policy = requires {
  { W::thread_safe } -> std::same_as<const bool&>;
  { W::name } -> std::same_as<const char* const&>;
};

}  // namespace gentask::runtime
