#pragma once
/// @file
/// The reactor conformance suite's parameter. Every file in tests/conformance/ is compiled once
/// per reactor (`gentask_add_conformance_suite` in tests/CMakeLists.txt), with
/// `conformance_reactor.hpp` generated to name it, and runs its bodies on that reactor over
/// every storage policy, as tokio runs `rt_common` on every runtime:
///
///   TEMPLATE_LIST_TEST_CASE("...", "[conformance]", conformance::reactors<closed_policy>)
///
/// `TestType` is then the reactor type. The closed map is the file's own: it must declare every
/// root type the file spawns (the other policies accept any).
///
/// Optional capabilities run where the reactor's task models them:
/// `if constexpr (timer_task<typename TestType::task_type>)`.

#include <gentask/runtime/reactor.hpp>

#include "conformance_reactor.hpp"  // generated: reactor_under_test<P>, reactor_name
#include "support/storage_policies.hpp"

namespace gentask::test::conformance {

/// The reactor under test on each storage policy (support/storage_policies.hpp), the closed map
/// being `ClosedPolicy`.
template <class ClosedPolicy>
using reactors = on_each_policy_t<reactor_under_test, storage_policies<ClosedPolicy>>;

/// The reactor under test on the policies that accept any root type (the lambdas' types a
/// test spawns cannot be declared in a closed map).
using any_root_reactors = on_each_policy_t<reactor_under_test, any_root_storage_policies>;

}  // namespace gentask::test::conformance
