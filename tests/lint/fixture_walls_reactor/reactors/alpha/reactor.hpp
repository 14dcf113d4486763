#pragma once
// Planted: one reactor including another.
#include <gentask/core/task.hpp>
#include <gentask/reactors/alpha/parts.hpp>
#include <gentask/reactors/beta/reactor.hpp>
