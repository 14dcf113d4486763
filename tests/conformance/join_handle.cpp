#include <gentask/spawn/join_handle.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/spawn/join_error.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/storage/open_group_map.hpp>
#include <gentask/storage/task_id.hpp>

#include "conformance/conformance.hpp"
#include "spawn/spawn_fixtures.hpp"
#include "support/alloc_counter.hpp"
#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// Conformance: the same bodies run on every reactor, on every storage policy (TestType is the
// reactor; see conformance.hpp).
// Handles and counting tasks that a reactor may still refer to are declared before it, so they
// outlive it.

using namespace gentask;
using namespace gentask::test;
using spawn_tests::box;
using spawn_tests::closed_policy;
using spawn_tests::handle_slot;
using spawn_tests::joins;
using spawn_tests::keep_waker;
using spawn_tests::make_box;
using spawn_tests::scripted;
using spawn_tests::scripted_box;

namespace {

/// Thrown from inside a task's poll (not a std::exception, so only the original gets through).
struct task_failure {
  int code;
};

using box_slot = std::optional<join_handle<box, never>>;

template <class T, class E>
bool is_canceled(const poll_result<T, join_error<E>>& r) {
  return r.is_failed() && r.get_error().is_canceled();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Results.

TEMPLATE_LIST_TEST_CASE("a spawned task runs and its join handle yields its value",
                        "[conformance][join_handle]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record record;
  lifecycle life;
  auto handle = reactor.spawn(probe<box>(record, ready_value{make_box(life, 7)}, 2));
  CHECK(record.polls == 0);  // spawning does not poll
  CHECK(reactor.get_task_count() == 1);
  CHECK_FALSE(handle.is_finished());

  CHECK(handle.poll(joiner).is_pending());
  CHECK(joiner.get_live_handles() == 1);  // the registration
  CHECK(reactor.run_until_idle() == 3);
  CHECK(record.polls == 3);
  CHECK(record.destroyed == 1);  // the future is gone at completion
  CHECK(life.get_alive() == 1);  // the result waits in the task's cell
  CHECK(joiner.get_wake_count() == 1);
  CHECK(joiner.get_live_handles() == 0);

  auto result = handle.poll(joiner);
  REQUIRE(result.is_ready());
  REQUIRE(result.get_value() != nullptr);
  CHECK(result.get_value()->get_value() == 7);
  CHECK(handle.is_finished());
  CHECK(reactor.get_task_count() == 0);
  CHECK(life.constructed == 1);
  CHECK(life.get_alive() == 1);  // only `result` holds it
  CHECK(reactor.get_unobserved_exception_count() == 0);
  CHECK_THROWS_AS(handle.poll(joiner), polled_after_completion);
}

TEMPLATE_LIST_TEST_CASE("a join handle yields the task's own error as is_error",
                        "[conformance][join_handle]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record record;
  auto handle = reactor.spawn(probe<int, std::string>(record, failed_value{std::string("bad")}, 1));
  CHECK(reactor.run_until_idle() == 2);
  auto result = handle.poll(joiner);
  REQUIRE(result.is_failed());
  CHECK(result.get_error().is_error());
  CHECK_FALSE(result.get_error().is_canceled());
  CHECK_FALSE(result.get_error().is_exception());
  CHECK(result.get_error().get_error() == "bad");
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);
  CHECK(reactor.get_unobserved_exception_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "a join handle yields the exception that escaped the task's poll and the reactor "
    "goes on",
    "[conformance][join_handle]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record thrower_record;
  probe_record first_poll_record;
  probe_record sibling_record;
  auto thrower = reactor.spawn(
      scripted(thrower_record, [](std::size_t n, const waker& w) -> poll_result<int, never> {
        if (n == 1) {
          w.wake();
          return pending;
        }
        throw task_failure{42};
      }));
  auto first_poll = reactor.spawn(scripted(
      first_poll_record,
      [](std::size_t, const waker&) -> poll_result<int, never> { throw task_failure{7}; }));
  auto sibling = reactor.spawn(probe<int>(sibling_record, ready_value{5}, 3));

  CHECK(reactor.run_until_idle() == 7);  // 2 + 1 + 4
  CHECK(thrower_record.polls == 2);
  CHECK(thrower_record.destroyed == 1);
  CHECK(first_poll_record.polls == 1);
  CHECK(first_poll_record.destroyed == 1);

  auto thrown = thrower.poll(joiner);
  REQUIRE(thrown.is_failed());
  CHECK(thrown.get_error().is_exception());
  CHECK(thrown.get_error().get_exception() != nullptr);
  CHECK_THROWS_AS(thrown.get_error().rethrow_if_exception(), task_failure);
  int code = 0;
  try {
    thrown.get_error().rethrow_if_exception();
  } catch (const task_failure& e) {
    code = e.code;
  }
  CHECK(code == 42);

  auto thrown_first = first_poll.poll(joiner);
  REQUIRE(thrown_first.is_failed());
  REQUIRE(thrown_first.get_error().is_exception());
  try {
    thrown_first.get_error().rethrow_if_exception();
  } catch (const task_failure& e) {
    code = e.code;
  }
  CHECK(code == 7);

  auto value = sibling.poll(joiner);
  REQUIRE(value.is_ready());
  CHECK(value.get_value() == 5);
  CHECK(sibling_record.polls == 4);
  CHECK(reactor.get_task_count() == 0);
  CHECK(reactor.get_unobserved_exception_count() == 0);  // both were observed through handles
}

// ---------------------------------------------------------------------------------------------
// Dropping the handle cancels the task, at every point of its life.

TEMPLATE_LIST_TEST_CASE(
    "dropping the join handle of a queued task that was never polled cancels it",
    "[conformance][join_handle][cancel]", conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  handle_slot handle(reactor.spawn(probe<int>(record, ready_value{1})));
  CHECK(record.destroyed == 0);
  handle.reset();
  CHECK(record.destroyed == 1);  // at once, inside the drop
  CHECK(reactor.run_until_idle() == 0);
  CHECK(record.polls == 0);
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "dropping the join handle of a task queued by a wake cancels it before its next "
    "poll",
    "[conformance][join_handle][cancel]", conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  auto kept = std::make_shared<waker>();
  handle_slot handle(reactor.spawn(scripted(record, keep_waker(kept))));
  CHECK(reactor.run_until_idle() == 1);
  kept->wake();  // queued
  handle.reset();
  CHECK(record.destroyed == 1);
  CHECK(reactor.run_until_idle() == 0);
  CHECK(record.polls == 1);
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);
  kept->wake();  // the task is gone: nothing
  CHECK(reactor.run_until_idle() == 0);
  CHECK(record.polls == 1);
}

TEMPLATE_LIST_TEST_CASE(
    "dropping the join handle inside the task's own poll cancels it right after that "
    "poll",
    "[conformance][join_handle][cancel]", conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  probe_record sibling_record;
  handle_slot handle;
  std::size_t destroyed_during_poll = 99;
  std::size_t destroyed_seen_by_sibling = 99;
  handle.emplace(
      reactor.spawn(scripted(record, [&](std::size_t, const waker& w) -> poll_result<int, never> {
        w.wake();        // queued again: the cancel must still win
        handle.reset();  // its own handle
        destroyed_during_poll = record.destroyed;
        return pending;
      })));
  auto sibling = reactor.spawn(
      scripted(sibling_record, [&](std::size_t, const waker&) -> poll_result<int, never> {
        destroyed_seen_by_sibling = record.destroyed;
        return ready_value{0};
      }));
  CHECK(reactor.run_until_idle() == 2);
  CHECK(destroyed_during_poll == 0);      // not under its own feet
  CHECK(destroyed_seen_by_sibling == 1);  // but before anything else runs
  CHECK(record.polls == 1);               // never polled again
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 1);  // the sibling's result
  counting_task joiner;
  CHECK(sibling.poll(joiner).is_ready());
  CHECK(reactor.get_task_count() == 0);
}

