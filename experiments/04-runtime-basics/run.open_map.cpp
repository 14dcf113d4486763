// Variant `open_map`: gentask's `local::reactor` (typed task groups in the open type-indexed
// map, `local::basic_reactor<open_map_storage>`), the side that the peers' rows (tokio, Asio)
// line up with.
#include "workloads.hpp"

#include <gentask/storage/open_group_map.hpp>

namespace gentask::bench::exp04 {
namespace {

struct open_map_variant {
  static constexpr const char* name = "open_map";
  using reactor = local::basic_reactor<open_map_storage>;
};

const bool registered = [] {
  register_variant<open_map_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp04
