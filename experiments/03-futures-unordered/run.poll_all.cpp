// Variant `poll_all`: the naive set: every child polled on each wake.
#include "workloads.hpp"

#include <string>

#include <gentask/unordered/poll_all.hpp>

namespace gentask::bench::exp03 {
namespace {

struct poll_all_variant {
  static constexpr const char* name = "poll_all";
  static std::string param_suffix() { return {}; }
  template <class F>
  using set = unordered::poll_all<F>;
};

const bool registered = [] {
  register_variant<poll_all_variant>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp03
