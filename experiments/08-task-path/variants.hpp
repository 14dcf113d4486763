#pragma once
/// @file
/// The variants of experiment 08 with local (same-thread) waking: the reactor each runs the
/// shared workloads on (`reactor_type`) and its name (the summary's variant column). The
/// thread-safe waking variants are in variants.atomic.hpp.
///
///   typed_local          local::basic_reactor<open_map_storage>: `local::reactor`, gentask's
///                        default (the code of 02's and 04's `open_map`, 03's `spawn_per_child`)
///   boxed_local          local::basic_reactor<boxed_storage>: one heap block per task
///   typed_local_drivers  tokio_style::basic_reactor<open_map_storage>: the same storage on the
///                        tokio-style reactor, which polls its epoll driver (every 61 task polls
///                        while tasks stay ready, as tokio's current_thread does) and runs
///                        tokio's cooperative budget (128)

#include <gentask/reactors/local/reactor.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/open_group_map.hpp>

namespace gentask::bench::exp08 {

struct typed_local_variant {
  static constexpr const char* name = "typed_local";
  using reactor_type = local::basic_reactor<open_map_storage>;
};

struct boxed_local_variant {
  static constexpr const char* name = "boxed_local";
  using reactor_type = local::basic_reactor<boxed_storage>;
};

struct typed_local_drivers_variant {
  static constexpr const char* name = "typed_local_drivers";
  using reactor_type = tokio_style::basic_reactor<open_map_storage>;
};

}  // namespace gentask::bench::exp08