// Regression: after_poll once ended with maybe_free(id, h) after destroy_payload had already
// freed the cell: a use after free with the boxed policies.
TEMPLATE_LIST_TEST_CASE(
    "dropping the join handle inside the task's own poll without a wake cancels it "
    "right after that poll",
    "[conformance][join_handle][cancel]", conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  handle_slot handle;
  std::size_t destroyed_during_poll = 99;
  handle.emplace(
      reactor.spawn(scripted(record, [&](std::size_t, const waker&) -> poll_result<int, never> {
        handle.reset();
        destroyed_during_poll = record.destroyed;
        return pending;
      })));
  CHECK(reactor.run_until_idle() == 1);
  CHECK(destroyed_during_poll == 0);
  CHECK(record.polls == 1);
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);

  // The slot is sound afterwards: two new tasks get two distinct ids and both run.
  probe_record a_record;
  probe_record b_record;
  auto a = reactor.spawn(probe<int>(a_record, ready_value{1}));
  auto b = reactor.spawn(probe<int>(b_record, ready_value{2}));
  CHECK(a.get_id() != b.get_id());
  CHECK(reactor.get_task_count() == 2);
  CHECK(reactor.run_until_idle() == 2);
  counting_task joiner;
  auto ra = a.poll(joiner);
  auto rb = b.poll(joiner);
  REQUIRE(ra.is_ready());
  REQUIRE(rb.is_ready());
  CHECK(ra.get_value() == 1);
  CHECK(rb.get_value() == 2);
  CHECK(reactor.get_task_count() == 0);
}

