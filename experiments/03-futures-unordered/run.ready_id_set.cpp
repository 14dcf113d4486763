// Variant `ready_id_set`: futures 0.1.13: a shared stack of ready ids, a node allocated per
// notification.
#include "workloads.hpp"

#include <string>

#include <gentask/unordered/ready_id_set.hpp>

namespace gentask::bench::exp03 {
namespace {

struct ready_id_set_variant {
  static constexpr const char* name = "ready_id_set";
  static std::string param_suffix() { return {}; }
  template <class F>
  using set = unordered::ready_id_set<F>;
};

const bool registered = [] {
  register_variant<ready_id_set_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp03
