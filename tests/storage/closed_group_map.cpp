#include <gentask/storage/closed_group_map.hpp>

#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "laws/storage_laws.hpp"
#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <type_traits>
#include <utility>

using namespace gentask;
using test::counting_task;

namespace {

using first_type = test::probe<int, int>;
using second_type = test::probe<double, never>;
using third_type = test::never_ready<int, int>;
using store_type = closed_group_map<counting_task, first_type, second_type, third_type>;

struct undeclared {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = int;
  template <task Task>
  poll_result<int, int> poll(Task& /*task*/) {
    return ready_value<int>{0};
  }
};

}  // namespace

TEST_CASE("closed_group_map obeys the storage laws", "[storage][closed_group_map][laws]") {
  laws::check_storage_laws<laws::declaring_law_futures<closed_group_map, counting_task>>();
}

TEST_CASE("closed_group_map accepts exactly its declared root types",
          "[storage][closed_group_map]") {
  STATIC_REQUIRE(store_type::accepts<first_type>);
  STATIC_REQUIRE(store_type::accepts<second_type>);
  STATIC_REQUIRE(store_type::accepts<third_type>);

  STATIC_REQUIRE(!store_type::accepts<undeclared>);
  STATIC_REQUIRE(!store_type::accepts<test::probe<int, never>>);  // same template, other args
  STATIC_REQUIRE(!store_type::accepts<test::never_ready<int, never>>);
  STATIC_REQUIRE(!store_type::accepts<int>);
  // Exact types: the storage is asked with the decayed type (spawn decays its argument).
  STATIC_REQUIRE(!store_type::accepts<const first_type>);
  STATIC_REQUIRE(!store_type::accepts<first_type&>);

  using one = closed_group_map<counting_task, undeclared>;
  STATIC_REQUIRE(one::accepts<undeclared>);
  STATIC_REQUIRE(!one::accepts<first_type>);
}

TEST_CASE("closed_group_map is the storage of closed_map_storage", "[storage][closed_group_map]") {
  STATIC_REQUIRE(
      std::is_same_v<closed_map_storage<first_type, second_type, third_type>::store<counting_task>,
                     store_type>);
  using reactor_type =
      local::basic_reactor<closed_map_storage<ready_future<int>, test::yield_now<int>>>;
  STATIC_REQUIRE(
      std::is_same_v<
          reactor_type::storage_type,
          closed_group_map<reactor_type::task_type, ready_future<int>, test::yield_now<int>>>);
}

TEST_CASE("closed_group_map groups exist from construction with ids in declaration order",
          "[storage][closed_group_map]") {
  std::size_t allocations = 0;
  {
    test::allocation_counter counter;
    store_type store;
    allocations = counter.get_count();

    CHECK(store.get_group_count() == 3);
    CHECK(store.get_live_count() == 0);
    REQUIRE(store.find_group<first_type>() != nullptr);
    REQUIRE(store.find_group<second_type>() != nullptr);
    REQUIRE(store.find_group<third_type>() != nullptr);
    CHECK(store.find_group<first_type>()->get_group_id() == 0);
    CHECK(store.find_group<second_type>()->get_group_id() == 1);
    CHECK(store.find_group<third_type>()->get_group_id() == 2);
    CHECK(store.find_group<undeclared>() == nullptr);

    // Spawned in another order: each id carries its type's declaration index.
    test::probe_record record;
    const task_id third = store.spawn(third_type{});
    const task_id first = store.spawn(first_type(record, ready_value<int>{1}));
    const task_id second = store.spawn(second_type(record, ready_value<double>{2.0}));
    CHECK(third.get_group() == 2);
    CHECK(first.get_group() == 0);
    CHECK(second.get_group() == 1);
    CHECK(store.find_group<first_type>()->get_live_count() == 1);
    CHECK(store.find_group<second_type>()->get_live_count() == 1);
    CHECK(store.find_group<third_type>()->get_live_count() == 1);
    CHECK(store.get_live_count() == 3);

    // Group ids past the declared ones name nothing.
    CHECK(store.find(task_id(3, 0, 0)) == nullptr);
    CHECK(store.find(task_id(task_id::root_group, 0, 0)) == nullptr);
  }
  CHECK(allocations == 0);  // the groups are members of the map, not heap objects
}

