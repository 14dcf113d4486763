#pragma once
/// @file
/// The storage laws (in the style of Boost.Hana's `laws`): what every task storage policy
/// instance (`open_group_map<Task>`, `closed_group_map<Task, Fs...>`, `boxed_task_store<Task,
/// A>`) must do for a reactor to run on it. A storage is driven here the way
/// reactors/local/local::reactor.hpp drives it: `spawn`, `find`, `cell`, `ops`, `poll`, `free`,
/// `for_each_used`, `disable_release`, with the reactor's part of the protocol (setting the
/// phase to `complete` after a completing poll, destroying the payload and setting `empty`
/// before `free`) done by `poll_and_mark` and `retire` below.
///
/// Use:
///   - `check_storage_laws<Store>()` inside a TEST_CASE runs every law, each in its own SECTION;
///   - or one law at a time (`laws::spawn_gives_a_live_pending_cell<Store>()`...) as the body of
///     a TEMPLATE_TEST_CASE.
/// `Store` must accept the law futures below; a closed map declares them with
/// `laws::declaring_law_futures<closed_group_map, Task>`.

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/storage/task_cell.hpp>
#include <gentask/storage/task_id.hpp>

#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gentask::laws {

// ---------------------------------------------------------------------------------------------
// The law futures.

/// Completes with a preset value or error after a preset number of pending polls; counts its
/// polls and destructions.
using value_future = test::probe<int, int>;

/// Completes with a `test::counted`, so the result's destruction can be counted. The counted
/// value is owned through a `unique_ptr` because `cell_ops_for<F, Task>::poll` (task_cell.hpp)
/// assigns the result, so a spawned task's item must be move-assignable, which `counted` is not
/// (a library limitation: `reactor.spawn(ready(lambda))` does not compile either).
using counted_item = std::unique_ptr<test::counted>;
using counted_result_future = test::probe<counted_item, never>;

/// A ready result for `counted_result_future`.
inline ready_value<counted_item> counted_value(test::lifecycle& record, int value) {
  return ready_value<counted_item>{std::make_unique<test::counted>(record, value)};
}

/// Throws from its poll; counts its polls and destructions.
class throwing_future {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = int;

  explicit throwing_future(test::probe_record& record) noexcept : record_(&record) {}
  throwing_future(throwing_future&& other) noexcept
      : record_(std::exchange(other.record_, nullptr)) {}
  throwing_future(const throwing_future&) = delete;
  throwing_future& operator=(const throwing_future&) = delete;
  throwing_future& operator=(throwing_future&&) = delete;
  ~throwing_future() {
    if (record_ != nullptr) ++record_->destroyed;
  }

  template <task Task>
  poll_result<int, int> poll(Task& /*task*/) {
    ++record_->polls;
    throw std::runtime_error("storage law: thrown from poll");
  }

 private:
  test::probe_record* record_;
};

/// Over-aligned: its payload must start on a 64-byte boundary.
struct alignas(64) aligned_future {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  int value = 0;

  template <task Task>
  poll_result<int, never> poll(Task& /*task*/) {
    return ready_value<int>{value};
  }
};

/// Its move constructor throws: spawning it must leave nothing behind.
class throws_on_move {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  explicit throws_on_move(test::lifecycle& record) noexcept : value_(record) {}
  throws_on_move(throws_on_move&& other) : value_(other.value_) {  // NOLINT(*-noexcept-move-*)
    throw std::runtime_error("storage law: thrown from a move");
  }
  throws_on_move(const throws_on_move&) = delete;
  throws_on_move& operator=(const throws_on_move&) = delete;
  throws_on_move& operator=(throws_on_move&&) = delete;
  ~throws_on_move() = default;

  template <task Task>
  poll_result<int, never> poll(Task& /*task*/) {
    return ready_value<int>{value_.get_value()};
  }

 private:
  test::counted value_;
};

