// Variant `open_map`: typed task groups in an open type-indexed map (any root type; the first
// spawn of a type creates its group), `local::basic_reactor<open_map>`.
#include "workloads.hpp"

#include <gentask/storage/open_group_map.hpp>

namespace gentask::bench::exp02 {
namespace {

struct open_map_variant {
  static constexpr const char* name = "open_map";
  template <class... Fs>
  using reactor = local::basic_reactor<open_map>;
};

const bool registered = [] {
  register_variant<open_map_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp02