TEST_CASE("a closed_group_map declared in another order numbers its groups in that order",
          "[storage][closed_group_map]") {
  closed_group_map<counting_task, third_type, first_type> store;
  test::probe_record record;
  CHECK(store.spawn(first_type(record, ready_value<int>{1})).get_group() == 1);
  CHECK(store.spawn(third_type{}).get_group() == 0);
  CHECK(store.find_group<second_type>() == nullptr);
}

TEST_CASE("closed_group_map poll dispatches to the task's own group",
          "[storage][closed_group_map]") {
  store_type store;
  counting_task task;
  test::probe_record first_record;
  test::probe_record second_record;
  const task_id first = store.spawn(first_type(first_record, failed_value<int>{-3}, 1));
  const task_id second = store.spawn(second_type(second_record, ready_value<double>{2.5}, 1));
  const task_id third = store.spawn(third_type{});
  // Same slot in each group: only the group id tells them apart.
  CHECK(first.get_slot() == second.get_slot());
  CHECK(first.get_slot() == third.get_slot());

  CHECK_FALSE(laws::poll_and_mark(store, second, task));
  CHECK(second_record.polls == 1);
  CHECK(first_record.polls == 0);

  REQUIRE(laws::poll_and_mark(store, second, task));
  CHECK(second_record.polls == 2);
  CHECK(first_record.polls == 0);
  CHECK(laws::result_of<second_type>(store, second)->get_value() == 2.5);

  CHECK_FALSE(laws::poll_and_mark(store, third, task));
  CHECK_FALSE(laws::poll_and_mark(store, first, task));
  CHECK(first_record.polls == 1);
  REQUIRE(laws::poll_and_mark(store, first, task));
  CHECK(first_record.polls == 2);
  CHECK(second_record.polls == 2);
  const auto* result = laws::result_of<first_type>(store, first);
  REQUIRE(result->is_failed());
  REQUIRE(result->get_error().is_error());
  CHECK(join_error<int>(result->get_error()).get_error() == -3);

  CHECK(store.find(third)->get_phase() == task_phase::pending);
  CHECK(store.find(first)->get_phase() == task_phase::complete);
  CHECK(store.find(second)->get_phase() == task_phase::complete);
}

TEST_CASE("a reactor on a closed_group_map runs its declared root types",
          "[storage][closed_group_map]") {
  local::basic_reactor<closed_map_storage<ready_future<int>, test::yield_now<int>>> reactor;
  auto a = reactor.spawn(ready(1));
  auto b = reactor.spawn(test::yield_now(2));
  CHECK(a.get_id().get_group() == 0);
  CHECK(b.get_id().get_group() == 1);
  CHECK(reactor.get_task_count() == 2);
  auto ra = reactor.block_on(std::move(a));
  auto rb = reactor.block_on(std::move(b));
  REQUIRE(ra.is_ready());
  REQUIRE(rb.is_ready());
  CHECK(ra.get_value() == 1);
  CHECK(rb.get_value() == 2);
  CHECK(reactor.get_task_count() == 0);
}

namespace {
/// The closed map declared through a named type, as closed_map_storage's comment advises.
struct named_roots : closed_map_storage<ready_future<int>, test::yield_now<int>> {};
}  // namespace

TEST_CASE("a closed map declared through a named storage type runs the same root types",
          "[storage][closed_group_map]") {
  using reactor_type = local::basic_reactor<named_roots>;
  STATIC_REQUIRE(std::is_same_v<named_roots::store<reactor_type::task_type>,
                                closed_group_map<reactor_type::task_type, ready_future<int>,
                                                 test::yield_now<int>>>);
  reactor_type reactor;
  auto a = reactor.spawn(ready(1));
  auto b = reactor.spawn(test::yield_now(2));
  CHECK(b.get_id().get_group() == 1);
  CHECK(reactor.block_on(std::move(a)).get_value() == 1);
  CHECK(reactor.block_on(std::move(b)).get_value() == 2);
  CHECK(reactor.get_task_count() == 0);
}
