#include "leaves.hpp"

namespace gentask::bench {
volatile int leaf_rounds = 1;
}  // namespace gentask::bench
