// Planted: an experiment using a file of the test suite.
#include "../../tests/support/alloc_counter.hpp"