// Same library bug as above (the completed-and-canceled path of after_poll).
TEMPLATE_LIST_TEST_CASE(
    "dropping the join handle inside the task's own completing poll destroys its "
    "result",
    "[conformance][join_handle][cancel]", conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  lifecycle life;
  box_slot handle;
  handle.emplace(
      reactor.spawn(scripted_box(record, [&](std::size_t, const waker&) -> poll_result<box, never> {
        handle.reset();
        return ready_value{make_box(life, 3)};
      })));
  CHECK(reactor.run_until_idle() == 1);
  CHECK(record.polls == 1);
  CHECK(record.destroyed == 1);
  CHECK(life.constructed == 1);
  CHECK(life.get_alive() == 0);  // the result nobody can take was destroyed
  CHECK(reactor.get_task_count() == 0);
  CHECK(reactor.get_unobserved_exception_count() == 0);
}

TEMPLATE_LIST_TEST_CASE("dropping the join handle during a sibling's poll cancels the task at once",
                        "[conformance][join_handle][cancel]",
                        conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  probe_record sibling_record;
  auto kept = std::make_shared<waker>();
  handle_slot handle(reactor.spawn(scripted(record, keep_waker(kept))));
  CHECK(reactor.run_until_idle() == 1);
  std::size_t destroyed_seen_by_sibling = 99;
  auto drop_it = [&](std::size_t, const waker&) -> poll_result<int, never> {
    handle.reset();
    destroyed_seen_by_sibling = record.destroyed;
    return ready_value{0};
  };

  SECTION("while it waits") {
    auto sibling = reactor.spawn(scripted(sibling_record, drop_it));
    CHECK(reactor.run_until_idle() == 1);
  }
  SECTION("while it is queued behind the sibling") {
    auto sibling = reactor.spawn(scripted(sibling_record, drop_it));
    kept->wake();                          // queued after the sibling
    CHECK(reactor.run_until_idle() == 1);  // the sibling only
  }
  CHECK(destroyed_seen_by_sibling == 1);  // destroyed inside the drop, during the sibling's poll
  CHECK(record.polls == 1);
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);  // the sibling's handle was dropped too
  kept->wake();
  CHECK(reactor.run_until_idle() == 0);
  CHECK(record.polls == 1);
}

TEMPLATE_LIST_TEST_CASE("dropping the join handle after completion destroys the result nobody took",
                        "[conformance][join_handle][cancel]",
                        conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record record;
  lifecycle life;
  box_slot handle(reactor.spawn(probe<box>(record, ready_value{make_box(life, 1)}, 1)));
  CHECK(handle->poll(joiner).is_pending());
  CHECK(reactor.run_until_idle() == 2);
  CHECK(joiner.get_wake_count() == 1);
  CHECK(record.destroyed == 1);
  CHECK(life.get_alive() == 1);
  CHECK(reactor.get_task_count() == 1);
  handle.reset();
  CHECK(life.get_alive() == 0);  // at once
  CHECK(life.constructed == 1);
  CHECK(reactor.get_task_count() == 0);
  CHECK(record.polls == 2);
  CHECK(reactor.run_until_idle() == 0);
  CHECK(joiner.get_wake_count() == 1);
}

