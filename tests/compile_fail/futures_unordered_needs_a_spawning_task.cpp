// expect-error: _FUTURES_UNORDERED_NEEDS_SPAWNING_TASK_
// futures_unordered (spawn_per_child) spawns every child as a task of its own when it is pushed,
// so push(task, f) needs a task type that models spawning_task. The test kit's counting_task
// does not: pushing through it must not compile, and the diagnostic must name the capability.
// The control pushes the same child through a local::reactor task, from inside a poll.
#include <gentask/unordered/spawn_per_child.hpp>

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/core/task.hpp>

#include "support/counting_task.hpp"

using child = decltype(gentask::ready(1));

#ifdef GENTASK_COMPILE_FAIL_CONTROL
struct pushes_a_child {
  using future_concept = gentask::future_tag;
  using item_type = int;
  using error_type = gentask::never;
  gentask::futures_unordered<child> set;
  bool pushed = false;

  template <gentask::task Task>
  gentask::poll_result<int, gentask::never> poll(Task& task) {
    if (!pushed) {
      set.push(task, gentask::ready(1));
      pushed = true;
    }
    auto r = set.poll_next(task);
    if (r.is_pending()) return gentask::pending;
    const auto& item = r.get_value();
    return gentask::ready_value{item && item->is_ready() ? item->get_value() : -1};
  }
};

int main() {
  gentask::local::reactor reactor;
  return reactor.block_on(pushes_a_child{}).get_value() == 1 ? 0 : 1;
}
#else
int main() {
  gentask::test::counting_task task;
  gentask::futures_unordered<child> set;
  set.push(task, gentask::ready(1));
  return 0;
}
#endif
