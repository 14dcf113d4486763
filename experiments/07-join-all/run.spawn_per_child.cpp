// Variant `spawn_per_child` of experiment 06: `join_all<range_strategy::spawn_per_child>`
// (workloads.hpp).
#include "workloads.hpp"

namespace gentask::bench::exp06 {
namespace {

struct variant {
  static constexpr const char* name = "spawn_per_child";
  static constexpr range_strategy strategy = range_strategy::spawn_per_child;
};

const bool registered = [] {
  register_variant<variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp06