/// `Store<Task, law futures..., Extra...>`: a closed map that declares every law future.
template <template <class, class...> class Store, class Task, class... Extra>
using declaring_law_futures = Store<Task, value_future, counted_result_future, throwing_future,
                                    aligned_future, throws_on_move, Extra...>;

// ---------------------------------------------------------------------------------------------
// The reactor's part of the protocol.

/// The result a completed task of root type `F` left in its payload.
template <class F, class Store>
join_result_t<F>* result_of(Store& store, task_id id) {
  auto* base = static_cast<unsigned char*>(store.cell(id));
  return std::launder(reinterpret_cast<join_result_t<F>*>(base + store.ops(id).payload_offset));
}

/// Polls the task once through the store; on completion marks the cell `complete`, as the
/// reactor does.
template <class Store, class Task>
bool poll_and_mark(Store& store, task_id id, Task& task) {
  const bool done = store.poll(id, store.cell(id), task);
  if (done) store.find(id)->set_phase(task_phase::complete);
  return done;
}

/// Destroys whatever the payload holds, marks the cell `empty` and frees it, as the reactor does.
template <class Store>
void retire(Store& store, task_id id) {
  task_header* h = store.find(id);
  REQUIRE(h != nullptr);
  void* cell = store.cell(id);
  const auto phase = h->get_phase();
  h->set_phase(task_phase::empty);
  if (phase == task_phase::pending) store.ops(id).destroy_future(cell);
  if (phase == task_phase::complete) store.ops(id).destroy_result(cell);
  store.free(id, store.cell(id));
}

/// The tokens of the cells `for_each_used` visits, each with the header it was given.
template <class Store>
std::map<std::uint64_t, task_header*> used_cells(Store& store) {
  std::map<std::uint64_t, task_header*> seen;
  std::size_t visits = 0;
  store.for_each_used([&](task_id id, task_header& h) {
    ++visits;
    seen.emplace(id.get_token(), &h);
  });
  CHECK(visits == seen.size());  // no cell visited twice
  return seen;
}

// ---------------------------------------------------------------------------------------------
// The laws.

template <class Store, class Task = test::counting_task>
void accepts_the_law_futures() {
  STATIC_REQUIRE(Store::template accepts<value_future>);
  STATIC_REQUIRE(Store::template accepts<counted_result_future>);
  STATIC_REQUIRE(Store::template accepts<throwing_future>);
  STATIC_REQUIRE(Store::template accepts<aligned_future>);
  STATIC_REQUIRE(Store::template accepts<throws_on_move>);
}

/// `spawn` returns a live id whose header is fresh and pending; `find` and `cell` agree.
template <class Store, class Task = test::counting_task>
void spawn_gives_a_live_pending_cell() {
  Store store;
  test::probe_record first_record;
  test::probe_record second_record;
  CHECK(store.get_live_count() == 0);

  const task_id first = store.spawn(value_future(first_record, ready_value<int>{1}));
  task_header* h = store.find(first);
  REQUIRE(h != nullptr);
  CHECK(h->get_phase() == task_phase::pending);
  CHECK_FALSE(h->has(flag_queued | flag_running | flag_detached | flag_cancel));
  CHECK(h->next == no_link);
  CHECK(h->joiner == 0);
  CHECK(static_cast<void*>(h) == store.cell(first));
  CHECK(first.get_group() != task_id::root_group);
  CHECK((first.get_token() >> 63U) == 0);
  CHECK(store.get_live_count() == 1);
  CHECK(first_record.polls == 0);
  CHECK(first_record.destroyed == 0);  // the moved-from argument does not count

  const task_id second = store.spawn(value_future(second_record, ready_value<int>{2}));
  CHECK(second != first);
  REQUIRE(store.find(second) != nullptr);
  CHECK(store.find(second) != h);
  CHECK(store.find(first) == h);
  CHECK(store.get_live_count() == 2);

  retire(store, first);
  retire(store, second);
  CHECK(store.get_live_count() == 0);
  CHECK(first_record.destroyed == 1);
  CHECK(second_record.destroyed == 1);
}

