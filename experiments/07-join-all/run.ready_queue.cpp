// Variant `ready_queue` of experiment 06: `join_all<range_strategy::ready_queue>` (workloads.hpp).
#include "workloads.hpp"

namespace gentask::bench::exp06 {
namespace {

struct variant {
  static constexpr const char* name = "ready_queue";
  static constexpr range_strategy strategy = range_strategy::ready_queue;
};

const bool registered = [] {
  register_variant<variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp06
