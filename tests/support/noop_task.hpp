#pragma once
/// @file
/// `noop_task`: a task whose wake handles do nothing (futures-test's `noop_context`).

#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>

namespace gentask::test {

class noop_task {
 public:
  [[nodiscard]] waker get_waker() const noexcept { return {}; }
  [[nodiscard]] remote_waker get_remote_waker() const noexcept { return {}; }
};

static_assert(remote_waking_task<noop_task>);

}  // namespace gentask::test
