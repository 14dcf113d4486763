// expect-error: (poll\(Task&\)|argument 'task')
// Polling outside a task (the first failure mode the 2017 essay names): in gentask a future's
// `poll` takes the task, so code that has no task to pass cannot poll a future at all; the
// replay (include/gentask/ambient/) compiles the same call and throws `no_current_task` at run
// time (tests/ambient/failure_modes.cpp). The diagnostic shows the signature the call missed:
// `poll(Task&)` (g++) or its parameter `task` (clang++). The control hands the future to a
// reactor, which polls it with its task.
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "support/leaf_futures.hpp"

// A helper with no task, as a callback or a destructor is: the 2017 design let it poll.
template <class F>
bool is_done_yet(F& f) {
#ifdef GENTASK_COMPILE_FAIL_CONTROL
  gentask::local::reactor reactor;
  return reactor.block_on(std::move(f)).is_ready();
#else
  return !f.poll().is_pending();
#endif
}

int main() {
  gentask::test::yield_now leaf(1);
  return is_done_yet(leaf) ? 0 : 1;
}
