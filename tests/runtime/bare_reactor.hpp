#pragma once
/// @file
/// The smallest reactor the kit allows, for the kit's own tests: a scheduler whose task adds
/// nothing, driven by hand (`run_batch`, `drain_remote`), never parking.

#include <gentask/runtime/condvar_unparker.hpp>
#include <gentask/runtime/scheduler.hpp>
#include <gentask/runtime/task_base.hpp>

namespace gentask::test {

template <class StoragePolicy>
class bare_task;

template <class StoragePolicy>
using bare_scheduler =
    runtime::scheduler<bare_task<StoragePolicy>, StoragePolicy, runtime::condvar_unparker>;

template <class StoragePolicy>
class bare_task : public runtime::task_base<bare_scheduler<StoragePolicy>> {
 public:
  using runtime::task_base<bare_scheduler<StoragePolicy>>::task_base;
};

}  // namespace gentask::test
