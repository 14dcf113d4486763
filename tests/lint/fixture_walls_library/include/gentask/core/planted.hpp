#pragma once
// Planted: the library reaching into a reactor (include_walls.cmake must reject it).
#include <gentask/reactors/local/reactor.hpp>
