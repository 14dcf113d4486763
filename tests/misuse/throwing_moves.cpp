// Fault: a move that throws, of a task's result or of a remotely spawned future. The guarantee:
// the task fails with that exception as its join_error, nothing else is affected (no other
// task, no other spawn of the same batch), and every destructor runs once.
// Before the fix: a result whose move threw after the future was destroyed escaped
// run_until_idle, the join saw `stalled`, and shutdown destroyed the future again (ASan: double
// free); on a remote spawn the handle never completed and the state and the inbox leaked; a
// throwing move of a remote future on the reactor thread escaped run_until_idle and canceled an
// unrelated remote spawn of the same batch.
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/futures/poll_fn.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/spawn/remote_join_handle.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

using namespace gentask;

namespace {

struct move_failure : std::runtime_error {
  move_failure() : std::runtime_error("move failed") {}
};

/// A value whose move throws while `armed` is set, or at the move `moves_left` counts down to.
struct fragile {
  static inline bool armed = false;
  static inline int moves_left = -1;  // -1: no countdown
  static inline int live = 0;
  int value = 0;
  explicit fragile(int v) : value(v) { ++live; }
  fragile(fragile&& o) : value(o.value) {
    if (armed || moves_left == 0) throw move_failure();
    if (moves_left > 0) --moves_left;
    ++live;
  }
  fragile(const fragile&) = delete;
  fragile& operator=(const fragile&) = delete;
  fragile& operator=(fragile&&) = delete;
  ~fragile() { --live; }
};

/// Ready with a `fragile` at its first poll, arming its moves on the way out (unless a countdown
/// is set): the move that stores the result in the task's cell throws.
struct fragile_result {
  using future_concept = future_tag;
  using item_type = fragile;
  using error_type = never;
  int* destroyed;
  explicit fragile_result(int* d) : destroyed(d) {}
  fragile_result(fragile_result&& o) noexcept : destroyed(std::exchange(o.destroyed, nullptr)) {}
  fragile_result(const fragile_result&) = delete;
  fragile_result& operator=(const fragile_result&) = delete;
  fragile_result& operator=(fragile_result&&) = delete;
  ~fragile_result() {
    if (destroyed != nullptr) ++*destroyed;
  }
  template <task Task>
  poll_result<fragile, never> poll(Task&) {
    poll_result<fragile, never> r = ready_value{fragile(3)};
    if (fragile::moves_left < 0) fragile::armed = true;
    return r;  // named: moved out by NRVO or not at all
  }
};

/// A future whose own move throws while `armed` is set.
struct fragile_future {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  static inline bool armed = false;
  int value;
  explicit fragile_future(int v) : value(v) {}
  fragile_future(fragile_future&& o) : value(o.value) {
    if (armed) throw move_failure();
  }
  template <task Task>
  poll_result<int, never> poll(Task&) {
    return ready_value{value};
  }
};

template <class R>
bool holds_move_failure(const R& r) {
  if (!r.is_failed() || !r.get_error().is_exception()) return false;
  try {
    r.get_error().rethrow_if_exception();
  } catch (const move_failure&) {
    return true;
  } catch (...) {
  }
  return false;
}

struct disarm {
  ~disarm() {
    fragile::armed = false;
    fragile::moves_left = -1;
    fragile_future::armed = false;
  }
};

}  // namespace

TEST_CASE("a task whose result's move throws fails with that exception, its future destroyed once",
          "[misuse][throwing_move]") {
  disarm d;
  int destroyed = 0;
  {
    local::reactor r;
    auto h = r.spawn(fragile_result(&destroyed));
    CHECK_NOTHROW(r.run_until_idle());
    fragile::armed = false;
    auto result = r.block_on(std::move(h));
    CHECK(holds_move_failure(result));
    CHECK(destroyed == 1);
    CHECK(r.get_task_count() == 0);
  }
  CHECK(destroyed == 1);  // shutdown did not destroy it again
  CHECK(fragile::live == 0);
}

