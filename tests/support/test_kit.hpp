#pragma once
/// @file
/// The whole test kit (cf. futures-test): tasks, leaf futures, wrappers, counters.

#include "alloc_counter.hpp"
#include "counted.hpp"
#include "counting_task.hpp"
#include "interleave_pending.hpp"
#include "leaf_futures.hpp"
#include "manual_timer.hpp"
#include "noop_task.hpp"
#include "pending_once.hpp"
