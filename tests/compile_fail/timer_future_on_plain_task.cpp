// expect-error: _FUTURE_REQUIRES_TIMER_TASK_
// sleep_until needs a timer_task; the local reactor has no timer, so spawning a sleep there
// must not compile, and the diagnostic names the missing capability.
#include <gentask/map.hpp>
#include <gentask/sleep.hpp>
#include <gentask/ready.hpp>
#include <gentask/reactors/local/local_reactor.hpp>

int main() {
  gentask::local_reactor reactor;
#ifdef GENTASK_COMPILE_FAIL_CONTROL
  reactor.spawn_detached(gentask::ready() | gentask::map([](gentask::unit) {}));
#else
  reactor.spawn_detached(gentask::sleep_for(std::chrono::seconds(1)) |
                         gentask::map([](gentask::unit) {}));
#endif
  reactor.run_until_idle();
}
