// Variant `open_map_eventfd`: `local::reactor`'s storage (`open_map_storage`) parked in a
// blocking read on an eventfd, the floor `eventfd_wake_idle`'s own wait, instead of the default
// condition variable (`local::basic_reactor<open_map_storage,
// runtime::blocking_eventfd_unparker>`). A binary of its own, run on `wake_from_idle` only
// (manifest.eventfd.json): the other workloads never park.
#include "workloads.hpp"

#include <gentask/runtime/blocking_eventfd_unparker.hpp>
#include <gentask/storage/open_group_map.hpp>

namespace gentask::bench::exp04 {
namespace {

struct open_map_eventfd_variant {
  static constexpr const char* name = "open_map_eventfd";
  using reactor = local::basic_reactor<open_map_storage, runtime::blocking_eventfd_unparker>;
};

const bool registered = [] {
  register_variant<open_map_eventfd_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp04
