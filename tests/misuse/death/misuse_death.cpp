// Misuse that aborts: a single-threaded handle used on another thread, a reactor destroyed off
// its thread or inside its own poll. One program, one case per run (`misuse_death <case>`); ctest
// requires the message each case prints before it aborts (tests/misuse/CMakeLists.txt). Built
// with the owner-thread checks on (GENTASK_THREAD_CHECKS=1), whatever the build type.
#include <gentask/channels/mpsc.hpp>
#include <gentask/channels/oneshot.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/futures/join_all.hpp>
#include <gentask/futures/poll_fn.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/sync/mutex.hpp>
#include <gentask/time/sleep.hpp>
#include <gentask/unordered/per_leaf_notify.hpp>
#include <gentask/unordered/ready_id_set.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace gentask;

namespace {

/// Pending forever, keeping its waker where the case can reach it.
struct keeps_waker {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  waker* out;
  template <task Task>
  poll_result<int, never> poll(Task& task) {
    *out = task.get_waker();
    return pending;
  }
};

int join_handle_dropped_off_thread() {
  local::reactor r;
  std::optional<join_handle<int, never>> h(r.spawn(ready(1)));
  std::thread([&] { h.reset(); }).join();
  return 0;
}

int join_handle_polled_off_thread() {
  local::reactor r;
  auto h = r.spawn(keeps_waker{nullptr});
  std::thread([&] {
    local::reactor other;
    (void)other.block_on(std::move(h));
  }).join();
  return 0;
}

int waker_woken_off_thread() {
  local::reactor r;
  waker w;
  auto h = r.spawn(keeps_waker{&w});
  r.run_until_idle();
  std::thread([&] { w.wake(); }).join();
  return 0;
}

int mutex_guard_released_off_thread() {
  local::reactor r;
  async_mutex<int> m(0);
  auto guard = r.block_on(m.lock()).get_value();
  std::thread([&] { auto g = std::move(guard); }).join();
  return 0;
}

int reactor_destroyed_off_thread() {
  auto r = std::make_unique<local::reactor>();
  std::thread([&] { r.reset(); }).join();
  return 0;
}

int reactor_destroyed_in_poll() {
  auto r = std::make_unique<local::reactor>();
  auto root = poll_fn<int, never>([&](auto&) -> poll_result<int, never> {
    r.reset();
    return ready_value{0};
  });
  (void)r->block_on(std::move(root));
  return 0;
}

int oneshot_sent_off_thread() {
  local::reactor r;
  auto [tx, rx] = oneshot::channel<int>();
  auto root = poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    (void)rx.poll(task);  // pending: binds the channel to this thread
    return ready_value{0};
  });
  (void)r.block_on(std::move(root));
  std::thread([&] { (void)std::move(tx).send(1); }).join();
  return 0;
}

int mpsc_sender_copied_off_thread() {
  auto [tx, rx] = mpsc::channel<int>(4);
  (void)tx.try_send(1);  // binds the channel to this thread
  std::thread([&] {
    auto copy = tx;
    (void)copy;
  }).join();
  return 0;
}

int join_all_child_waker_woken_off_thread() {
  local::reactor r;
  std::vector<waker> wakers(20);
  std::vector<keeps_waker> children;
  for (auto& w : wakers) children.push_back(keeps_waker{&w});
  auto set = join_all(std::move(children));  // 20 > poll_all_limit: a ready queue
  auto root = poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    (void)set.poll(task);  // each child keeps its own waker (the ready list's)
    return ready_value{0};
  });
  (void)r.block_on(std::move(root));
  std::thread([&] { wakers[3].wake(); }).join();
  return 0;
}

/// A baseline set's child waker (per_leaf_notify's node, ready_id_set's stack) woken on another
/// thread while the set lives.
template <class Set>
int baseline_child_waker_woken_off_thread() {
  local::reactor r;
  waker kept;
  Set set;
  set.push(keeps_waker{&kept});
  auto root = poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    (void)set.poll_next(task);  // the child keeps the set's waker for it
    return ready_value{0};
  });
  (void)r.block_on(std::move(root));
  std::thread([&] { kept.wake(); }).join();
  return 0;
}

int sleep_dropped_off_thread() {
  local::reactor r;
  auto sleeping = std::make_unique<sleep_future>(sleep_for(std::chrono::hours(1)));
  auto root = poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    (void)sleeping->poll(task);  // registered on r's timer queue
    return ready_value{0};
  });
  (void)r.block_on(std::move(root));
  // Its waker, then its registration: whichever is released first aborts.
  std::thread([&] { sleeping.reset(); }).join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string which = argc > 1 ? argv[1] : "";
  if (which == "join_handle_dropped_off_thread") return join_handle_dropped_off_thread();
  if (which == "join_handle_polled_off_thread") return join_handle_polled_off_thread();
  if (which == "waker_woken_off_thread") return waker_woken_off_thread();
  if (which == "mutex_guard_released_off_thread") return mutex_guard_released_off_thread();
  if (which == "reactor_destroyed_off_thread") return reactor_destroyed_off_thread();
  if (which == "reactor_destroyed_in_poll") return reactor_destroyed_in_poll();
  if (which == "oneshot_sent_off_thread") return oneshot_sent_off_thread();
  if (which == "mpsc_sender_copied_off_thread") return mpsc_sender_copied_off_thread();
  if (which == "join_all_child_waker_woken_off_thread") {
    return join_all_child_waker_woken_off_thread();
  }
  if (which == "sleep_dropped_off_thread") return sleep_dropped_off_thread();
  if (which == "per_leaf_notify_child_waker_woken_off_thread") {
    return baseline_child_waker_woken_off_thread<unordered::per_leaf_notify<keeps_waker>>();
  }
  if (which == "ready_id_set_child_waker_woken_off_thread") {
    return baseline_child_waker_woken_off_thread<unordered::ready_id_set<keeps_waker>>();
  }
  std::fprintf(stderr, "misuse_death: unknown case '%s'\n", which.c_str());
  return 2;
}