TEST_CASE("a result whose move throws as the join handle takes it is taken as that exception",
          "[misuse][throwing_move]") {
  disarm d;
  local::reactor r;
  auto h = r.spawn(ready(fragile(4)));
  r.run_until_idle();  // complete: the result is in the cell
  fragile::armed = true;
  auto root = poll_fn<bool, never>([&](auto& task) -> poll_result<bool, never> {
    auto out = h.poll(task);
    fragile::armed = false;
    return ready_value{holds_move_failure(out)};
  });
  CHECK(r.block_on(std::move(root)).get_value());
  CHECK(h.is_finished());
  CHECK(r.get_task_count() == 0);
  CHECK(fragile::live == 0);  // the stored result was destroyed once
}

TEST_CASE("a remote spawn whose future's move throws on the reactor fails only its own task",
          "[misuse][throwing_move][threads]") {
  disarm d;
  local::reactor r;
  auto remote = r.get_remote_handle();
  std::optional<remote_join_handle<int, never>> bad;
  std::optional<remote_join_handle<int, never>> good;
  std::thread([&] {
    auto b = remote.spawn(fragile_future(1));  // moved into the request here, unarmed
    auto g = remote.spawn(ready(2));           // the same batch
    REQUIRE(b.is_spawned());
    REQUIRE(g.is_spawned());
    bad.emplace(std::move(b).get_handle());
    good.emplace(std::move(g).get_handle());
  }).join();
  fragile_future::armed = true;  // the reactor's move out of the request throws
  CHECK_NOTHROW(r.run_until_idle());
  fragile_future::armed = false;
  CHECK(holds_move_failure(r.block_on(std::move(*bad))));
  CHECK(r.block_on(std::move(*good)).get_value() == 2);
  CHECK(r.get_task_count() == 0);
}

TEST_CASE("a remote task whose result's move throws completes its handle with that exception",
          "[misuse][throwing_move][threads]") {
  disarm d;
  int destroyed = 0;
  local::reactor r;
  auto remote = r.get_remote_handle();
  std::optional<remote_join_handle<fragile, never>> h;
  std::thread([&] { h.emplace(remote.spawn(fragile_result(&destroyed)).get_handle()); }).join();
  CHECK_NOTHROW(r.run_until_idle());
  fragile::armed = false;
  CHECK(holds_move_failure(r.block_on(std::move(*h))));
  CHECK(destroyed == 1);
  CHECK(fragile::live == 0);
}

TEST_CASE("at every move of a task's result, a throw fails that task only, destroying all once",
          "[misuse][throwing_move][threads]") {
  disarm d;
  for (int k = 0; k < 12; ++k) {
    CAPTURE(k);
    int destroyed = 0;
    int failed = 0;
    {
      local::reactor r;
      // Local: spawned, stored, taken by the join handle, returned to the root.
      fragile::moves_left = k;
      auto h = r.spawn(fragile_result(&destroyed));
      try {
        auto out = r.block_on(std::move(h));
        if (holds_move_failure(out)) {
          ++failed;
        } else {
          CHECK(out.get_value().value == 3);
        }
      } catch (const move_failure&) {
        ++failed;  // the last move, out of the root's poll: the root's own exception
      }
      CHECK(r.get_task_count() == 0);
      // Remote: spawned from another thread, run, its result handed to the shared state.
      fragile::moves_left = -1;
      auto remote = r.get_remote_handle();
      std::optional<remote_join_handle<fragile, never>> rh;
      std::thread([&] {
        rh.emplace(remote.spawn(fragile_result(&destroyed)).get_handle());
      }).join();
      fragile::moves_left = k;
      try {
        auto out = r.block_on(std::move(*rh));
        if (holds_move_failure(out)) {
          ++failed;
        } else {
          CHECK(out.get_value().value == 3);
        }
      } catch (const move_failure&) {
        ++failed;
      }
      fragile::moves_left = -1;
      CHECK(r.get_task_count() == 0);
    }
    CHECK(destroyed == 2);      // each future once, also after shutdown
    CHECK(fragile::live == 0);  // every result destroyed
    if (k == 0) CHECK(failed == 2);
  }
}
