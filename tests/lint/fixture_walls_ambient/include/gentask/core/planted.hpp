#pragma once
// Planted: the core reaching into the ambient (thread-local) baseline.
#include <gentask/ambient/current_task.hpp>