/// `find` gives nullptr for an id whose task was freed, and for ids that never named a task.
template <class Store, class Task = test::counting_task>
void find_rejects_stale_and_foreign_ids() {
  Store store;
  test::probe_record record;
  const task_id id = store.spawn(value_future(record, ready_value<int>{1}));
  REQUIRE(store.find(id) != nullptr);

  // A live slot under another generation is not this task.
  const task_id other_generation(id.get_group(), id.get_slot(),
                                 (id.get_generation() + 1U) & task_id::generation_mask);
  CHECK(store.find(other_generation) == nullptr);
  // Ids that never named anything here.
  CHECK(store.find(task_id(task_id::root_group, 0, 0)) == nullptr);
  CHECK(store.find(task_id(id.get_group(), task_id::max_slot, 0)) == nullptr);

  retire(store, id);
  CHECK(store.find(id) == nullptr);
  CHECK(store.get_live_count() == 0);
}

/// A freed slot is reused under a new generation; every older id stays stale.
template <class Store, class Task = test::counting_task>
void freed_slot_is_reused_under_a_new_generation() {
  Store store;
  test::probe_record record;
  std::vector<task_id> ids;
  for (int round = 0; round < 5; ++round) {
    const task_id id = store.spawn(value_future(record, ready_value<int>{round}));
    ids.push_back(id);
    REQUIRE(store.find(id) != nullptr);
    for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
      CHECK(store.find(ids[i]) == nullptr);
      CHECK(ids[i].get_group() == id.get_group());
      CHECK(ids[i].get_slot() == id.get_slot());
      CHECK(ids[i].get_generation() != id.get_generation());
    }
    retire(store, id);
  }
  CHECK(record.destroyed == ids.size());
  for (const task_id id : ids) CHECK(store.find(id) == nullptr);
}

/// Polling through the store runs the future; completion leaves `join_result_t<F>` at
/// `ops(id).payload_offset`, the future having been destroyed once.
template <class Store, class Task = test::counting_task>
void poll_leaves_the_result_in_the_payload() {
  Store store;
  Task task;

  SECTION("a value") {
    test::probe_record record;
    const task_id id = store.spawn(value_future(record, ready_value<int>{42}, 2));
    CHECK(store.ops(id).payload_offset == cell_layout<value_future>::payload_offset);
    CHECK_FALSE(poll_and_mark(store, id, task));
    CHECK_FALSE(poll_and_mark(store, id, task));
    CHECK(record.polls == 2);
    CHECK(task.get_wake_count() == 2);  // the task the store was given is the one polled
    CHECK(record.destroyed == 0);
    REQUIRE(poll_and_mark(store, id, task));
    CHECK(record.polls == 3);
    CHECK(record.destroyed == 1);
    const auto* result = result_of<value_future>(store, id);
    REQUIRE(result->is_ready());
    CHECK(result->get_value() == 42);
    CHECK_FALSE(store.ops(id).is_exception(store.cell(id)));
    retire(store, id);
    CHECK(record.destroyed == 1);
  }
  SECTION("the future's own error") {
    test::probe_record record;
    const task_id id = store.spawn(value_future(record, failed_value<int>{7}));
    REQUIRE(poll_and_mark(store, id, task));
    const auto* result = result_of<value_future>(store, id);
    REQUIRE(result->is_failed());
    REQUIRE(result->get_error().is_error());
    CHECK(join_error<int>(result->get_error()).get_error() == 7);
    CHECK_FALSE(store.ops(id).is_exception(store.cell(id)));
    retire(store, id);
    CHECK(record.destroyed == 1);
  }
  SECTION("an exception that escaped the poll") {
    test::probe_record record;
    const task_id id = store.spawn(throwing_future(record));
    bool done = false;
    CHECK_NOTHROW(done = poll_and_mark(store, id, task));
    REQUIRE(done);
    CHECK(record.polls == 1);
    CHECK(record.destroyed == 1);
    const auto* result = result_of<throwing_future>(store, id);
    REQUIRE(result->is_failed());
    REQUIRE(result->get_error().is_exception());
    CHECK(store.ops(id).is_exception(store.cell(id)));
    CHECK_THROWS_WITH(result->get_error().rethrow_if_exception(), "storage law: thrown from poll");
    retire(store, id);
    CHECK(record.destroyed == 1);
  }
  SECTION("an over-aligned future") {
    std::vector<task_id> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(store.spawn(aligned_future{i}));
    int expected = 0;
    for (const task_id id : ids) {
      const auto payload =
          reinterpret_cast<std::uintptr_t>(store.cell(id)) + store.ops(id).payload_offset;
      CHECK(payload % alignof(aligned_future) == 0);
      REQUIRE(poll_and_mark(store, id, task));
      CHECK(result_of<aligned_future>(store, id)->get_value() == expected++);
      retire(store, id);
    }
  }
}

