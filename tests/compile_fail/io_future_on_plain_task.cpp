// expect-error: _FUTURE_REQUIRES_IO_TASK_
// A future that waits for socket readiness needs an io_task. The local reactor's task models
// task and remote_waking_task only, so driving the future there must not compile, and the
// diagnostic must name the missing capability, even when the leaf sits deep inside combinators.
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/join.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "support/leaf_futures.hpp"

int main() {
  gentask::local::reactor reactor;
#ifdef GENTASK_COMPILE_FAIL_CONTROL
  auto f = gentask::join(gentask::ready(1), gentask::test::yield_now(2));
#else
  auto f = gentask::join(gentask::ready(1), gentask::test::needs_io{});
#endif
  auto chained = std::move(f) | gentask::and_then([](auto) { return gentask::ready(3); });
  return reactor.block_on(std::move(chained)).get_value() == 3 ? 0 : 1;
}
