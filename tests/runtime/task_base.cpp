#include <gentask/runtime/task_base.hpp>

#include <gentask/storage/open_group_map.hpp>

#include <gentask/core/budget.hpp>
#include <gentask/futures/ready.hpp>

#include "runtime/bare_reactor.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace gentask;
using namespace gentask::test;

namespace {

/// Records what each capability gives inside one poll.
struct use_capabilities {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::shared_ptr<waker> local;
  std::shared_ptr<remote_waker> remote;
  std::shared_ptr<task_id> id;
  template <class Task>
  poll_result<int, never> poll(Task& task) {
    *local = task.get_waker();
    *remote = task.get_remote_waker();
    *id = task.get_id();
    auto child = task.spawn(ready(5));
    child.detach();
    return ready_value{task.consume_budget() ? 1 : 0};
  }
};

}  // namespace

TEST_CASE("task_base gives every capability of the kit and nothing else",
          "[runtime][task_base][concepts]") {
  using base = runtime::task_base<bare_scheduler<open_map_storage>>;
  STATIC_REQUIRE(task<base>);
  STATIC_REQUIRE(remote_waking_task<base>);
  STATIC_REQUIRE(spawning_task<base>);
  STATIC_REQUIRE(budgeted_task<base>);
  STATIC_REQUIRE_FALSE(timer_task<base>);
  STATIC_REQUIRE_FALSE(io_task<base>);
  STATIC_REQUIRE_FALSE(ui_task<base>);
  STATIC_REQUIRE(sizeof(base) == 2 * sizeof(void*));
}

TEST_CASE("a task's handles name that task, and its spawn goes to its scheduler",
          "[runtime][task_base]") {
  bare_scheduler<open_map_storage> s("bare");
  auto local = std::make_shared<waker>();
  auto remote = std::make_shared<remote_waker>();
  auto id = std::make_shared<task_id>();
  auto h = s.spawn(use_capabilities{local, remote, id});
  CHECK(s.run_batch() == 1);
  CHECK(*id == h.get_id());
  CHECK(local->get_token() == h.get_id().get_token());
  CHECK(remote->get_token() == h.get_id().get_token());
  CHECK(s.get_task_count() == 2);  // the task, complete, and the child it spawned
  CHECK(s.run_batch() == 1);       // the child
  counting_task joiner;
  CHECK(h.poll(joiner).get_value() == 1);
  CHECK(s.get_task_count() == 0);
}
