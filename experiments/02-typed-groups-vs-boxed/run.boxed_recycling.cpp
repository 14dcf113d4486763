// Variant `boxed_recycling`: `boxed` with Boost 1.74 Asio's one-block recycling cache in front of
// `operator new` (one cached block per reactor).
#include "workloads.hpp"

#include <gentask/storage/boxed_task_store.hpp>

namespace gentask::bench::exp02 {
namespace {

struct boxed_recycling_variant {
  static constexpr const char* name = "boxed_recycling";
  template <class... Fs>
  using reactor = local::basic_reactor<boxed_recycling_storage>;
};

const bool registered = [] {
  register_variant<boxed_recycling_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp02
