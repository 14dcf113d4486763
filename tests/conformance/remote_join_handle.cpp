// Conformance (every reactor, on the policies that accept any root type; see conformance.hpp).
// remote_join_handle<T, E>: the join handle of a remote spawn, a future pollable only on a
// remote_waking_task, which may be polled and dropped on any thread; dropping it cancels the
// task on the reactor's thread; a task destroyed by shutdown yields canceled. Single-threaded
// here unless tagged [threads]: a remote spawn from the reactor's own thread takes the same path
// (the inbox), so the order of events is deterministic. tests/stress/remote_spawn.cpp has the
// cross-thread stress cases.
#include <gentask/spawn/remote_join_handle.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/spawn/join_error.hpp>
#include <gentask/storage/open_group_map.hpp>

#include "conformance/conformance.hpp"
#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"
#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

using namespace gentask;
using namespace gentask::test;
namespace arch = gentask::archetypes;

namespace {

/// A remote-waking task whose handles count wakes and live handles atomically, and remember
/// whether every wake came from `waker_thread`.
class remote_counting_task {
 public:
  remote_counting_task() = default;
  remote_counting_task(const remote_counting_task&) = delete;
  remote_counting_task& operator=(const remote_counting_task&) = delete;

  [[nodiscard]] waker get_waker() noexcept { return get_remote_waker(); }
  [[nodiscard]] remote_waker get_remote_waker() noexcept {
    state_.live.fetch_add(1);
    return remote_waker::from_raw(&vtable, &state_, 0);
  }

  void expect_wakes_from(std::thread::id id) noexcept { state_.waker_thread = id; }
  [[nodiscard]] std::size_t get_wake_count() const noexcept { return state_.wakes.load(); }
  [[nodiscard]] std::size_t get_live_handles() const noexcept { return state_.live.load(); }
  [[nodiscard]] std::size_t get_wakes_elsewhere() const noexcept { return state_.elsewhere.load(); }

 private:
  struct state {
    std::atomic<std::size_t> wakes{0};
    std::atomic<std::size_t> live{0};
    std::atomic<std::size_t> elsewhere{0};
    std::thread::id waker_thread = std::this_thread::get_id();
  };
  static constexpr waker_vtable vtable = {
      [](void* data, std::uint64_t) noexcept {
        auto* s = static_cast<state*>(data);
        if (std::this_thread::get_id() != s->waker_thread) s->elsewhere.fetch_add(1);
        s->wakes.fetch_add(1);
      },
      [](void* data) noexcept { static_cast<state*>(data)->live.fetch_add(1); },
      [](void* data) noexcept { static_cast<state*>(data)->live.fetch_sub(1); },
  };
  state state_;
};

static_assert(remote_waking_task<remote_counting_task>);

using box = std::unique_ptr<counted>;

/// Thrown from a task's poll (not a std::exception: only the original object gets through).
struct task_failure {
  int code;
};
struct throws_at_first_poll {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  template <task Task>
  poll_result<int, never> poll(Task& /*task*/) {
    throw task_failure{23};
  }
};

/// Pending until polled `n` times, never waking itself: the task just sits on the reactor.
probe<int> parked(probe_record& record) { return {record, ready_value{1}, 1000, false}; }

}  // namespace

TEST_CASE("remote_join_handle is a move-only future pollable only on remote-waking tasks",
          "[conformance][remote_join_handle]") {
  using handle = remote_join_handle<std::string, int>;
  STATIC_REQUIRE(future<handle>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<handle>, std::string>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<handle>, join_error<int>>);
  // clang-format off
  STATIC_REQUIRE( pollable<handle, arch::remote_waking_task>);
  STATIC_REQUIRE( pollable<handle, arch::full_task>);
  STATIC_REQUIRE( pollable<handle, noop_task>);
  STATIC_REQUIRE( pollable<handle, remote_counting_task>);
  STATIC_REQUIRE( pollable<handle, conformance::reactor_under_test<open_map_storage>::task_type>);
  STATIC_REQUIRE(!pollable<handle, arch::task>);
  STATIC_REQUIRE(!pollable<handle, arch::spawning_task>);
  STATIC_REQUIRE(!pollable<handle, arch::task_with<without(capability::all, capability::remote_wake)>>);
  STATIC_REQUIRE(!pollable<handle, counting_task>);
  // clang-format on
  STATIC_REQUIRE(!std::is_copy_constructible_v<handle>);
  STATIC_REQUIRE(!std::is_copy_assignable_v<handle>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<handle>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<handle>);
  STATIC_REQUIRE(std::is_same_v<remote_spawn_result<yield_now<std::string>>::handle_type,
                                remote_join_handle<std::string, never>>);
}

