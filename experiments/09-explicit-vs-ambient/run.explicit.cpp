// Variant `explicit`: gentask's design: the task passed to `poll`, on `local::reactor` (the same
// trees as experiment 01's `combinators`).
#include "workloads.hpp"

#include <gentask/futures/and_then.hpp>
#include <gentask/futures/join.hpp>
#include <gentask/futures/map.hpp>

#include <cstddef>
#include <memory>
#include <tuple>
#include <utility>

namespace gentask::bench::exp09 {
namespace {

template <int Depth>
auto make_chain(int seed) {
  if constexpr (Depth == 0) {
    return bench_leaf(seed, opaque_rounds());
  } else {
    return make_chain<Depth - 1>(seed) |
           and_then([](int x) { return bench_leaf(x + 1, opaque_rounds()); });
  }
}

template <std::size_t... Is>
auto make_join(std::index_sequence<Is...> /*unused*/) {
  return join(bench_leaf(static_cast<int>(Is), opaque_rounds())...) | gentask::map([](auto values) {
           return std::apply([](auto... v) { return (v + ...); }, values);
         });
}

template <int Depth>
void add_chain() {
  auto reactor = std::make_shared<local::reactor>();
  register_case("and_then_chain", "explicit", depth_param(Depth), Depth + 1,
                [reactor] { drive(*reactor, make_chain<Depth>(1)); });
}

template <int Width>
void add_join() {
  auto reactor = std::make_shared<local::reactor>();
  register_case("join_wide", "explicit", width_param(Width), Width,
                [reactor] { drive(*reactor, make_join(std::make_index_sequence<Width>{})); });
}

const bool registered = [] {
  static_assert(chain_depths == std::array<int, 3>{4, 16, 64});
  add_chain<4>();
  add_chain<16>();
  add_chain<64>();
  static_assert(join_widths == std::array<int, 3>{4, 16, 64});
  add_join<4>();
  add_join<16>();
  add_join<64>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp09