TEMPLATE_LIST_TEST_CASE("dropping a pending join handle releases its joiner without waking it",
                        "[conformance][join_handle][cancel]",
                        conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record record;
  handle_slot handle(reactor.spawn(probe<int>(record, ready_value{1}, 3, false)));
  CHECK(reactor.run_until_idle() == 1);
  CHECK(handle->poll(joiner).is_pending());
  CHECK(joiner.get_live_handles() == 1);
  handle.reset();
  CHECK(joiner.get_live_handles() == 0);
  CHECK(joiner.get_wake_count() == 0);
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "assigning over a join handle cancels the task it held and moving one cancels "
    "nothing",
    "[conformance][join_handle][cancel]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record first;
  probe_record second;
  auto handle = reactor.spawn(probe<int>(first, ready_value{1}));
  auto moved = std::move(handle);
  CHECK(handle.is_finished());           // NOLINT(bugprone-use-after-move): the moved-from state
  { auto dropped = std::move(handle); }  // NOLINT(bugprone-use-after-move)
  CHECK(first.destroyed == 0);
  moved = reactor.spawn(probe<int>(second, ready_value{2}));
  CHECK(first.destroyed == 1);
  CHECK(first.polls == 0);
  CHECK(reactor.run_until_idle() == 1);
  auto r = moved.poll(joiner);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 2);
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "a wake after the task was canceled does nothing even once its slot is reused",
    "[conformance][join_handle][cancel]", conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record first_record;
  probe_record second_record;
  auto stale = std::make_shared<waker>();
  handle_slot first(reactor.spawn(scripted(first_record, keep_waker(stale))));
  CHECK(reactor.run_until_idle() == 1);
  const task_id first_id = first->get_id();
  first.reset();
  stale->wake();
  CHECK(reactor.run_until_idle() == 0);
  CHECK(first_record.polls == 1);
  CHECK(first_record.destroyed == 1);

  auto fresh = std::make_shared<waker>();
  handle_slot second(reactor.spawn(scripted(second_record, keep_waker(fresh))));
  CHECK(second->get_id().get_group() == first_id.get_group());
  CHECK(second->get_id().get_slot() == first_id.get_slot());  // the same cell
  CHECK(second->get_id() != first_id);                        // a new generation
  CHECK(reactor.run_until_idle() == 1);
  CHECK_FALSE(stale->will_wake(*fresh));
  stale->wake();
  CHECK(reactor.run_until_idle() == 0);
  CHECK(second_record.polls == 1);
  fresh->wake();
  CHECK(reactor.run_until_idle() == 1);
  CHECK(second_record.polls == 2);
}

TEST_CASE("a default-constructed join handle yields canceled once", "[conformance][join_handle]") {
  counting_task joiner;
  join_handle<int, std::string> handle;
  auto r = handle.poll(joiner);
  CHECK(is_canceled(r));
  CHECK(handle.is_finished());
  CHECK(joiner.get_live_handles() == 0);
  CHECK_THROWS_AS(handle.poll(joiner), polled_after_completion);
}

// ---------------------------------------------------------------------------------------------
// detach.

TEMPLATE_LIST_TEST_CASE("detaching a completed task destroys its result at once",
                        "[conformance][join_handle][detach]",
                        conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  lifecycle life;
  auto handle = reactor.spawn(probe<box>(record, ready_value{make_box(life, 1)}));
  CHECK(reactor.run_until_idle() == 1);
  CHECK(life.get_alive() == 1);
  handle.detach();
  CHECK(handle.is_finished());
  CHECK(life.get_alive() == 0);
  CHECK(life.constructed == 1);
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);
  CHECK(reactor.get_unobserved_exception_count() == 0);
}

TEMPLATE_LIST_TEST_CASE("detaching a task that already threw counts one unobserved exception",
                        "[conformance][join_handle][detach]",
                        conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  probe_record failing_record;
  auto thrower = reactor.spawn(scripted(
      record, [](std::size_t, const waker&) -> poll_result<int, never> { throw task_failure{1}; }));
  auto failing =
      reactor.spawn(probe<int, std::string>(failing_record, failed_value{std::string("e")}));
  CHECK(reactor.run_until_idle() == 2);
  CHECK(reactor.get_unobserved_exception_count() == 0);
  failing.detach();  // an error of its own is not an exception
  CHECK(reactor.get_unobserved_exception_count() == 0);
  thrower.detach();
  CHECK(reactor.get_unobserved_exception_count() == 1);
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);
}

