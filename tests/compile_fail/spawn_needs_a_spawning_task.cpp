// expect-error: _TASK_DOES_NOT_MODEL_SPAWNING_TASK_
// gentask::spawn(task, f) spawns through the task that is being polled, so the task type must
// model spawning_task. The test kit's counting_task does not (it only hands out wake handles):
// spawning through it must not compile, and the diagnostic must name the missing capability.
// The control spawns the same future through a local::reactor task, from inside a poll.
#include <gentask/spawn/spawn.hpp>

#include <gentask/core/future.hpp>
#include <gentask/spawn/join_handle.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/core/task.hpp>

#include "support/counting_task.hpp"

#include <optional>

#ifdef GENTASK_COMPILE_FAIL_CONTROL
struct spawns_a_child {
  using future_concept = gentask::future_tag;
  using item_type = int;
  using error_type = gentask::never;
  std::optional<gentask::join_handle<int, gentask::never>> child;

  template <gentask::task Task>
  gentask::poll_result<int, gentask::never> poll(Task& task) {
    if (!child) child.emplace(gentask::spawn(task, gentask::ready(1)));
    auto r = child->poll(task);
    if (r.is_pending()) return gentask::pending;
    return gentask::ready_value{r.is_ready() ? r.get_value() : -1};
  }
};

int main() {
  gentask::local::reactor reactor;
  return reactor.block_on(spawns_a_child{}).get_value() == 1 ? 0 : 1;
}
#else
int main() {
  gentask::test::counting_task task;
  (void)gentask::spawn(task, gentask::ready(1));
  return 0;
}
#endif