TEMPLATE_LIST_TEST_CASE(
    "a remote join handle waits with the joiner's remote waker and completion wakes it once",
    "[conformance][remote_join_handle]", conformance::any_root_reactors) {
  remote_counting_task joiner;
  TestType reactor;
  auto remote = reactor.get_remote_handle();
  auto handle = remote.spawn(yield_now(5)).get_handle();
  CHECK_FALSE(handle.is_finished());
  CHECK(handle.poll(joiner).is_pending());  // the request is still in the inbox
  CHECK(joiner.get_live_handles() == 1);    // the joiner's handle is kept
  CHECK(joiner.get_wake_count() == 0);

  reactor.run_until_idle();
  CHECK(reactor.get_task_count() == 0);
  CHECK(joiner.get_wake_count() == 1);
  CHECK(joiner.get_live_handles() == 0);  // released once used

  auto r = handle.poll(joiner);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 5);
  CHECK(handle.is_finished());
  CHECK(joiner.get_wake_count() == 1);
  CHECK_THROWS_AS(handle.poll(joiner), polled_after_completion);
}

TEMPLATE_LIST_TEST_CASE(
    "repeated polls keep one joiner handle, and a poll by another task replaces it",
    "[conformance][remote_join_handle]", conformance::any_root_reactors) {
  remote_counting_task first;
  remote_counting_task second;
  TestType reactor;
  auto handle = reactor.get_remote_handle().spawn(yield_now(1)).get_handle();
  for (int i = 0; i < 3; ++i) CHECK(handle.poll(first).is_pending());
  CHECK(first.get_live_handles() == 1);
  CHECK(handle.poll(second).is_pending());  // moved to another task
  CHECK(first.get_live_handles() == 0);
  CHECK(second.get_live_handles() == 1);
  reactor.run_until_idle();
  CHECK(first.get_wake_count() == 0);  // only the latest joiner is woken
  CHECK(second.get_wake_count() == 1);
  CHECK(handle.poll(second).get_value() == 1);
}

TEMPLATE_LIST_TEST_CASE(
    "a remote join handle yields the task's error, or the exception that escaped it",
    "[conformance][remote_join_handle]", conformance::any_root_reactors) {
  noop_task joiner;
  TestType reactor;
  auto remote = reactor.get_remote_handle();
  auto failing = remote.spawn(failed<int>(std::string("bad"))).get_handle();
  auto throwing = remote.spawn(throws_at_first_poll{}).get_handle();
  reactor.run_until_idle();
  CHECK(reactor.get_unobserved_exception_count() == 0);  // the exception is the handle's

  auto f = failing.poll(joiner);
  REQUIRE(f.is_failed());
  REQUIRE(f.get_error().is_error());
  CHECK(f.get_error().get_error() == "bad");

  auto t = throwing.poll(joiner);
  REQUIRE(t.is_failed());
  REQUIRE(t.get_error().is_exception());
  try {
    t.get_error().rethrow_if_exception();
    FAIL("nothing rethrown");
  } catch (const task_failure& e) {
    CHECK(e.code == 23);
  }
}

TEMPLATE_LIST_TEST_CASE(
    "a remote join handle dropped before its request is taken: the future is never polled "
    "and is destroyed by the reactor",
    "[conformance][remote_join_handle]", conformance::any_root_reactors) {
  probe_record record;
  TestType reactor;
  {
    auto handle =
        reactor.get_remote_handle().spawn(probe<int>(record, ready_value{1})).get_handle();
  }  // dropped here: the future waits in the inbox, it is not destroyed by the dropping side
  CHECK(record.destroyed == 0);
  reactor.run_until_idle();
  CHECK(record.polls == 0);
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "a remote join handle dropped while its task is pending cancels it at the reactor's "
    "next turn",
    "[conformance][remote_join_handle]", conformance::any_root_reactors) {
  probe_record record;
  TestType reactor;
  std::optional<remote_join_handle<int, never>> handle(
      reactor.get_remote_handle().spawn(parked(record)).get_handle());
  reactor.run_until_idle();
  CHECK(record.polls == 1);
  CHECK(reactor.get_task_count() == 1);
  handle.reset();
  CHECK(record.destroyed == 0);  // a request, not a destruction on the dropping side
  reactor.run_until_idle();
  CHECK(record.destroyed == 1);
  CHECK(record.polls == 1);
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "a remote join handle dropped after completion destroys the result it did not take",
    "[conformance][remote_join_handle]", conformance::any_root_reactors) {
  lifecycle life;
  probe_record record;
  TestType reactor;
  std::optional<remote_join_handle<box, never>> handle(
      reactor.get_remote_handle()
          .spawn(probe<box>(record, ready_value{std::make_unique<counted>(life, 4)}))
          .get_handle());
  reactor.run_until_idle();
  CHECK(record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);
  CHECK(life.get_alive() == 1);  // the result waits in the shared state
  handle.reset();
  CHECK(life.get_alive() == 0);
  reactor.run_until_idle();  // no cancel request is left behind to act on
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "move-assigning a remote join handle cancels the task of the handle it replaces",
    "[conformance][remote_join_handle]", conformance::any_root_reactors) {
  noop_task joiner;
  probe_record parked_record;
  TestType reactor;
  auto remote = reactor.get_remote_handle();
  auto target = remote.spawn(parked(parked_record)).get_handle();
  auto source = remote.spawn(yield_now(8)).get_handle();
  CHECK(reactor.run_until_idle() >= 2);
  CHECK(parked_record.polls == 1);
  target = std::move(source);
  CHECK(source.is_finished());  // NOLINT(bugprone-use-after-move): a moved-from handle is empty
  CHECK_FALSE(target.is_finished());
  reactor.run_until_idle();
  CHECK(parked_record.destroyed == 1);
  CHECK(reactor.get_task_count() == 0);
  auto r = target.poll(joiner);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 8);
}

