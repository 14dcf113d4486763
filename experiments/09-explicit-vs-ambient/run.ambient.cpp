// Variant `ambient`: the 2017 design replayed: `poll()` with no task, leaves that find their
// task through a scoped thread-local (`ambient::current_task()`), on `ambient::reactor`.
#include "workloads.hpp"

#include <gentask/ambient/futures_unordered.hpp>
#include <gentask/ambient/join_handle.hpp>
#include <gentask/ambient/oneshot.hpp>
#include <gentask/core/unit.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

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

/// fan_out: W leaves in the essay's set, drained and summed.
class fan_out_root {
 public:
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = never;

  explicit fan_out_root(int width) noexcept : width_(width) {}

  poll_result<int, never> poll() {
    if (!set_) {  // made at the first poll: moving a std::deque allocates (libstdc++)
      set_.emplace();
      for (int i = 0; i < width_; ++i) set_->push(ambient_bench_leaf(i, opaque_rounds()));
    }
    for (;;) {
      auto r = set_->poll_next();
      if (r.is_pending()) return pending;
      auto item = std::move(r).get_value();
      if (!item) return ready_value{sum_};
      sum_ += *item;
    }
  }

 private:
  std::optional<ambient::futures_unordered<ambient_bench_leaf>> set_;
  int width_;
  int sum_ = 0;
};

// ping_pong_oneshot: experiment 04's A and B, in the ambient design.

struct pp_request {
  ambient::oneshot_sender<unit> reply;
  ambient::oneshot_receiver<pp_request> next;
};

class oneshot_pinger {
 public:
  using future_concept = ambient::ambient_future_tag;
  using item_type = std::uint64_t;
  using error_type = never;

  oneshot_pinger(ambient::oneshot_sender<pp_request> first, std::uint64_t n) noexcept
      : tx_(std::move(first)), n_(n) {}

  poll_result<std::uint64_t, never> poll() {
    for (;;) {
      if (waiting_) {
        auto r = reply_->poll();
        if (r.is_pending()) return pending;
        check(r.is_ready(), "ping_pong_oneshot: reply canceled");
        waiting_ = false;
        ++done_;
      }
      if (done_ == n_) {
        tx_ = ambient::oneshot_sender<pp_request>(nullptr);  // B sees `canceled` and ends
        return ready_value{done_};
      }
      auto [reply_tx, reply_rx] = ambient::oneshot<unit>();
      auto [next_tx, next_rx] = ambient::oneshot<pp_request>();
      tx_.send(pp_request{std::move(reply_tx), std::move(next_rx)});
      tx_ = std::move(next_tx);
      reply_.emplace(std::move(reply_rx));
      waiting_ = true;
    }
  }

 private:
  ambient::oneshot_sender<pp_request> tx_;
  std::optional<ambient::oneshot_receiver<unit>> reply_;
  std::uint64_t n_;
  std::uint64_t done_ = 0;
  bool waiting_ = false;
};

class oneshot_ponger {
 public:
  using future_concept = ambient::ambient_future_tag;
  using item_type = std::uint64_t;
  using error_type = never;

  explicit oneshot_ponger(ambient::oneshot_receiver<pp_request> rx) noexcept
      : rx_(std::move(rx)) {}

  poll_result<std::uint64_t, never> poll() {
    for (;;) {
      auto r = rx_.poll();
      if (r.is_pending()) return pending;
      if (!r.is_ready()) return ready_value{served_};  // canceled: A is done
      pp_request& req = r.get_value();
      req.reply.send(unit{});
      rx_ = std::move(req.next);
      ++served_;
    }
  }

 private:
  ambient::oneshot_receiver<pp_request> rx_;
  std::uint64_t served_ = 0;
};

/// Spawns B then A on the reactor it holds (a 0.1 future held its executor's handle) and joins
/// both, as experiment 04's `join_two_root`.
class ping_pong_root {
 public:
  using future_concept = ambient::ambient_future_tag;
  using item_type = std::pair<std::uint64_t, std::uint64_t>;
  using error_type = never;

  ping_pong_root(ambient::reactor* reactor, oneshot_pinger a, oneshot_ponger b)
      : reactor_(reactor), a_(std::move(a)), b_(std::move(b)) {}

  poll_result<item_type, never> poll() {
    if (!hb_) {
      hb_.emplace(reactor_->spawn(std::move(b_)));
      ha_.emplace(reactor_->spawn(std::move(a_)));
    }
    if (!ra_) {
      auto r = ha_->poll();
      if (r.is_pending()) return pending;
      check(r.is_ready(), "ping_pong_oneshot: task A failed");
      ra_.emplace(r.get_value());
    }
    auto r = hb_->poll();
    if (r.is_pending()) return pending;
    check(r.is_ready(), "ping_pong_oneshot: task B failed");
    return ready_value{item_type(*ra_, r.get_value())};
  }

