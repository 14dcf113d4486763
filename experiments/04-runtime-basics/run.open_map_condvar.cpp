// Variant `open_map_condvar`: `local::reactor`'s storage (`open_map_storage`) parked on a
// condition variable on the inbox's mutex (`local::basic_reactor<open_map_storage,
// runtime::condvar_unparker>`), the local reactor's default before the futex word
// (`runtime::futex_unparker`, what `open_map` parks on now on Linux). A binary of its own, run
// on `wake_from_idle` only (manifest.condvar.json): the other workloads never park.
#include "workloads.hpp"

#include <gentask/runtime/condvar_unparker.hpp>
#include <gentask/storage/open_group_map.hpp>

namespace gentask::bench::exp04 {
namespace {

struct open_map_condvar_variant {
  static constexpr const char* name = "open_map_condvar";
  using reactor = local::basic_reactor<open_map_storage, runtime::condvar_unparker>;
};

const bool registered = [] {
  register_variant<open_map_condvar_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp04
