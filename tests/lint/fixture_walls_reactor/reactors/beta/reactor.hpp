#pragma once
#include <gentask/reactors/beta/reactor.hpp>
