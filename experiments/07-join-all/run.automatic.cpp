// Variant `automatic` of experiment 06: `join_all<range_strategy::automatic>` (workloads.hpp).
#include "workloads.hpp"

namespace gentask::bench::exp06 {
namespace {

struct variant {
  static constexpr const char* name = "automatic";
  static constexpr range_strategy strategy = range_strategy::automatic;
};

const bool registered = [] {
  register_variant<variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp06