// Library bug: the detached-completion path of after_poll (see the report).
TEMPLATE_LIST_TEST_CASE("a detached task runs on and its result is dropped at completion",
                        "[conformance][join_handle][detach]",
                        conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  lifecycle life;

  SECTION("detached before its first poll") {
    auto handle = reactor.spawn(probe<box>(record, ready_value{make_box(life, 1)}, 1));
    handle.detach();
    CHECK(handle.is_finished());
    CHECK(record.destroyed == 0);
    CHECK(reactor.run_until_idle() == 2);
    CHECK(record.polls == 2);
  }
  SECTION("detached inside its own poll") {
    box_slot handle;
    handle.emplace(reactor.spawn(
        scripted_box(record, [&](std::size_t n, const waker& w) -> poll_result<box, never> {
          if (n == 1) {
            handle->detach();
            w.wake();
            return pending;
          }
          return ready_value{make_box(life, 1)};
        })));
    CHECK(reactor.run_until_idle() == 2);
    CHECK(record.polls == 2);
    CHECK(handle->is_finished());
  }
  CHECK(record.destroyed == 1);
  CHECK(life.constructed == 1);
  CHECK(life.get_alive() == 0);  // dropped at completion
  CHECK(reactor.get_task_count() == 0);
  CHECK(reactor.get_unobserved_exception_count() == 0);

  // The storage is sound afterwards: two new tasks get two distinct ids and both complete.
  probe_record a_record;
  auto a = reactor.spawn(probe<int>(a_record, ready_value{1}));
  auto b = reactor.spawn(probe<int>(a_record, ready_value{2}));
  CHECK(a.get_id() != b.get_id());
  CHECK(reactor.get_task_count() == 2);
  CHECK(reactor.run_until_idle() == 2);
  counting_task joiner;
  auto ra = a.poll(joiner);
  auto rb = b.poll(joiner);
  CHECK((ra.is_ready() && ra.get_value() == 1));
  CHECK((rb.is_ready() && rb.get_value() == 2));
  CHECK(reactor.get_task_count() == 0);
}

// Library bug: the detached-completion path of after_poll (see the report).
TEMPLATE_LIST_TEST_CASE("a detached task that throws counts one unobserved exception",
                        "[conformance][join_handle][detach]",
                        conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  probe_record failing_record;
  reactor.spawn_detached(
      scripted(record, [](std::size_t n, const waker& w) -> poll_result<int, never> {
        if (n == 1) {
          w.wake();
          return pending;
        }
        throw task_failure{1};
      }));
  reactor.spawn_detached(probe<int, std::string>(failing_record, failed_value{std::string("e")}));
  CHECK(reactor.run_until_idle() == 3);
  CHECK(reactor.get_unobserved_exception_count() == 1);  // not the error
  CHECK(record.destroyed == 1);
  CHECK(failing_record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);
}

// ---------------------------------------------------------------------------------------------
// Joiners: one registration, woken once.

TEMPLATE_LIST_TEST_CASE(
    "a join handle polled repeatedly by a foreign joiner keeps one registration and "
    "wakes it once",
    "[conformance][join_handle][joiner]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record record;
  auto kept = std::make_shared<waker>();
  auto handle = reactor.spawn(
      scripted(record, [kept](std::size_t n, const waker& w) -> poll_result<int, never> {
        if (n == 1) {
          *kept = w;
          return pending;
        }
        return ready_value{11};
      }));
  for (int i = 0; i < 3; ++i) {
    CHECK(handle.poll(joiner).is_pending());
    CHECK(joiner.get_live_handles() == 1);
    (void)reactor.run_until_idle();
  }
  CHECK(record.polls == 1);
  CHECK(joiner.get_wake_count() == 0);
  kept->wake();
  CHECK(reactor.run_until_idle() == 1);
  CHECK(joiner.get_wake_count() == 1);
  CHECK(joiner.get_live_handles() == 0);
  auto r = handle.poll(joiner);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 11);
  CHECK(joiner.get_wake_count() == 1);
  CHECK(joiner.get_live_handles() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "a join handle polled by another foreign joiner moves its registration there",
    "[conformance][join_handle][joiner]", conformance::reactors<closed_policy>) {
  counting_task first;
  counting_task second;
  TestType reactor;
  probe_record record;
  auto handle = reactor.spawn(probe<int>(record, ready_value{4}, 2));
  CHECK(handle.poll(first).is_pending());
  CHECK(handle.poll(second).is_pending());
  CHECK(first.get_live_handles() == 0);
  CHECK(second.get_live_handles() == 1);
  CHECK(reactor.run_until_idle() == 3);
  CHECK(first.get_wake_count() == 0);
  CHECK(second.get_wake_count() == 1);
  CHECK(second.get_live_handles() == 0);
  auto r = handle.poll(second);
  CHECK((r.is_ready() && r.get_value() == 4));
}

