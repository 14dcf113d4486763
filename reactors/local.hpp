#pragma once
/// @file
/// The library and the local reactor: `<gentask/gentask.hpp>` and `gentask::local`.

#include <gentask/gentask.hpp>
#include <gentask/reactors/local/reactor.hpp>
