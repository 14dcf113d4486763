// Variant `boxed`, the baseline: one heap block per task (header and payload, the way tokio keeps
// a task in one `Box<Cell>`), from plain `operator new`, freed when the task ends.
#include "workloads.hpp"

#include <gentask/storage/boxed_task_store.hpp>

namespace gentask::bench::exp02 {
namespace {

struct boxed_variant {
  static constexpr const char* name = "boxed";
  template <class... Fs>
  using reactor = local::basic_reactor<boxed_storage>;
};

const bool registered = [] {
  register_variant<boxed_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp02