TEMPLATE_LIST_TEST_CASE(
    "a join handle polled repeatedly by a task on the same reactor wakes it once",
    "[conformance][join_handle][joiner]", conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record target_record;
  probe_record joiner_record;
  auto kept = std::make_shared<waker>();
  handle_slot target(reactor.spawn(
      scripted(target_record, [kept](std::size_t n, const waker& w) -> poll_result<int, never> {
        if (n == 1) {
          *kept = w;
          return pending;
        }
        return ready_value{21};
      })));
  auto joiner = reactor.spawn(joins(target, joiner_record, 2));
  CHECK(reactor.run_until_idle() == 4);  // the target once, the joiner three times
  CHECK(joiner_record.polls == 3);
  CHECK(reactor.run_until_idle() == 0);
  kept->wake();
  CHECK(reactor.run_until_idle() == 2);  // the target completes and wakes the joiner once
  CHECK(target_record.polls == 2);
  CHECK(joiner_record.polls == 4);
  CHECK(target->is_finished());
  counting_task outside;
  auto r = joiner.poll(outside);
  CHECK((r.is_ready() && r.get_value() == 21));
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE("a join handle awaited by the root future of block_on wakes it once",
                        "[conformance][join_handle][joiner]",
                        conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record target_record;
  probe_record joiner_record;
  handle_slot target(reactor.spawn(probe<int>(target_record, ready_value{8}, 2)));
  const auto before = reactor.get_poll_count();
  auto r = reactor.block_on(joins(target, joiner_record));
  CHECK((r.is_ready() && r.get_value() == 8));
  CHECK(joiner_record.polls == 2);  // pending, then woken once by the completion
  CHECK(target_record.polls == 3);
  CHECK(reactor.get_poll_count() - before == 5);
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "a join handle moved from a foreign joiner to a local one releases the foreign "
    "registration",
    "[conformance][join_handle][joiner]", conformance::reactors<closed_policy>) {
  counting_task foreign;
  TestType reactor;
  probe_record target_record;
  probe_record joiner_record;
  auto kept = std::make_shared<waker>();
  handle_slot target(reactor.spawn(
      scripted(target_record, [kept](std::size_t n, const waker& w) -> poll_result<int, never> {
        if (n == 1) {
          *kept = w;
          return pending;
        }
        return ready_value{3};
      })));
  CHECK(target->poll(foreign).is_pending());
  CHECK(foreign.get_live_handles() == 1);
  auto joiner = reactor.spawn(joins(target, joiner_record));
  CHECK(reactor.run_until_idle() == 2);
  CHECK(foreign.get_live_handles() == 0);  // replaced by the local registration
  kept->wake();
  CHECK(reactor.run_until_idle() == 2);
  CHECK(foreign.get_wake_count() == 0);
  CHECK(joiner_record.polls == 2);
  counting_task outside;
  auto r = joiner.poll(outside);
  CHECK((r.is_ready() && r.get_value() == 3));
}

TEMPLATE_LIST_TEST_CASE("a join handle polled by a task on another reactor wakes that task",
                        "[conformance][join_handle][joiner]",
                        conformance::reactors<closed_policy>) {
  TestType home;
  TestType other;
  probe_record target_record;
  probe_record joiner_record;
  auto kept = std::make_shared<waker>();
  handle_slot target(home.spawn(
      scripted(target_record, [kept](std::size_t n, const waker& w) -> poll_result<int, never> {
        if (n == 1) {
          *kept = w;
          return pending;
        }
        return ready_value{31};
      })));
  auto joiner = other.spawn(joins(target, joiner_record, 1));
  CHECK(home.run_until_idle() == 1);
  CHECK(other.run_until_idle() == 2);  // one self-wake
  CHECK(other.run_until_idle() == 0);  // nothing wakes it before the target completes
  kept->wake();
  CHECK(other.run_until_idle() == 0);
  CHECK(home.run_until_idle() == 1);
  CHECK(other.run_until_idle() == 1);  // woken once, from the other reactor
  CHECK(joiner_record.polls == 3);
  counting_task outside;
  auto r = joiner.poll(outside);
  CHECK((r.is_ready() && r.get_value() == 31));
  CHECK(home.get_task_count() == 0);
  CHECK(other.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE("a joiner on another reactor that shuts down first cancels the joined task",
                        "[conformance][join_handle][joiner][cancel]",
                        conformance::reactors<closed_policy>) {
  TestType home;
  probe_record target_record;
  probe_record joiner_record;
  auto kept = std::make_shared<waker>();
  auto target = home.spawn(scripted(target_record, keep_waker(kept)));
  CHECK(home.run_until_idle() == 1);
  {
    TestType other;
    other.spawn_detached(joins(std::move(target), joiner_record));  // the joiner owns the handle
    CHECK(other.run_until_idle() == 1);
    CHECK(target_record.destroyed == 0);
  }
  CHECK(joiner_record.destroyed == 1);
  CHECK(target_record.destroyed == 1);  // canceled by the handle's drop, at once
  CHECK(home.get_task_count() == 0);
  kept->wake();
  CHECK(home.run_until_idle() == 0);
  CHECK(target_record.polls == 1);
}

// Regression: shutdown once dropped the joiner registrations of the tasks it destroyed without
// waking them, so a joiner on another reactor that was pending on the handle was never polled
// again (a lost wake-up).
TEMPLATE_LIST_TEST_CASE(
    "a joiner on another reactor is woken when the joined task's reactor shuts down",
    "[conformance][join_handle][joiner]", conformance::reactors<closed_policy>) {
  probe_record target_record;
  SECTION("a counting task") {
    counting_task joiner;
    handle_slot handle;
    {
      TestType home;
      handle.emplace(home.spawn(probe<int>(target_record, ready_value{1}, 5, false)));
      CHECK(home.run_until_idle() == 1);
      CHECK(handle->poll(joiner).is_pending());
    }
    CHECK(target_record.destroyed == 1);
    CHECK(joiner.get_live_handles() == 0);
    CHECK(joiner.get_wake_count() == 1);
    CHECK(is_canceled(handle->poll(joiner)));
  }
  SECTION("a task on another reactor") {
    TestType other;
    probe_record joiner_record;
    handle_slot handle;
    std::optional<join_handle<int, never>> joiner;
    {
      TestType home;
      handle.emplace(home.spawn(probe<int>(target_record, ready_value{1}, 5, false)));
      joiner.emplace(other.spawn(joins(handle, joiner_record)));
      CHECK(home.run_until_idle() == 1);
      CHECK(other.run_until_idle() == 1);
    }
    CHECK(target_record.destroyed == 1);
    CHECK(other.run_until_idle() == 1);  // woken: it sees the cancel
    CHECK(joiner_record.polls == 2);
    counting_task outside;
    auto r = joiner->poll(outside);
    CHECK((r.is_ready() && r.get_value() == -1));
  }
}

// ---------------------------------------------------------------------------------------------
// Shutdown.

TEMPLATE_LIST_TEST_CASE(
    "reactor shutdown destroys every live task's future or result once and its "
    "join handles then yield canceled",
    "[conformance][join_handle][reactor][shutdown]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  lifecycle life;
  probe_record pending_record;
  probe_record queued_record;
  probe_record done_record;
  probe_record detached_record;
  probe_record canceled_record;
  auto kept = std::make_shared<waker>();
  handle_slot pending_handle;
  handle_slot queued_handle;
  box_slot done_handle;
  {
    TestType reactor;
    pending_handle.emplace(reactor.spawn(scripted(pending_record, keep_waker(kept))));
    done_handle.emplace(reactor.spawn(probe<box>(done_record, ready_value{make_box(life, 1)})));
    reactor.spawn_detached(probe<int>(detached_record, ready_value{2}, 1, false));  // waits
    CHECK(reactor.run_until_idle() == 3);
    queued_handle.emplace(reactor.spawn(probe<int>(queued_record, ready_value{3})));
    handle_slot canceled(reactor.spawn(probe<int>(canceled_record, ready_value{4})));
    canceled.reset();  // canceled while queued: its cell waits for the ready list
    CHECK(pending_handle->poll(joiner).is_pending());
    kept->wake();  // the pending task is queued again too
    CHECK(life.get_alive() == 1);
    CHECK(pending_record.destroyed + queued_record.destroyed + done_record.destroyed +
              detached_record.destroyed ==
          1);  // only the completed task's future
  }
  CHECK(pending_record.destroyed == 1);
  CHECK(pending_record.polls == 1);
  CHECK(queued_record.destroyed == 1);
  CHECK(queued_record.polls == 0);
  CHECK(done_record.destroyed == 1);
  CHECK(detached_record.destroyed == 1);
  CHECK(detached_record.polls == 1);
  CHECK(canceled_record.destroyed == 1);
  CHECK(canceled_record.polls == 0);
  CHECK(life.constructed == 1);
  CHECK(life.get_alive() == 0);  // the result nobody took
  CHECK(joiner.get_live_handles() == 0);

  // Handles and wakers kept past the reactor.
  kept->wake();
  CHECK(is_canceled(pending_handle->poll(joiner)));
  CHECK(is_canceled(queued_handle->poll(joiner)));
  CHECK(is_canceled(done_handle->poll(joiner)));
  CHECK(pending_handle->is_finished());
  CHECK(joiner.get_live_handles() == 0);
  CHECK(life.get_alive() == 0);
}

TEMPLATE_LIST_TEST_CASE("join handles detached or dropped after their reactor shut down do nothing",
                        "[conformance][join_handle][reactor][shutdown]",
                        conformance::reactors<closed_policy>) {
  probe_record record;
  handle_slot detached;
  handle_slot dropped;
  {
    TestType reactor;
    detached.emplace(reactor.spawn(probe<int>(record, ready_value{1})));
    dropped.emplace(reactor.spawn(probe<int>(record, ready_value{2}, 1, false)));
    CHECK(reactor.run_until_idle() == 2);
  }
  CHECK(record.destroyed == 2);
  detached->detach();
  CHECK(detached->is_finished());
  dropped.reset();
  CHECK(record.destroyed == 2);
}

// ---------------------------------------------------------------------------------------------
// Allocations of joiner registrations.

// Library bug (performance): set_joiner reserves foreign_free_ one entry at a time
// (`reserve(size + 1)`), so each new foreign registration reallocates it: registering n foreign
// joiners at once costs about n allocations and O(n^2) copying instead of O(log n).
TEMPLATE_LIST_TEST_CASE("registering many foreign joiners at once allocates amortized",
                        "[conformance][join_handle][joiner][allocations]",
                        conformance::reactors<closed_policy>) {
  constexpr std::size_t n = 1024;
  counting_task joiner;
  TestType reactor;
  probe_record record;
  std::vector<join_handle<int, never>> handles;
  handles.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    handles.push_back(reactor.spawn(probe<int>(record, ready_value{1}, 1, false)));
  }
  CHECK(reactor.run_until_idle() == n);
  std::size_t pending_polls = 0;
  std::size_t allocations = 0;
  {
    allocation_counter counter;
    for (auto& h : handles) pending_polls += h.poll(joiner).is_pending() ? 1U : 0U;
    allocations = counter.get_count();
  }
  CHECK(pending_polls == n);
  CHECK(joiner.get_live_handles() == n);
  CHECK(allocations <= 32);  // the joiner table grows geometrically: about 2 log2(n)
  handles.clear();
  CHECK(joiner.get_live_handles() == 0);
  CHECK(record.destroyed == n);
}

// ---------------------------------------------------------------------------------------------
// A spawned future's item and error need only be move-constructible: the result is built in
// place (an earlier version assigned it, and an item such as test::counted did not compile).
TEMPLATE_LIST_TEST_CASE(
    "a spawned task whose item is not assignable yields it through its join handle",
    "[conformance][join_handle]", conformance::any_root_reactors) {
  counting_task joiner;
  TestType reactor;
  probe_record record;
  lifecycle life;
  auto handle = reactor.spawn(probe<counted>(record, ready_value{counted(life, 5)}));
  CHECK(reactor.run_until_idle() == 1);
  auto r = handle.poll(joiner);
  REQUIRE(r.is_ready());
  CHECK(r.get_value().get_value() == 5);
  CHECK(life.get_alive() == 1);  // the value in `r`; every copy in the cell is gone
}
