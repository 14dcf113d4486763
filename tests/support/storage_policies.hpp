#pragma once
/// @file
/// The storage policies, listed once, for tests that run one body on each of them (as the
/// conformance suite does with the reactor on each policy):
///
///   TEMPLATE_LIST_TEST_CASE("...", "[...]", test::storage_policies<closed_policy>)
///
/// `TestType` is then the policy. A closed map accepts only the root types it declares, so a
/// test names its own (`closed_policy`, declaring every root type the test spawns), or runs on
/// `any_root_storage_policies` when it spawns types it cannot declare (lambdas' types).
/// `on_each_policy_t<Tmpl, Policies>` maps a list to `Tmpl<P>` for each policy `P`, e.g. the
/// reactor on each policy: `on_each_policy_t<local::basic_reactor, any_root_storage_policies>`.

#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/storage/open_group_map.hpp>

#include <tuple>
#include <utility>

namespace gentask::test {

/// The policies that accept any root type: the open map and both boxed stores.
using any_root_storage_policies =
    std::tuple<open_map_storage, boxed_storage, boxed_recycling_storage>;

/// Every storage policy, the closed map being `ClosedPolicy` (a `closed_map_storage<Fs...>`).
template <class ClosedPolicy>
using storage_policies = decltype(std::tuple_cat(std::declval<any_root_storage_policies>(),
                                                 std::declval<std::tuple<ClosedPolicy>>()));

/// The one-allocation-per-task baselines.
using boxed_storage_policies = std::tuple<boxed_storage, boxed_recycling_storage>;

template <template <class> class Tmpl, class Policies>
struct on_each_policy;
template <template <class> class Tmpl, class... Policies>
struct on_each_policy<Tmpl, std::tuple<Policies...>> {
  using type = std::tuple<Tmpl<Policies>...>;
};
/// `std::tuple<Tmpl<P>...>` for the policies `P...` of `Policies`.
template <template <class> class Tmpl, class Policies>
using on_each_policy_t = typename on_each_policy<Tmpl, Policies>::type;

}  // namespace gentask::test
