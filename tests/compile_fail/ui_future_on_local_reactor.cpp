// expect-error: _FUTURE_REQUIRES_UI_TASK_
// A future that touches the UI thread's state needs a ui_task. The local reactor's task models
// task, remote_waking_task, spawning_task and timer_task, not ui_task, so spawning such a future
// there must not compile, and the diagnostic names the missing capability.
#include <gentask/futures/map.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/time/sleep.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "support/leaf_futures.hpp"

#include <chrono>

int main() {
  gentask::local::reactor reactor;
#ifdef GENTASK_COMPILE_FAIL_CONTROL
  reactor.spawn_detached(gentask::sleep_for(std::chrono::milliseconds(1)) |
                         gentask::map([](gentask::unit) {}));
#else
  reactor.spawn_detached(gentask::test::needs_ui{} | gentask::map([](gentask::unit) {}));
#endif
  reactor.run_until_idle();
}
