// Compiled with GENTASK_THREAD_CHECKS=0 (tests/CMakeLists.txt), linked with thread_check.cpp,
// compiled with the checks on: the switch must not change any class's layout.
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/sync/mutex.hpp>

#include <cstddef>

static_assert(!gentask::thread_checks_enabled);

namespace gentask::test {
std::size_t unchecked_layout_sizes[] = {sizeof(reactor_anchor), sizeof(join_handle<int, never>),
                                        sizeof(semaphore), sizeof(async_mutex<int>),
                                        sizeof(local::reactor)};
}  // namespace gentask::test
