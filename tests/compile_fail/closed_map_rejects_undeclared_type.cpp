// expect-error: _ROOT_TYPE_NOT_DECLARED_IN_CLOSED_MAP_
// A reactor declared with its root future types (closed_map_storage<...>) looks groups up at
// compile time, so spawning a type it did not declare must not compile, and the diagnostic must
// name the tag (with the offending type), not fail somewhere inside boost::hana.
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/storage/closed_group_map.hpp>

#include "support/leaf_futures.hpp"

#include <utility>

int main() {
  gentask::local::basic_reactor<gentask::closed_map_storage<gentask::ready_future<int>>> reactor;
#ifdef GENTASK_COMPILE_FAIL_CONTROL
  auto handle = reactor.spawn(gentask::ready(1));
#else
  auto handle = reactor.spawn(gentask::test::yield_now(1));
#endif
  auto result = reactor.block_on(std::move(handle));
  return result.is_ready() && result.get_value() == 1 ? 0 : 1;
}
