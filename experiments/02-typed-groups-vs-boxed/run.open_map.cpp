// Variant `open_map`: typed task groups in an open type-indexed map (any root type; the first
// spawn of a type creates its group), `basic_local_reactor<open_map>`.
#include "workloads.hpp"

#include <gentask/open_group_map.hpp>

namespace gentask::bench::exp02 {
namespace {

struct open_map_variant {
  static constexpr const char* name = "open_map";
  template <class... Fs>
  using reactor = basic_local_reactor<open_map>;
};

const bool registered = [] {
  register_variant<open_map_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp02
