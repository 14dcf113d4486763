// Variant `ambient`: the 2017 design replayed: `poll()` with no task, leaves that find their
// task through a scoped thread-local (`ambient::current_task()`), on `ambient::reactor`.
#include "workloads.hpp"

#include <cstddef>
#include <memory>
#include <tuple>
#include <utility>

namespace gentask::bench::exp09 {
namespace {

/// Sums a join's tuple (ambient has no `map`; the sum is the tree's last step, as `map` is in
/// the explicit variant).
template <class Join>
class sum_of {
 public:
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = never;

  explicit sum_of(Join j) : join_(std::move(j)) {}

  poll_result<int, never> poll() {
    auto r = join_.poll();
    if (r.is_pending()) return pending;
    return ready_value{std::apply([](auto... v) { return (v + ...); }, std::move(r).get_value())};
  }

 private:
  Join join_;
};

template <int Depth>
auto make_chain(int seed) {
  if constexpr (Depth == 0) {
    return ambient_bench_leaf(seed, opaque_rounds());
  } else {
    return ambient::and_then(make_chain<Depth - 1>(seed),
                             [](int x) { return ambient_bench_leaf(x + 1, opaque_rounds()); });
  }
}

template <std::size_t... Is>
auto make_join(std::index_sequence<Is...> /*unused*/) {
  auto j = ambient::join(ambient_bench_leaf(static_cast<int>(Is), opaque_rounds())...);
  return sum_of<decltype(j)>(std::move(j));
}

template <int Depth>
void add_chain() {
  auto reactor = std::make_shared<ambient::reactor>();
  register_case("and_then_chain", "ambient", depth_param(Depth), Depth + 1,
                [reactor] { drive(*reactor, make_chain<Depth>(1)); });
}

template <int Width>
void add_join() {
  auto reactor = std::make_shared<ambient::reactor>();
  register_case("join_wide", "ambient", width_param(Width), Width,
                [reactor] { drive(*reactor, make_join(std::make_index_sequence<Width>{})); });
}

const bool registered = [] {
  add_chain<4>();
  add_chain<16>();
  add_chain<64>();
  add_join<4>();
  add_join<16>();
  add_join<64>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp09
