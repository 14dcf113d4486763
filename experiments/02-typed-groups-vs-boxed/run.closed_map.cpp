// Variant `closed_map`: typed task groups in a closed map declaring exactly the root types each
// workload spawns (`local::basic_reactor<closed_map<Fs...>>`; for remote spawns, the
// `remote_runner<F>` the reactor wraps them in).
#include "workloads.hpp"

#include <gentask/storage/closed_group_map.hpp>

namespace gentask::bench::exp02 {
namespace {

struct closed_map_variant {
  static constexpr const char* name = "closed_map";
  template <class... Fs>
  using reactor = local::basic_reactor<closed_map<Fs...>>;
};

const bool registered = [] {
  register_variant<closed_map_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp02