TEMPLATE_LIST_TEST_CASE("a remote join handle waiting at shutdown is woken and yields canceled",
                        "[conformance][remote_join_handle]", conformance::any_root_reactors) {
  remote_counting_task joiner;
  probe_record running_record;
  probe_record queued_record;
  std::optional<remote_join_handle<int, never>> running;
  std::optional<remote_join_handle<int, never>> queued;
  {
    TestType reactor;
    auto remote = reactor.get_remote_handle();
    running.emplace(remote.spawn(parked(running_record)).get_handle());
    reactor.run_until_idle();  // running: a task on the reactor
    queued.emplace(remote.spawn(parked(queued_record)).get_handle());  // queued: still a request
    CHECK(running->poll(joiner).is_pending());
    CHECK(queued->poll(joiner).is_pending());
    CHECK(joiner.get_wake_count() == 0);
  }
  CHECK(running_record.destroyed == 1);
  CHECK(queued_record.destroyed == 1);
  CHECK(queued_record.polls == 0);
  CHECK(joiner.get_wake_count() == 2);  // each waiting joiner learns of it
  CHECK(joiner.get_live_handles() == 0);
  for (auto* h : {&running, &queued}) {
    auto r = (*h)->poll(joiner);
    REQUIRE(r.is_failed());
    CHECK(r.get_error().is_canceled());
    CHECK((*h)->is_finished());
  }
}

TEMPLATE_LIST_TEST_CASE(
    "a remote spawn refused after shutdown gives back the same future, unpolled",
    "[conformance][remote_join_handle]", conformance::any_root_reactors) {
  noop_task task;
  probe_record record;
  std::optional<typename TestType::remote_handle> remote;
  {
    TestType reactor;
    remote.emplace(reactor.get_remote_handle());
  }
  auto r = remote->spawn(probe<int>(record, ready_value{6}, 1));
  REQUIRE_FALSE(r.is_spawned());
  auto back = std::move(r).take_future();
  CHECK(record.polls == 0);
  CHECK(record.destroyed == 0);  // moved out, not destroyed
  CHECK(back.poll(task).is_pending());
  CHECK(back.poll(task).get_value() == 6);
  CHECK(record.polls == 2);  // the original's state: its pending poll count went on
}

TEMPLATE_LIST_TEST_CASE(
    "a joiner on another thread is woken from the reactor's thread and takes the result there",
    "[conformance][remote_join_handle][threads]", conformance::any_root_reactors) {
  using namespace std::chrono_literals;
  TestType reactor;
  remote_counting_task joiner;
  joiner.expect_wakes_from(std::this_thread::get_id());  // the reactor's thread
  auto remote = reactor.get_remote_handle();
  std::atomic<bool> first_poll_done{false};
  std::atomic<bool> pending_first{false};
  std::atomic<int> value{0};
  std::atomic<bool> timed_out{false};
  std::thread other([&] {
    auto handle = remote.spawn(yield_now(31)).get_handle();
    pending_first.store(handle.poll(joiner).is_pending());
    first_poll_done.store(true);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (joiner.get_wake_count() == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        timed_out.store(true);
        return;  // the handle is dropped here, on this thread
      }
      std::this_thread::sleep_for(50us);
    }
    auto r = handle.poll(joiner);
    if (r.is_ready()) value.store(r.get_value());
  });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!first_poll_done.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50us);
  }
  while (joiner.get_wake_count() == 0 && std::chrono::steady_clock::now() < deadline) {
    reactor.run_until_idle();
    std::this_thread::sleep_for(50us);
  }
  other.join();
  reactor.run_until_idle();
  CHECK_FALSE(timed_out.load());
  CHECK(pending_first.load());
  CHECK(value.load() == 31);
  CHECK(joiner.get_wake_count() == 1);
  CHECK(joiner.get_wakes_elsewhere() == 0);
  CHECK(reactor.get_task_count() == 0);
}
