#pragma once
/// @file
/// `ambient::ambient_future`: a future of the 2017 design, polled with no task parameter
/// (`poll()`); whatever it needs from its reactor it finds at run time (`current_task()`). Its
/// `future_concept` is `ambient_future_tag`, so it is never mistaken for an explicit gentask
/// future (`gentask::future`): the two designs meet only through `in_task`, which runs an ambient
/// future as an explicit task's root future by opening a `task_scope` around each poll, as a
/// 2017 reactor set its thread's current task around each task's poll.
///
/// What the explicit design checks at compile time, this one finds out at run time: a future
/// polled outside a task throws `no_current_task` from the first leaf that asks for its task;
/// a future that needs a capability its reactor lacks cannot say so in its type.

#include <gentask/ambient/current_task.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>

#include <concepts>
#include <utility>

namespace gentask::ambient {

/// The `future_concept` of an ambient future.
struct ambient_future_tag {};

/// A future polled without a task: `f.poll()` returns `poll_result<item_type, error_type>`.
template <class F>
concept ambient_future = requires(F& f) {
  typename F::item_type;
  typename F::error_type;
  requires std::same_as<typename F::future_concept, ambient_future_tag>;
  { f.poll() } -> std::same_as<poll_result<typename F::item_type, typename F::error_type>>;
};

/// Runs the ambient future `F` as an explicit future: each poll opens a `task_scope` whose task
/// is the polling task (`current_task()` then makes `task.get_waker()`).
template <ambient_future F>
class in_task {
 public:
  using future_concept = future_tag;
  using item_type = typename F::item_type;
  using error_type = typename F::error_type;

  explicit in_task(F f) noexcept(std::is_nothrow_move_constructible_v<F>) : f_(std::move(f)) {}

  template <task Task>
  poll_result<item_type, error_type> poll(Task& t) {
    const task_source source{&t, [](const void* p) -> waker {
                               return const_cast<Task*>(static_cast<const Task*>(p))->get_waker();
                             }};
    task_scope scope(source);
    return f_.poll();
  }

 private:
  F f_;
};

}  // namespace gentask::ambient
