#pragma once
// Planted: a combinator reaching up into a futures_unordered set.
#include <gentask/unordered/poll_all.hpp>
