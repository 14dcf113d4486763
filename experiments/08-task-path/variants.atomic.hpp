#pragma once
/// @file
/// The variants of experiment 08 with thread-safe waking (`runtime::atomic_waking`,
/// runtime/waking.hpp: `Send` wakers, an atomic anchor count, an atomic task state word): the
/// same reactors and storage as variants.hpp with the waking policy as their third template
/// parameter. Compiled only when CMakeLists.txt lists these variants (the policy's reactor
/// parameter is in the kit).
///
///   typed_atomic          local::basic_reactor<open_map_storage, default_unparker, atomic_waking>
///   boxed_atomic          local::basic_reactor<boxed_storage, default_unparker, atomic_waking>
///   typed_atomic_drivers  tokio_style::basic_reactor<open_map_storage, one_trip, atomic_waking>

#include <gentask/reactors/local/reactor.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>
#include <gentask/runtime/waking.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/open_group_map.hpp>

namespace gentask::bench::exp08 {

struct typed_atomic_variant {
  static constexpr const char* name = "typed_atomic";
  using reactor_type =
      local::basic_reactor<open_map_storage, local::default_unparker, runtime::atomic_waking>;
};

struct boxed_atomic_variant {
  static constexpr const char* name = "boxed_atomic";
  using reactor_type =
      local::basic_reactor<boxed_storage, local::default_unparker, runtime::atomic_waking>;
};

struct typed_atomic_drivers_variant {
  static constexpr const char* name = "typed_atomic_drivers";
  using reactor_type = tokio_style::basic_reactor<open_map_storage, tokio_style::dispatch::one_trip,
                                                  runtime::atomic_waking>;
};

}  // namespace gentask::bench::exp08