/// `destroy_future` and `destroy_result` run the destructor exactly once.
template <class Store, class Task = test::counting_task>
void destroy_runs_the_destructor_once() {
  Store store;
  Task task;

  SECTION("the future") {
    test::probe_record record;
    const task_id id = store.spawn(value_future(record, ready_value<int>{1}));
    CHECK(record.destroyed == 0);
    store.find(id)->set_phase(task_phase::empty);
    store.ops(id).destroy_future(store.cell(id));
    CHECK(record.destroyed == 1);
    store.free(id, store.cell(id));
    CHECK(record.destroyed == 1);
    CHECK(record.polls == 0);
  }
  SECTION("the result") {
    test::lifecycle values;
    test::probe_record record;
    const task_id id = store.spawn(counted_result_future(record, counted_value(values, 5)));
    CHECK(values.get_alive() == 1);
    REQUIRE(poll_and_mark(store, id, task));
    CHECK(record.destroyed == 1);
    CHECK(values.get_alive() == 1);  // moved into the result, not copied, not lost
    CHECK(values.copied == 0);
    CHECK(result_of<counted_result_future>(store, id)->get_value()->get_value() == 5);
    const std::size_t destroyed_before = values.destroyed;
    store.find(id)->set_phase(task_phase::empty);
    store.ops(id).destroy_result(store.cell(id));
    CHECK(values.destroyed == destroyed_before + 1);
    CHECK(values.get_alive() == 0);
    store.free(id, store.cell(id));
    CHECK(values.destroyed == destroyed_before + 1);
  }
}

/// Destroying the store destroys each remaining future and each unclaimed result once, and
/// nothing that was already retired.
template <class Store, class Task = test::counting_task>
void destruction_destroys_what_remains_once() {
  test::lifecycle values;
  test::probe_record pending_record;
  test::probe_record complete_record;
  test::probe_record retired_record;
  {
    Store store;
    Task task;
    (void)store.spawn(counted_result_future(pending_record, counted_value(values, 1)));
    const task_id complete =
        store.spawn(counted_result_future(complete_record, counted_value(values, 2)));
    REQUIRE(poll_and_mark(store, complete, task));
    const task_id retired =
        store.spawn(counted_result_future(retired_record, counted_value(values, 3)));
    retire(store, retired);
    CHECK(values.get_alive() == 2);
    CHECK(pending_record.destroyed == 0);
    CHECK(complete_record.destroyed == 1);
    CHECK(retired_record.destroyed == 1);
  }
  CHECK(values.get_alive() == 0);
  CHECK(pending_record.destroyed == 1);
  CHECK(complete_record.destroyed == 1);
  CHECK(retired_record.destroyed == 1);
}

