// Variant `explicit`: gentask's design: the task passed to `poll`, on `local::reactor` (the same
// trees as experiment 01's `combinators`; ping_pong_oneshot is experiment 04's own code).
#include "workloads.hpp"

#include "../04-runtime-basics/workloads.hpp"
#include "explicit_twins.hpp"

#include <gentask/futures/and_then.hpp>
#include <gentask/futures/join.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/spawn/join_handle.hpp>
#include <gentask/spawn/spawn.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

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

template <int Depth>
auto make_nested(int seed) {
  if constexpr (Depth == 0) {
    return bench_leaf(seed, opaque_rounds());
  } else {
    return nest_and_then(make_nested<Depth - 1>(seed),
                         [](int x) { return bench_leaf(x + 1, opaque_rounds()); });
  }
}

template <std::size_t... Is>
auto make_join(std::index_sequence<Is...> /*unused*/) {
  return join(bench_leaf(static_cast<int>(Is), opaque_rounds())...) | gentask::map([](auto values) {
           return std::apply([](auto... v) { return (v + ...); }, values);
         });
}

/// fan_out: W leaves in a `slot_set`, drained and summed.
class fan_out_root {
 public:
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;

  explicit fan_out_root(int width) noexcept : width_(width) {}

  template <task Task>
  poll_result<int, never> poll(Task& task) {
    if (!set_) {  // made at the first poll: moving a std::deque allocates (libstdc++)
      set_.emplace();
      for (int i = 0; i < width_; ++i) set_->push(bench_leaf(i, opaque_rounds()));
    }
    for (;;) {
      auto r = set_->poll_next(task);
      if (r.is_pending()) return pending;
      auto item = std::move(r).get_value();
      if (!item) return ready_value{sum_};
      sum_ += *item;
    }
  }

 private:
  std::optional<slot_set<bench_leaf>> set_;
  int width_;
  int sum_ = 0;
};

/// spawn_complete: a task ready at its first poll with its index.
struct index_task {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  int index;
  template <task Task>
  poll_result<int, never> poll(Task& /*task*/) {
    return ready_value{index};
  }
};

/// spawn_complete's root: spawns `n` tasks, keeps their handles, joins them in order.
class spawn_root {
 public:
  using future_concept = future_tag;
  using item_type = long long;
  using error_type = never;

  spawn_root(std::vector<join_handle<int, never>>* handles, int n) noexcept
      : handles_(handles), n_(n) {}

  template <spawning_task Task>
  poll_result<long long, never> poll(Task& task) {
    if (!spawned_) {
      handles_->clear();
      for (int i = 0; i < n_; ++i) handles_->push_back(gentask::spawn(task, index_task{i}));
      spawned_ = true;
    }
    for (; next_ < handles_->size(); ++next_) {
      auto r = (*handles_)[next_].poll(task);
      if (r.is_pending()) return pending;
      check(r.is_ready(), "spawn_complete: a task failed");
      sum_ += r.get_value();
    }
    handles_->clear();
    return ready_value{sum_};
  }

 private:
  std::vector<join_handle<int, never>>* handles_;
  int n_;
  std::size_t next_ = 0;
  long long sum_ = 0;
  bool spawned_ = false;
};

template <int Depth>
void add_chain() {
  auto reactor = std::make_shared<local::reactor>();
  register_case("and_then_chain", GENTASK_EXP09_EXPLICIT, depth_param(Depth), Depth + 1,
                [reactor] { drive(*reactor, make_chain<Depth>(1)); });
}

template <int Depth>
void add_nested() {
  auto reactor = std::make_shared<local::reactor>();
  register_case("and_then_nested", GENTASK_EXP09_EXPLICIT, depth_param(Depth), Depth + 1,
                [reactor] { drive(*reactor, make_nested<Depth>(1)); });
}

template <int Width>
void add_join() {
  auto reactor = std::make_shared<local::reactor>();
  register_case("join_wide", GENTASK_EXP09_EXPLICIT, width_param(Width), Width,
                [reactor] { drive(*reactor, make_join(std::make_index_sequence<Width>{})); });
}

void add_fan_out(int width) {
  auto reactor = std::make_shared<local::reactor>();
  register_case("fan_out", GENTASK_EXP09_EXPLICIT, width_param(width), width,
                [reactor, width] { drive(*reactor, fan_out_root(width)); });
}

void add_spawn_complete(int n) {
  struct state {
    local::reactor reactor;
    std::vector<join_handle<int, never>> handles;
  };
  auto st = std::make_shared<state>();
  st->handles.reserve(static_cast<std::size_t>(n));
  const long long expected = static_cast<long long>(n) * (n - 1) / 2;
  register_case("spawn_complete", GENTASK_EXP09_EXPLICIT, n_param(n), n, [st, n, expected] {
    auto r = st->reactor.block_on(spawn_root(&st->handles, n));
    check(r.get_value() == expected, "spawn_complete: wrong sum");
    benchmark::DoNotOptimize(r);
  });
}

struct explicit_variant {
  static constexpr const char* name = GENTASK_EXP09_EXPLICIT;
  using reactor = local::reactor;
};

const bool registered = [] {
  static_assert(chain_depths == std::array<int, 3>{4, 16, 64});
  add_chain<4>();
  add_chain<16>();
  add_chain<64>();
  add_nested<4>();
  add_nested<16>();
  add_nested<64>();
  static_assert(join_widths == std::array<int, 3>{4, 16, 64});
  add_join<4>();
  add_join<16>();
  add_join<64>();
  for (int w : fan_out_widths) add_fan_out(w);
  exp04::add_ping_pong_oneshot<explicit_variant>(ping_pong_n);
  add_spawn_complete(spawn_n);
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp09
