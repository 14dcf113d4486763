#pragma once
/// @file
/// The four storage variants of experiment 02: policies of the same reactor
/// (`local::basic_reactor<Policy>`) running the same workloads (workloads.hpp). Each names itself
/// (`name`, the summary's variant column) and maps the root future types a workload spawns to its
/// reactor (`reactor<Fs...>`).

#include "workloads.hpp"

#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/storage/open_group_map.hpp>

namespace gentask::bench::exp02 {

/// `open_map`: typed task groups in an open type-indexed map (any root type; the first spawn of a
/// type creates its group), `local::reactor`'s default.
struct open_map_variant {
  static constexpr const char* name = "open_map";
  template <class... Fs>
  using reactor = local::basic_reactor<open_map_storage>;
};

/// `closed_map`: typed task groups in a closed map declaring exactly the root types each workload
/// spawns (for remote spawns, the `remote_runner<F>` the reactor wraps them in).
struct closed_map_variant {
  static constexpr const char* name = "closed_map";
  template <class... Fs>
  using reactor = local::basic_reactor<closed_map_storage<Fs...>>;
};

/// `boxed`, the baseline: one heap block per task (header and payload, the way tokio keeps a task
/// in one `Box<Cell>`), from plain `operator new`, freed when the task ends.
struct boxed_variant {
  static constexpr const char* name = "boxed";
  template <class... Fs>
  using reactor = local::basic_reactor<boxed_storage>;
};

/// `boxed_recycling`: `boxed` with Boost 1.74 Asio's one-block recycling cache in front of
/// `operator new` (one cached block per reactor).
struct boxed_recycling_variant {
  static constexpr const char* name = "boxed_recycling";
  template <class... Fs>
  using reactor = local::basic_reactor<boxed_recycling_storage>;
};

}  // namespace gentask::bench::exp02
