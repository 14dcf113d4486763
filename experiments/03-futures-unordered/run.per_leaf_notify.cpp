// Variant `per_leaf_notify`: futures 0.3's FuturesUnordered (a heap node per child, an intrusive
// ready-to-run queue, a per-child wake handle). The plain params use futures' current yield
// policy (`yield2_or_len`); the params with `;yield=<policy>` use the older ones.
#include "workloads.hpp"

#include <gentask/unordered/per_leaf_notify.hpp>
#include <gentask/unordered/yield_policy.hpp>

#include <string>

namespace gentask::bench::exp03 {
namespace {

template <class Policy, bool Default>
struct per_leaf_notify_variant {
  static constexpr const char* name = "per_leaf_notify";
  // A function, not a static member: registration runs during static initialisation, before
  // a template's static data member is guaranteed to be initialised.
  static std::string param_suffix() {
    return Default ? std::string() : ";yield=" + std::string(Policy::name);
  }
  template <class F>
  using set = unordered::per_leaf_notify<F, Policy>;
};

const bool registered = [] {
  register_variant<per_leaf_notify_variant<unordered::yield2_or_len, true>>();
  register_variant<per_leaf_notify_variant<unordered::every_32, false>>();
  register_variant<per_leaf_notify_variant<unordered::none, false>>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp03
