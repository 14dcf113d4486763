#include <gentask/storage/open_group_map.hpp>

#include <gentask/reactors/local/reactor.hpp>

#include "laws/storage_laws.hpp"
#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <type_traits>
#include <vector>

using namespace gentask;
using test::counting_task;

namespace {

using store_type = open_group_map<counting_task>;

/// Distinct root types, each ready at once with its tag.
template <int Tag>
struct tagged {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  template <task Task>
  poll_result<int, never> poll(Task& /*task*/) {
    return ready_value<int>{Tag};
  }
};

/// Types used by one test case only, so that no earlier test has given them a type index.
template <int Tag>
struct fresh : tagged<Tag> {};

}  // namespace

TEST_CASE("open_group_map obeys the storage laws", "[storage][open_group_map][laws]") {
  laws::check_storage_laws<store_type>();
}

TEST_CASE("open_group_map is the storage of open_map_storage and of local::reactor",
          "[storage][open_group_map]") {
  STATIC_REQUIRE(std::is_same_v<open_map_storage::store<counting_task>, store_type>);
  STATIC_REQUIRE(
      std::is_same_v<local::reactor::storage_type, open_group_map<local::reactor::task_type>>);
  STATIC_REQUIRE(store_type::accepts<tagged<1>>);
  STATIC_REQUIRE(store_type::accepts<test::never_ready<double, int>>);
}

TEST_CASE("open_group_map creates a root type's group at its first spawn and reuses it after",
          "[storage][open_group_map]") {
  store_type store;
  CHECK(store.get_group_count() == 0);
  CHECK(store.find_group<tagged<1>>() == nullptr);

  const task_id a1 = store.spawn(tagged<1>{});
  CHECK(store.get_group_count() == 1);
  task_group<tagged<1>, counting_task>* group_a = store.find_group<tagged<1>>();
  REQUIRE(group_a != nullptr);
  CHECK(group_a->get_group_id() == a1.get_group());
  CHECK(group_a->get_live_count() == 1);

  std::vector<task_id> more;
  more.reserve(10);
  {
    test::allocation_counter counter;
    for (int i = 0; i < 10; ++i) more.push_back(store.spawn(tagged<1>{}));
    CHECK(counter.get_count() == 0);  // same type, free cells: no group, no chunk
  }
  CHECK(store.get_group_count() == 1);
  CHECK(store.find_group<tagged<1>>() == group_a);
  CHECK(group_a->get_live_count() == 11);
  for (const task_id id : more) CHECK(id.get_group() == a1.get_group());

  const task_id b1 = store.spawn(tagged<2>{});
  CHECK(store.get_group_count() == 2);
  CHECK(b1.get_group() != a1.get_group());
  REQUIRE(store.find_group<tagged<2>>() != nullptr);
  CHECK(store.find_group<tagged<2>>()->get_group_id() == b1.get_group());
  CHECK(store.find_group<tagged<1>>() == group_a);
  CHECK(store.get_live_count() == 12);

  // Lvalues, const or not, go to the group of the decayed type.
  tagged<2> lvalue;
  const tagged<2> const_lvalue;
  CHECK(store.spawn(lvalue).get_group() == b1.get_group());
  CHECK(store.spawn(const_lvalue).get_group() == b1.get_group());
  CHECK(store.get_group_count() == 2);
  CHECK(store.find_group<tagged<2>>()->get_live_count() == 3);
}

TEST_CASE("open_group_map numbers its groups in the order of first spawns in that map",
          "[storage][open_group_map]") {
  store_type forward;
  store_type backward;
  // Type indexes are process-wide; group ids and lookups are per map.
  const task_id f1 = forward.spawn(tagged<11>{});
  const task_id f2 = forward.spawn(tagged<12>{});
  const task_id f3 = forward.spawn(tagged<13>{});
  const task_id b3 = backward.spawn(tagged<13>{});
  const task_id b1 = backward.spawn(tagged<11>{});
  const task_id b2 = backward.spawn(tagged<12>{});

  CHECK(f1.get_group() == 0);
  CHECK(f2.get_group() == 1);
  CHECK(f3.get_group() == 2);
  CHECK(b3.get_group() == 0);
  CHECK(b1.get_group() == 1);
  CHECK(b2.get_group() == 2);

  REQUIRE(forward.find_group<tagged<11>>() != nullptr);
  REQUIRE(backward.find_group<tagged<11>>() != nullptr);
  CHECK(forward.find_group<tagged<11>>()->get_group_id() == 0);
  CHECK(forward.find_group<tagged<13>>()->get_group_id() == 2);
  CHECK(backward.find_group<tagged<11>>()->get_group_id() == 1);
  CHECK(backward.find_group<tagged<13>>()->get_group_id() == 0);

  // Each id finds its own cell and polls its own type.
  counting_task task;
  const std::vector<std::pair<task_id, int>> forward_ids = {{f1, 11}, {f2, 12}, {f3, 13}};
  for (const auto& [id, tag] : forward_ids) {
    REQUIRE(forward.find(id) != nullptr);
    REQUIRE(laws::poll_and_mark(forward, id, task));
    CHECK(laws::result_of<tagged<11>>(forward, id)->get_value() == tag);
  }
  const std::vector<std::pair<task_id, int>> backward_ids = {{b3, 13}, {b1, 11}, {b2, 12}};
  for (const auto& [id, tag] : backward_ids) {
    REQUIRE(backward.find(id) != nullptr);
    REQUIRE(laws::poll_and_mark(backward, id, task));
    CHECK(laws::result_of<tagged<11>>(backward, id)->get_value() == tag);
  }
}

TEST_CASE("open_group_map find_group finds only the groups of types spawned in that map",
          "[storage][open_group_map]") {
  store_type early;
  store_type late;
  // fresh<1> gets its type index first, fresh<2> a higher one; `late` only ever sees fresh<2>.
  (void)early.spawn(fresh<1>{});
  (void)late.spawn(fresh<2>{});
  CHECK(late.find_group<fresh<1>>() == nullptr);   // below late's highest type index
  CHECK(early.find_group<fresh<2>>() == nullptr);  // beyond early's table
  REQUIRE(early.find_group<fresh<1>>() != nullptr);
  REQUIRE(late.find_group<fresh<2>>() != nullptr);
  CHECK(late.find_group<fresh<2>>()->get_group_id() == 0);
  CHECK(late.find_group<fresh<3>>() == nullptr);  // a type never spawned anywhere
  CHECK(late.get_group_count() == 1);
  CHECK(early.get_group_count() == 1);
}

TEST_CASE("open_group_map find rejects ids of groups it does not have",
          "[storage][open_group_map]") {
  store_type store;
  CHECK(store.find(task_id(0, 0, 0)) == nullptr);  // no group yet
  const task_id id = store.spawn(tagged<1>{});
  CHECK(store.find(task_id(id.get_group() + 1, id.get_slot(), id.get_generation())) == nullptr);
  CHECK(store.find(task_id(task_id::root_group, id.get_slot(), id.get_generation())) == nullptr);
  CHECK(store.find(id) != nullptr);
}