/// `for_each_used` visits exactly the cells in use (pending or complete), once each, with the
/// header `find` gives; the visitor may free the cell it is given once release is disabled.
template <class Store, class Task = test::counting_task>
void for_each_used_visits_exactly_the_used_cells() {
  Store store;
  Task task;
  CHECK(used_cells(store).empty());

  test::lifecycle values;
  std::vector<test::probe_record> records(8);
  std::vector<task_id> live;
  std::vector<task_id> gone;
  for (std::size_t i = 0; i < records.size(); ++i) {
    task_id id;
    if (i % 2 == 0) {
      id = store.spawn(value_future(records[i], ready_value<int>{static_cast<int>(i)}));
    } else {
      id = store.spawn(
          counted_result_future(records[i], counted_value(values, static_cast<int>(i))));
    }
    if (i % 3 == 0) {
      gone.push_back(id);
    } else {
      live.push_back(id);
    }
  }
  for (const task_id id : gone) retire(store, id);
  REQUIRE(poll_and_mark(store, live.front(), task));  // complete cells are in use too

  const auto seen = used_cells(store);
  CHECK(seen.size() == live.size());
  CHECK(store.get_live_count() == live.size());
  for (const task_id id : live) {
    const auto it = seen.find(id.get_token());
    REQUIRE(it != seen.end());
    CHECK(it->second == store.find(id));
  }
  for (const task_id id : gone) CHECK(seen.count(id.get_token()) == 0);

  // The reactor's shutdown: release disabled, every visited cell retired from inside the visit.
  store.disable_release();
  std::size_t visits = 0;
  store.for_each_used([&](task_id id, task_header& /*h*/) {
    ++visits;
    retire(store, id);
  });
  CHECK(visits == live.size());
  CHECK(store.get_live_count() == 0);
  CHECK(used_cells(store).empty());
  CHECK(values.get_alive() == 0);
  for (const auto& r : records) CHECK(r.destroyed == 1);
}

/// A spawn whose future throws while being moved in leaves nothing behind and the store usable.
template <class Store, class Task = test::counting_task>
void failed_spawn_leaves_nothing_behind() {
  Store store;
  test::lifecycle values;
  test::probe_record record;
  const task_id before = store.spawn(value_future(record, ready_value<int>{1}));
  {
    throws_on_move f(values);
    CHECK_THROWS_WITH(store.spawn(std::move(f)), "storage law: thrown from a move");
    CHECK(values.get_alive() == 1);  // the argument only
  }
  CHECK(values.get_alive() == 0);
  CHECK(store.get_live_count() == 1);
  const auto seen = used_cells(store);
  CHECK(seen.size() == 1);
  CHECK(seen.count(before.get_token()) == 1);
  const task_id after = store.spawn(value_future(record, ready_value<int>{2}));
  CHECK(store.find(after) != nullptr);
  CHECK(store.find(before) != nullptr);
  CHECK(after != before);
  retire(store, before);
  retire(store, after);
  CHECK(record.destroyed == 2);
}

/// Every law, each in a SECTION of the calling test case.
template <class Store, class Task = test::counting_task>
void check_storage_laws() {
  accepts_the_law_futures<Store, Task>();
  SECTION("spawn gives a live pending cell") { spawn_gives_a_live_pending_cell<Store, Task>(); }
  SECTION("find rejects stale and foreign ids") {
    find_rejects_stale_and_foreign_ids<Store, Task>();
  }
  SECTION("a freed slot is reused under a new generation") {
    freed_slot_is_reused_under_a_new_generation<Store, Task>();
  }
  SECTION("poll leaves the result in the payload") {
    poll_leaves_the_result_in_the_payload<Store, Task>();
  }
  SECTION("destroy runs the destructor once") { destroy_runs_the_destructor_once<Store, Task>(); }
  SECTION("destruction destroys what remains once") {
    destruction_destroys_what_remains_once<Store, Task>();
  }
  SECTION("for_each_used visits exactly the used cells") {
    for_each_used_visits_exactly_the_used_cells<Store, Task>();
  }
  SECTION("a failed spawn leaves nothing behind") {
    failed_spawn_leaves_nothing_behind<Store, Task>();
  }
}

}  // namespace gentask::laws
