#pragma once
/// @file
/// Root futures shared by the spawn and join tests, and the closed map that declares all of
/// them, so that the same test bodies run on every storage policy of the reactor under test (as
/// tokio's rt_common runs its tests on every runtime):
///
///   TEMPLATE_LIST_TEST_CASE("...", "[spawn]", conformance::reactors<closed_policy>)
///
/// Every root type a test spawns, on the reactor or from inside a task, must be listed in
/// `closed_policy`.

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/spawn/join_handle.hpp>
#include <gentask/spawn/spawn.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/storage/open_group_map.hpp>

#include "support/counted.hpp"
#include "support/leaf_futures.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace gentask::test::spawn_tests {

/// A counted item the task storage accepts. `counted` itself is not move-assignable, and a
/// spawned future's item must be (see the note in join_handle.cpp), so results are boxed.
using box = std::unique_ptr<counted>;

inline box make_box(lifecycle& life, int value) { return std::make_unique<counted>(life, value); }

using handle_slot = std::optional<join_handle<int, never>>;

/// A root future that runs a script: each poll counts itself in the record, then returns
/// `step(n, w)`, where `n` is the poll's number (from 1) and `w` the task's waker; the step may
/// wake, keep the waker, drop or detach handles, or throw. Its destruction is counted too, and
/// runs `on_destroy` (which may spawn or drop handles) after counting.
template <class T>
class basic_scripted {
 public:
  using future_concept = future_tag;
  using item_type = T;
  using error_type = never;
  using step_fn = std::function<poll_result<T, never>(std::size_t, const waker&)>;

  basic_scripted(probe_record& record, step_fn step, std::function<void()> on_destroy = {})
      : record_(&record), step_(std::move(step)), on_destroy_(std::move(on_destroy)) {}
  basic_scripted(basic_scripted&& other) noexcept
      : record_(std::exchange(other.record_, nullptr)),
        step_(std::move(other.step_)),
        on_destroy_(std::move(other.on_destroy_)) {}
  basic_scripted(const basic_scripted&) = delete;
  basic_scripted& operator=(const basic_scripted&) = delete;
  basic_scripted& operator=(basic_scripted&&) = delete;
  ~basic_scripted() {
    if (record_ == nullptr) return;
    ++record_->destroyed;
    if (on_destroy_) on_destroy_();
  }

  template <task Task>
  poll_result<T, never> poll(Task& task) {
    ++record_->polls;
    return step_(record_->polls, task.get_waker());
  }

 private:
  probe_record* record_;
  step_fn step_;
  std::function<void()> on_destroy_;
};

using scripted = basic_scripted<int>;
using scripted_box = basic_scripted<box>;

/// A step that keeps the task's waker in `out` and stays pending.
inline scripted::step_fn keep_waker(std::shared_ptr<waker> out) {
  return [out = std::move(out)](std::size_t, const waker& w) -> poll_result<int, never> {
    *out = w;
    return pending;
  };
}

/// Joins the handle in `slot` from a task of its own: every poll polls the handle with this
/// task (so a task on the handle's own reactor takes the local joiner path, one on another
/// reactor the foreign one) and, while pending, wakes itself `self_wakes` more times in all.
/// Yields the joined value, -1 if the join was canceled, -2 for any other join error. Either
/// points at a handle kept elsewhere (`slot`) or owns one.
class joins {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  joins(handle_slot& slot, probe_record& record, std::size_t self_wakes = 0)
      : slot_(&slot), record_(&record), self_wakes_(self_wakes) {}
  /// Owns the handle: destroying this future drops it (cancelling the joined task).
  joins(join_handle<int, never> handle, probe_record& record)
      : own_(std::move(handle)), slot_(&own_), record_(&record), self_wakes_(0) {}
  joins(joins&& other) noexcept
      : own_(std::move(other.own_)),
        slot_(other.slot_ == &other.own_ ? &own_ : other.slot_),
        record_(std::exchange(other.record_, nullptr)),
        self_wakes_(other.self_wakes_) {}
  joins(const joins&) = delete;
  joins& operator=(const joins&) = delete;
  joins& operator=(joins&&) = delete;
  ~joins() {
    if (record_ != nullptr) ++record_->destroyed;
  }

  template <task Task>
  poll_result<int, never> poll(Task& task) {
    ++record_->polls;
    auto r = slot_->value().poll(task);
    if (r.is_pending()) {
      if (self_wakes_ > 0) {
        --self_wakes_;
        task.get_waker().wake();
      }
      return pending;
    }
    if (r.is_ready()) return ready_value{r.get_value()};
    return ready_value{r.get_error().is_canceled() ? -1 : -2};
  }

 private:
  handle_slot own_;
  handle_slot* slot_;
  probe_record* record_;
  std::size_t self_wakes_;
};

enum class spawn_via { free_function, member };

/// Spawns a child (`probe<int>` yielding `child_value` after one pending poll) from inside its
/// first poll, through `gentask::spawn(task, f)` or `task.spawn(f)`, keeps the child's handle and
/// joins it; yields ten times the child's value (-1 if the join failed). Needs a spawning task.
class spawner {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  spawner(probe_record& record, probe_record& child_record, spawn_via via, int child_value)
      : record_(&record), child_record_(&child_record), via_(via), child_value_(child_value) {}
  spawner(spawner&& other) noexcept
      : child_(std::move(other.child_)),
        record_(std::exchange(other.record_, nullptr)),
        child_record_(other.child_record_),
        via_(other.via_),
        child_value_(other.child_value_) {}
  spawner(const spawner&) = delete;
  spawner& operator=(const spawner&) = delete;
  spawner& operator=(spawner&&) = delete;
  ~spawner() {
    if (record_ != nullptr) ++record_->destroyed;
  }

  template <spawning_task Task>
  poll_result<int, never> poll(Task& task) {
    ++record_->polls;
    if (!child_) {
      probe<int> child(*child_record_, ready_value{child_value_}, 1);
      if (via_ == spawn_via::free_function) {
        child_.emplace(gentask::spawn(task, std::move(child)));
      } else {
        child_.emplace(task.spawn(std::move(child)));
      }
    }
    auto r = child_->poll(task);
    if (r.is_pending()) return pending;
    return ready_value{r.is_ready() ? r.get_value() * 10 : -1};
  }

 private:
  handle_slot child_;
  probe_record* record_;
  probe_record* child_record_;
  spawn_via via_;
  int child_value_;
};

/// Every root type the spawn tests spawn, for the closed map.
using closed_policy = gentask::closed_map_storage<probe<int>, probe<int, std::string>, probe<box>,
                                                  scripted, scripted_box, joins, spawner>;

/// The heap allocations one spawn of a type already seen costs, per storage policy, when
/// `live` tasks are alive at once (boxed_recycling keeps one freed block).
template <class Policy>
constexpr std::size_t allocations_per_round(std::size_t live) {
  if constexpr (std::is_same_v<Policy, gentask::boxed_storage>) {
    return live;
  } else if constexpr (std::is_same_v<Policy, gentask::boxed_recycling_storage>) {
    return live - 1;
  } else {
    return 0;
  }
}

}  // namespace gentask::test::spawn_tests