 private:
  using handle = ambient::join_handle<std::uint64_t, never>;
  ambient::reactor* reactor_;
  oneshot_pinger a_;
  oneshot_ponger b_;
  std::optional<handle> ha_;
  std::optional<handle> hb_;
  std::optional<std::uint64_t> ra_;
};

/// spawn_complete: a task ready at its first poll with its index.
struct index_task {
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = never;
  int index;
  poll_result<int, never> poll() { return ready_value{index}; }
};

using int_handle = ambient::join_handle<int, never>;

class spawn_root {
 public:
  using future_concept = ambient::ambient_future_tag;
  using item_type = long long;
  using error_type = never;

  spawn_root(ambient::reactor* reactor, std::vector<int_handle>* handles, int n) noexcept
      : reactor_(reactor), handles_(handles), n_(n) {}

  poll_result<long long, never> poll() {
    if (!spawned_) {
      handles_->clear();
      for (int i = 0; i < n_; ++i) handles_->push_back(reactor_->spawn(index_task{i}));
      spawned_ = true;
    }
    for (; next_ < handles_->size(); ++next_) {
      auto r = (*handles_)[next_].poll();
      if (r.is_pending()) return pending;
      check(r.is_ready(), "spawn_complete: a task failed");
      sum_ += r.get_value();
    }
    handles_->clear();
    return ready_value{sum_};
  }

 private:
  ambient::reactor* reactor_;
  std::vector<int_handle>* handles_;
  int n_;
  std::size_t next_ = 0;
  long long sum_ = 0;
  bool spawned_ = false;
};

template <int Depth>
void add_chain(const char* workload) {
  auto reactor = std::make_shared<ambient::reactor>();
  register_case(workload, GENTASK_EXP09_AMBIENT, depth_param(Depth), Depth + 1,
                [reactor] { drive(*reactor, make_chain<Depth>(1)); });
}

template <int Width>
void add_join() {
  auto reactor = std::make_shared<ambient::reactor>();
  register_case("join_wide", GENTASK_EXP09_AMBIENT, width_param(Width), Width,
                [reactor] { drive(*reactor, make_join(std::make_index_sequence<Width>{})); });
}

void add_fan_out(int width) {
  auto reactor = std::make_shared<ambient::reactor>();
  register_case("fan_out", GENTASK_EXP09_AMBIENT, width_param(width), width,
                [reactor, width] { drive(*reactor, fan_out_root(width)); });
}

void add_ping_pong(int n) {
  auto reactor = std::make_shared<ambient::reactor>();
  const auto un = static_cast<std::uint64_t>(n);
  register_case("ping_pong_oneshot", GENTASK_EXP09_AMBIENT, n_param(n), n, [reactor, un] {
        auto [tx, rx] = ambient::oneshot<pp_request>();  // the first request oneshot
        auto r = reactor->block_on(ping_pong_root(reactor.get(), oneshot_pinger(std::move(tx), un),
                                                  oneshot_ponger(std::move(rx))));
        check(r.get_value().first == un && r.get_value().second == un,
              "ping_pong_oneshot: wrong round trip count");
        benchmark::DoNotOptimize(r);
      });
}

void add_spawn_complete(int n) {
  struct state {
    ambient::reactor reactor;
    std::vector<int_handle> handles;
  };
  auto st = std::make_shared<state>();
  st->handles.reserve(static_cast<std::size_t>(n));
  const long long expected = static_cast<long long>(n) * (n - 1) / 2;
  register_case("spawn_complete", GENTASK_EXP09_AMBIENT, n_param(n), n, [st, n, expected] {
    auto r = st->reactor.block_on(spawn_root(&st->reactor, &st->handles, n));
    check(r.get_value() == expected, "spawn_complete: wrong sum");
    benchmark::DoNotOptimize(r);
  });
}

const bool registered = [] {
  // The ambient `and_then` nests (futures 0.1's `Chain`): it is both workloads' tree.
  add_chain<4>("and_then_chain");
  add_chain<16>("and_then_chain");
  add_chain<64>("and_then_chain");
  add_chain<4>("and_then_nested");
  add_chain<16>("and_then_nested");
  add_chain<64>("and_then_nested");
  add_join<4>();
  add_join<16>();
  add_join<64>();
  for (int w : fan_out_widths) add_fan_out(w);
  add_ping_pong(ping_pong_n);
  add_spawn_complete(spawn_n);
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp09
