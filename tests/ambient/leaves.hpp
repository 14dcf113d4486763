#pragma once
// Test leaves of the ambient design (tests/ambient/ and tests/reactors/ambient/).
#include <gentask/ambient/current_task.hpp>
#include <gentask/ambient/future.hpp>
#include <gentask/core/poll_result.hpp>

#include <string>

namespace gentask::test::ambient_leaves {

/// Pending `rounds` times (each time waking the current task at once), then ready with `value`.
struct yield_leaf {
  using future_concept = gentask::ambient::ambient_future_tag;
  using item_type = int;
  using error_type = std::string;
  int value = 0;
  int rounds = 1;
  int* polls = nullptr;
  gentask::poll_result<int, std::string> poll() {
    if (polls != nullptr) ++*polls;
    if (rounds-- <= 0) return gentask::ready_value{value};
    gentask::ambient::current_task().wake();
    return gentask::pending;
  }
};

/// Failed with `message` at the first poll.
struct failing_leaf {
  using future_concept = gentask::ambient::ambient_future_tag;
  using item_type = int;
  using error_type = std::string;
  std::string message;
  gentask::poll_result<int, std::string> poll() { return gentask::failed_value{message}; }
};

/// Pending forever, and forgets to register: never asks for its task (the failure mode the essay
/// names: a leaf that forgets to register).
struct forgetful_leaf {
  using future_concept = gentask::ambient::ambient_future_tag;
  using item_type = int;
  using error_type = std::string;
  gentask::poll_result<int, std::string> poll() { return gentask::pending; }
};

}  // namespace gentask::test::ambient_leaves
