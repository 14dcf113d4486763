// Variant `spawn_per_child`: the proposal: each child spawned as a task of its own
// (futures_unordered).
#include "workloads.hpp"

#include <string>

#include <gentask/unordered/spawn_per_child.hpp>

namespace gentask::bench::exp03 {
namespace {

struct spawn_per_child_variant {
  static constexpr const char* name = "spawn_per_child";
  static std::string param_suffix() { return {}; }
  template <class F>
  using set = unordered::spawn_per_child<F>;
};

const bool registered = [] {
  register_variant<spawn_per_child_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp03
