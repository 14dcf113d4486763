#include <gentask/runtime/task_store.hpp>

#include <gentask/reactors/local/reactor.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/storage/open_group_map.hpp>

#include "runtime/bare_reactor.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"
#include "support/storage_policies.hpp"

#include <catch2/catch.hpp>

#include <cstddef>

using namespace gentask;
using test::counting_task;

namespace {

using closed_policy = closed_map_storage<test::probe<int>, test::never_ready<int>>;

/// A store missing `free`: not a task_store.
struct no_free_store {
  no_free_store() = default;
  no_free_store(const no_free_store&) = delete;
  task_header* find(task_id) noexcept;
  void* cell(task_id) noexcept;
  bool poll(task_id, void*, counting_task&);
  const cell_ops<counting_task>& ops(task_id) noexcept;
  void disable_release() noexcept;
  template <class Fn>
  void for_each_used(Fn&&);
  std::size_t get_live_count() const noexcept;
};

/// The same with `free`, but copyable: a copy would free every cell twice.
struct copyable_store {
  task_header* find(task_id) noexcept;
  void* cell(task_id) noexcept;
  bool poll(task_id, void*, counting_task&);
  const cell_ops<counting_task>& ops(task_id) noexcept;
  void free(task_id, void*) noexcept;
  void disable_release() noexcept;
  template <class Fn>
  void for_each_used(Fn&&);
  std::size_t get_live_count() const noexcept;
};

}  // namespace

TEMPLATE_LIST_TEST_CASE("every storage policy's store models task_store",
                        "[runtime][task_store][concepts]", test::storage_policies<closed_policy>) {
  STATIC_REQUIRE(
      runtime::task_store<typename TestType::template store<counting_task>, counting_task>);
  // ... for a reactor's own task type too, through the policy tag.
  STATIC_REQUIRE(runtime::storage_policy<TestType, local::reactor::task_type>);
  STATIC_REQUIRE(runtime::storage_policy<TestType, test::bare_task<TestType>>);
}

TEST_CASE("task_store does not hold for an incomplete or copyable store, or for another task type",
          "[runtime][task_store][concepts]") {
  STATIC_REQUIRE_FALSE(runtime::task_store<no_free_store, counting_task>);
  STATIC_REQUIRE_FALSE(runtime::task_store<copyable_store, counting_task>);
  STATIC_REQUIRE_FALSE(runtime::task_store<int, counting_task>);
  // A store polls one task type: its ops table is typed on it.
  STATIC_REQUIRE_FALSE(
      runtime::task_store<open_group_map<counting_task>, local::reactor::task_type>);
  STATIC_REQUIRE_FALSE(runtime::storage_policy<int, counting_task>);
}
