// Variant `open_map`: gentask's `local::reactor` (typed task groups in the open type-indexed
// map, `local::basic_reactor<open_map_storage>`), the side that the peers' rows (tokio, Asio)
// line up with. Built a second time with the owner-thread checks on, as `open_map_checked`
// (CMakeLists.txt).
#include "workloads.hpp"

#include <gentask/storage/open_group_map.hpp>

#ifndef GENTASK_EXP04_VARIANT_NAME
#define GENTASK_EXP04_VARIANT_NAME "open_map"
#endif

namespace gentask::bench::exp04 {
namespace {

struct open_map_variant {
  static constexpr const char* name = GENTASK_EXP04_VARIANT_NAME;
  using reactor = local::basic_reactor<open_map_storage>;
};

const bool registered = [] {
  register_variant<open_map_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp04
