#pragma once
/// @file
/// The whole library without a reactor: every public header, by role (core concepts and types,
/// futures, time, spawning, storage, the reactor kit, streams, channels, sync,
/// futures_unordered and its baselines). A reactor comes with its own umbrella, e.g.
/// `<gentask/reactors/local.hpp>`. Including single headers compiles faster.

#include <gentask/core/budget.hpp>
#include <gentask/core/child_task.hpp>
#include <gentask/core/diagnostics.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/io_driver.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>

#include <gentask/futures/and_then.hpp>
#include <gentask/futures/boxed.hpp>
#include <gentask/futures/chain.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/fuse.hpp>
#include <gentask/futures/join.hpp>
#include <gentask/futures/lazy.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/futures/map_err.hpp>
#include <gentask/futures/or_else.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/futures/select.hpp>
#include <gentask/futures/then.hpp>
#include <gentask/futures/with_ui_state.hpp>

#include <gentask/time/interval.hpp>
#include <gentask/time/sleep.hpp>
#include <gentask/time/timeout.hpp>
#include <gentask/time/timer_heap.hpp>
#include <gentask/time/timer_map.hpp>
#include <gentask/time/timer_queue.hpp>

#include <gentask/spawn/join_error.hpp>
#include <gentask/spawn/join_handle.hpp>
#include <gentask/spawn/remote_join_handle.hpp>
#include <gentask/spawn/spawn.hpp>

#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/storage/open_group_map.hpp>
#include <gentask/storage/task_cell.hpp>
#include <gentask/storage/task_group.hpp>
#include <gentask/storage/task_id.hpp>

#include <gentask/runtime/blocking_eventfd_unparker.hpp>
#include <gentask/runtime/condvar_unparker.hpp>
#include <gentask/runtime/futex_unparker.hpp>
#include <gentask/runtime/reactor.hpp>
#include <gentask/runtime/remote_handle.hpp>
#include <gentask/runtime/remote_inbox.hpp>
#include <gentask/runtime/root_session.hpp>
#include <gentask/runtime/scheduler.hpp>
#include <gentask/runtime/stalled.hpp>
#include <gentask/runtime/task_base.hpp>
#include <gentask/runtime/task_store.hpp>
#include <gentask/runtime/unparker.hpp>
#include <gentask/runtime/waking.hpp>

#include <gentask/streams/and_then.hpp>
#include <gentask/streams/collect.hpp>
#include <gentask/streams/filter.hpp>
#include <gentask/streams/fold.hpp>
#include <gentask/streams/for_each.hpp>
#include <gentask/streams/into_future.hpp>
#include <gentask/streams/iter.hpp>
#include <gentask/streams/map.hpp>
#include <gentask/streams/take.hpp>

#include <gentask/channels/mpsc.hpp>
#include <gentask/channels/oneshot.hpp>

#include <gentask/sync/mutex.hpp>
#include <gentask/sync/semaphore.hpp>

#include <gentask/unordered/per_leaf_notify.hpp>
#include <gentask/unordered/poll_all.hpp>
#include <gentask/unordered/ready_id_set.hpp>
#include <gentask/unordered/spawn_per_child.hpp>
#include <gentask/unordered/yield_policy.hpp>
