// Variant `poll_all` of experiment 06: `join_all<range_strategy::poll_all>` (workloads.hpp).
#include "workloads.hpp"

namespace gentask::bench::exp06 {
namespace {

struct variant {
  static constexpr const char* name = "poll_all";
  static constexpr range_strategy strategy = range_strategy::poll_all;
};

const bool registered = [] {
  register_variant<variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp06
