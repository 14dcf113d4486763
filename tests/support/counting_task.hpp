#pragma once
/// @file
/// `counting_task`: a task whose wake handles count wakes and live handles (futures-test's
/// `new_count_waker`). Tests check `get_wake_count()` after a poll, and `get_live_handles()` to
/// see that a future released the handles it kept.

#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>

#include <cstddef>
#include <cstdint>

namespace gentask::test {

class counting_task {
 public:
  counting_task() = default;
  counting_task(const counting_task&) = delete;
  counting_task& operator=(const counting_task&) = delete;

  [[nodiscard]] waker get_waker() noexcept {
    ++state_.live;
    return waker::from_raw(&vtable, &state_, 0);
  }

  [[nodiscard]] std::size_t get_wake_count() const noexcept { return state_.wakes; }
  [[nodiscard]] std::size_t get_live_handles() const noexcept { return state_.live; }
  void reset_wake_count() noexcept { state_.wakes = 0; }

 private:
  struct state {
    std::size_t wakes = 0;
    std::size_t live = 0;
  };
  static constexpr waker_vtable vtable = {
      [](void* data, std::uint64_t) noexcept { ++static_cast<state*>(data)->wakes; },
      [](void* data) noexcept { ++static_cast<state*>(data)->live; },
      [](void* data) noexcept { --static_cast<state*>(data)->live; },
  };
  state state_;
};

static_assert(task<counting_task>);
static_assert(!remote_waking_task<counting_task>);

}  // namespace gentask::test
