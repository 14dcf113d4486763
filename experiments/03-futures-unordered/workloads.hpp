#pragma once
/// @file
/// The workloads of experiment 03, shared by every futures_unordered variant: each
/// `run.<variant>.cpp` calls `register_variant<V>()` with a `V` that names the variant and maps
/// a child type to its set (`V::set<F>`). Everything runs on one `local::reactor`, inside
/// `block_on` of a driver future that owns the loop, so the timed code runs in a task.
///
///   wake_one_of_n   N children, each a oneshot receiver. One iteration makes B = 256 wakes:
///                   each fires one child (the slot drawn by splitmix64 seeded with 42, modulo
///                   N: the same sequence on every side), takes that child's item from the set,
///                   and pushes a fresh child on a fresh oneshot in its place (N stays
///                   constant). Param `n=N`. Metrics: ns, instructions and allocations per wake
///                   (`allocs_per_wake` counts the wake, poll and completion path only: making
///                   the oneshot and pushing the child are excluded), and untimed extras
///                   `polls_per_wake` (child polls), `parent_polls_per_wake` (polls of the
///                   driver), `allocs_per_iteration` (everything, making the channel and the
///                   child included) and `allocs_per_push` (the push alone).
///   event_one_of_n  wake_one_of_n as an event-driven program sees it: the events come from
///                   another task (an event source standing in for the I/O driver), and each
///                   child needs E events (E = 1 or 8) before it completes; after an event it
///                   does not complete on, the child tells the source it consumed it, and the
///                   source delivers the next. 256 events per iteration, slots drawn as above.
///                   Param `events=E;n=N`; the unit is one event (one wake of a child).
///   fan_out_fan_in  push N children that each yield once (wake themselves) and then
///                   complete, then take all N items. Param `n=N`; the unit is one child (one
///                   wake each).
///   nesting         sets within sets, depth D (1..3), L = 4096 leaves in all: an inner node
///                   is a future that pushes `4096^(1/D)` children (leaves or inner nodes) into a
///                   set of its own and takes their items; a leaf yields once, then completes.
///                   Param `depth=D`; the unit is one leaf. Shows the compounding of a per-set
///                   yield budget (futures-rs review) against spawn_per_child's tasks.
///   mutex_n         futures-rs#2526: n children each lock one async mutex (held by the driver
///                   until all are queued), then release it at once; the reactor runs with
///                   tokio's cooperative budget (128). Param `n=N`; the unit is one child.
///
/// `per_leaf_notify` runs with futures' current yield policy (`yield2_or_len`) under the plain
/// params; its other policies appear as `yield=<policy>` params where the policy matters
/// (fan_out_fan_in, nesting, mutex_n).
///
/// Every case keeps its reactor and its set across iterations (created at the first
/// iteration), so groups, slabs and queues are warm; the harness's warm-up iterations run
/// before allocations are counted.

#include "../common/harness.hpp"
#include "../common/splitmix64.hpp"

#include <gentask/channels/oneshot.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/sync/mutex.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gentask::bench::exp03 {

/// Polls of children (leaves) and of drivers, for the untimed poll counts.
inline std::uint64_t child_polls = 0;
inline std::uint64_t driver_polls = 0;

/// Turns allocation counting off for its scope (one relaxed load when counting is off).
class allocation_pause {
 public:
  allocation_pause() noexcept : was_(counting_allocations.load(std::memory_order_relaxed)) {
    if (was_) counting_allocations.store(false, std::memory_order_relaxed);
  }
  allocation_pause(const allocation_pause&) = delete;
  allocation_pause& operator=(const allocation_pause&) = delete;
  ~allocation_pause() {
    if (was_) counting_allocations.store(true, std::memory_order_relaxed);
  }

 private:
  bool was_;
};

// ---------------------------------------------------------------------------------------------
// wake_one_of_n

/// A child: a oneshot receiver whose item is its slot; counts its polls.
class slot_child {
 public:
  using future_concept = future_tag;
  using item_type = std::uint32_t;
  using error_type = canceled;
  explicit slot_child(oneshot::receiver<std::uint32_t> rx) noexcept : rx_(std::move(rx)) {}
  template <task Task>
  poll_result<std::uint32_t, canceled> poll(Task& task) {
    ++child_polls;
    return rx_.poll(task);
  }

 private:
  oneshot::receiver<std::uint32_t> rx_;
};

// The reactor wake_one_of_n runs on: `local::reactor`, unless the variant names another as
// `V::reactor_type` (experiment 08 runs this workload on other reactors: the same code, the same
// case names). Every variant of this experiment names none.
template <class V>
struct wake_reactor {
  using type = local::reactor;
};
template <class V>
requires requires { typename V::reactor_type; }
struct wake_reactor<V> {
  using type = typename V::reactor_type;
};

template <class Set, class Reactor = local::reactor>
struct wake_state {
  Reactor reactor;
  Set set;
  std::vector<oneshot::sender<std::uint32_t>> senders;
  splitmix64 rng;
  std::size_t n = 0;
  /// The untimed pass of the extras: count the push's allocations on their own.
  bool measure_push = false;
  std::size_t push_allocations = 0;
};

/// Pushes a child on a fresh channel into `slot`.
template <class Set, class Reactor, class Task>
void refill(wake_state<Set, Reactor>& st, Task& task, std::uint32_t slot) {
  // Making the channel and pushing are not part of the wake path: off in the harness's
  // allocation pass, counted (the push on its own too) in the pass of the extras.
  std::optional<allocation_pause> pause;
  if (!st.measure_push) pause.emplace();
  auto [tx, rx] = oneshot::channel<std::uint32_t>();
  st.senders[slot] = std::move(tx);
  if (st.measure_push) {
    const auto before = allocation_count.load(std::memory_order_relaxed);
    st.set.push(task, slot_child(std::move(rx)));
    st.push_allocations += allocation_count.load(std::memory_order_relaxed) - before;
  } else {
    st.set.push(task, slot_child(std::move(rx)));
  }
}

template <class Set, class Reactor = local::reactor>
class wake_driver {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  wake_driver(wake_state<Set, Reactor>* st, std::size_t wakes) noexcept : st_(st), wakes_(wakes) {}

  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    ++driver_polls;
    auto& st = *st_;
    if (st.senders.empty()) {
      st.senders.resize(st.n);
      for (std::uint32_t i = 0; i < st.n; ++i) refill(st, task, i);
    }
    if (!fired_) fire();
    while (true) {
      auto r = st.set.poll_next(task);
      if (r.is_pending()) return pending;
      auto& item = r.get_value();
      if (!item || !item->is_ready()) throw std::logic_error("wake_one_of_n: a child failed");
      refill(st, task, item->get_value());
      if (++done_ == wakes_) return ready_value{unit{}};
      fire();
    }
  }

 private:
  void fire() {
    const auto slot = static_cast<std::uint32_t>(st_->rng.next() % st_->n);
    if (std::move(st_->senders[slot]).send(slot)) throw std::logic_error("wake_one_of_n: lost");
    fired_ = true;
  }

  wake_state<Set, Reactor>* st_;
  std::size_t wakes_;
  std::size_t done_ = 0;
  bool fired_ = false;
};

inline constexpr std::size_t wakes_per_iteration = 256;

template <class V>
void register_wake_one_of_n(std::size_t n) {
  using set_type = typename V::template set<slot_child>;
  using reactor_type = typename wake_reactor<V>::type;
  using state_type = wake_state<set_type, reactor_type>;
  auto st = std::make_shared<std::unique_ptr<state_type>>();
  auto ensure = [st, n]() -> state_type& {
    if (!*st) {
      *st = std::make_unique<state_type>();
      (*st)->n = n;
    }
    return **st;
  };
  auto body = [ensure]() mutable {
    auto& s = ensure();
    auto r = s.reactor.block_on(wake_driver<set_type, reactor_type>(&s, wakes_per_iteration));
    benchmark::DoNotOptimize(r);
  };
  case_options options;
  options.extra_metrics = [ensure, body]() mutable {
    constexpr std::size_t iterations = 16;
    auto& s = ensure();
    body();  // warm
    const auto polls0 = child_polls;
    const auto drivers0 = driver_polls;
    s.measure_push = true;
    s.push_allocations = 0;
    std::size_t total = 0;
    {
      allocation_probe probe;
      for (std::size_t i = 0; i < iterations; ++i) body();
      total = probe.get_count();
    }
    s.measure_push = false;
    const double wakes = static_cast<double>(iterations * wakes_per_iteration);
    return std::vector<extra_metric>{
        {"polls_per_wake", "polls", static_cast<double>(child_polls - polls0) / wakes},
        {"parent_polls_per_wake", "polls", static_cast<double>(driver_polls - drivers0) / wakes},
        {"allocs_per_iteration", "allocations", static_cast<double>(total) / wakes},
        {"allocs_per_push", "allocations", static_cast<double>(s.push_allocations) / wakes}};
  };
  register_case("wake_one_of_n", V::name, "n=" + std::to_string(n),
                static_cast<double>(wakes_per_iteration), body, options);
}

// ---------------------------------------------------------------------------------------------
// event_one_of_n: the events come from another task (an event source standing in for an I/O
// driver), and a child may need several of them before it completes.

struct event_slot {
  std::uint32_t remaining = 0;  // events still to come before the child completes
  bool consumed = true;         // the child has seen the last event
  waker w;
};

struct event_state_base {
  local::reactor reactor;
  std::vector<event_slot> slots;
  splitmix64 rng;
  std::size_t n = 0;
  std::uint32_t events_per_child = 1;
  std::optional<std::uint32_t> current;  // the slot being fired, if any
  bool want_next = false;                // the driver took an item: pick the next slot
  waker source;                          // the event source task's waker
  std::uint64_t events = 0;
};

/// A child: completes with its slot once its slot's events are all delivered; after each
/// event it did not complete on, it tells the source that it consumed it.
class event_child {
 public:
  using future_concept = future_tag;
  using item_type = std::uint32_t;
  using error_type = never;
  event_child(event_state_base* st, std::uint32_t slot) noexcept : st_(st), slot_(slot) {}
  template <task Task>
  poll_result<std::uint32_t, never> poll(Task& task) {
    ++child_polls;
    auto& s = st_->slots[slot_];
    if (s.remaining == 0 && st_->current == slot_) return ready_value{slot_};
    if (!s.consumed) {
      s.consumed = true;
      st_->source.wake();
    }
    auto w = task.get_waker();
    if (!s.w.will_wake(w)) s.w = std::move(w);
    return pending;
  }

 private:
  event_state_base* st_;
  std::uint32_t slot_;
};

/// The event source: a task of its own that delivers one event each time it is polled with
/// something to do.
class event_source {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  explicit event_source(event_state_base* st) noexcept : st_(st) {}
  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    auto& st = *st_;
    st.source = task.get_waker();
    if (st.want_next) {
      st.want_next = false;
      const auto slot = static_cast<std::uint32_t>(st.rng.next() % st.n);
      st.current = slot;
      st.slots[slot].remaining = st.events_per_child;
      st.slots[slot].consumed = true;
    }
    if (st.current) {
      auto& s = st.slots[*st.current];
      if (s.consumed && s.remaining > 0) {
        --s.remaining;
        s.consumed = false;
        ++st.events;
        s.w.wake();
      }
    }
    return pending;
  }

 private:
  event_state_base* st_;
};

template <class Set>
struct event_state : event_state_base {
  Set set;
};

template <class Set>
class event_driver {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  event_driver(event_state<Set>* st, std::uint64_t events) noexcept : st_(st), target_(events) {}

  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    ++driver_polls;
    auto& st = *st_;
    if (st.slots.empty()) {
      st.slots.resize(st.n);
      for (std::uint32_t i = 0; i < st.n; ++i) st.set.push(task, event_child(&st, i));
    }
    if (!started_) {
      started_ = true;
      target_ += st.events;
      request_next();
    }
    while (true) {
      auto r = st.set.poll_next(task);
      if (r.is_pending()) return pending;
      auto& item = r.get_value();
      if (!item || !item->is_ready()) throw std::logic_error("event_one_of_n: a child failed");
      const auto slot = item->get_value();
      st.current.reset();
      st.slots[slot] = event_slot{};
      {
        allocation_pause pause;  // the push is not part of the wake path (allocs_per_push)
        st.set.push(task, event_child(&st, slot));
      }
      if (st.events >= target_) return ready_value{unit{}};
      request_next();
    }
  }

 private:
  void request_next() {
    st_->want_next = true;
    st_->source.wake();
  }

  event_state<Set>* st_;
  std::uint64_t target_;
  bool started_ = false;
};

template <class V>
void register_event_one_of_n(std::size_t n, std::uint32_t events_per_child) {
  using set_type = typename V::template set<event_child>;
  auto st = std::make_shared<std::unique_ptr<event_state<set_type>>>();
  auto ensure = [st, n, events_per_child]() -> event_state<set_type>& {
    if (!*st) {
      *st = std::make_unique<event_state<set_type>>();
      (*st)->n = n;
      (*st)->events_per_child = events_per_child;
      (*st)->reactor.spawn(event_source(st->get())).detach();
    }
    return **st;
  };
  auto body = [ensure]() mutable {
    auto& s = ensure();
    auto r = s.reactor.block_on(event_driver<set_type>(&s, wakes_per_iteration));
    benchmark::DoNotOptimize(r);
  };
  case_options options;
  options.extra_metrics = [ensure, body]() mutable {
    constexpr std::size_t iterations = 16;
    auto& s = ensure();
    body();
    const auto polls0 = child_polls;
    const auto drivers0 = driver_polls;
    const auto events0 = s.events;
    for (std::size_t i = 0; i < iterations; ++i) body();
    const auto events = static_cast<double>(s.events - events0);
    return std::vector<extra_metric>{
        {"polls_per_wake", "polls", static_cast<double>(child_polls - polls0) / events},
        {"parent_polls_per_wake", "polls", static_cast<double>(driver_polls - drivers0) / events}};
  };
  register_case("event_one_of_n", V::name,
                "events=" + std::to_string(events_per_child) + ";n=" + std::to_string(n),
                static_cast<double>(wakes_per_iteration), body, options);
}

// ---------------------------------------------------------------------------------------------
// fan_out_fan_in and nesting

/// A leaf: wakes itself once, then completes with 1.
class yield_leaf {
 public:
  using future_concept = future_tag;
  using item_type = std::uint32_t;
  using error_type = never;
  template <task Task>
  poll_result<std::uint32_t, never> poll(Task& task) {
    ++child_polls;
    if (!yielded_) {
      yielded_ = true;
      task.get_waker().wake();
      return pending;
    }
    return ready_value{std::uint32_t{1}};
  }

 private:
  bool yielded_ = false;
};

/// An inner node of depth `D` (D = 0 is a leaf): pushes `fanout` children of depth D - 1 into
/// a set of its own, then yields the sum of their items (the leaves below it).
template <template <class> class SetOf, int D>
class nest_node {
 public:
  using child_type = std::conditional_t<D == 1, yield_leaf, nest_node<SetOf, D - 1>>;
  using future_concept = future_tag;
  using item_type = std::uint32_t;
  using error_type = never;
  explicit nest_node(std::uint32_t fanout) noexcept : fanout_(fanout) {}

  template <task Task>
  poll_result<std::uint32_t, never> poll(Task& task) {
    ++driver_polls;
    if (!started_) {
      started_ = true;
      for (std::uint32_t i = 0; i < fanout_; ++i) {
        if constexpr (D == 1) {
          set_.push(task, yield_leaf{});
        } else {
          set_.push(task, child_type(fanout_));
        }
      }
    }
    while (true) {
      auto r = set_.poll_next(task);
      if (r.is_pending()) return pending;
      auto& item = r.get_value();
      if (!item) return ready_value{sum_};
      if (!item->is_ready()) throw std::logic_error("nesting: a child failed");
      sum_ += item->get_value();
    }
  }

 private:
  SetOf<child_type> set_;
  std::uint32_t fanout_;
  std::uint32_t sum_ = 0;
  bool started_ = false;
};

/// The root of fan_out_fan_in (depth 1, fanout n) and of nesting.
template <class V, int D>
void register_nesting(const std::string& workload, const std::string& param, std::uint32_t fanout,
                      std::uint32_t leaves) {
  auto reactor = std::make_shared<std::unique_ptr<local::reactor>>();
  auto body = [reactor, fanout, leaves]() {
    if (!*reactor) *reactor = std::make_unique<local::reactor>();
    auto r = (*reactor)->block_on(nest_node<V::template set, D>(fanout));
    if (!r.is_ready() || r.get_value() != leaves) throw std::logic_error("nesting: lost leaves");
  };
  case_options options;
  options.probe_iterations = 4;
  options.callgrind = false;  // instructions are measured on wake_one_of_n
  options.extra_metrics = [body, leaves]() {
    constexpr std::size_t iterations = 4;
    const auto polls0 = child_polls;
    const auto drivers0 = driver_polls;
    for (std::size_t i = 0; i < iterations; ++i) body();
    const double units = static_cast<double>(iterations * leaves);
    return std::vector<extra_metric>{
        {"polls_per_wake", "polls", static_cast<double>(child_polls - polls0) / units},
        {"parent_polls_per_wake", "polls", static_cast<double>(driver_polls - drivers0) / units}};
  };
  register_case(workload, V::name, param, static_cast<double>(leaves), body, options);
}

// ---------------------------------------------------------------------------------------------
// mutex_n (futures-rs#2526)

/// A child: locks the mutex, then releases it at once.
class lock_child {
 public:
  using future_concept = future_tag;
  using item_type = std::uint32_t;
  using error_type = never;
  explicit lock_child(async_mutex<std::uint64_t>* m) : lock_(m->lock()) {}
  template <task Task>
  poll_result<std::uint32_t, never> poll(Task& task) {
    ++child_polls;
    auto r = lock_.poll(task);
    if (r.is_pending()) return pending;
    ++*r.get_value();
    return ready_value{std::uint32_t{1}};
  }

 private:
  decltype(std::declval<async_mutex<std::uint64_t>&>().lock()) lock_;
};

template <class Set>
class mutex_driver {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  mutex_driver(Set* set, async_mutex<std::uint64_t>* m, std::uint32_t n)
      : set_(set), m_(m), n_(n) {}

  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    ++driver_polls;
    if (!started_) {
      started_ = true;
      auto held = m_->try_lock();  // held while the children queue up
      for (std::uint32_t i = 0; i < n_; ++i) set_->push(task, lock_child(m_));
      // The children first run (and queue on the mutex) when the set is polled (baselines) or
      // when the reactor runs them (spawn_per_child); release only once they have.
      guard_.emplace(std::move(*held));
      task.get_waker().wake();
      return pending;
    }
    if (guard_) {
      auto r = set_->poll_next(task);  // lets the baselines' children queue up
      if (!r.is_pending()) throw std::logic_error("mutex_n: a child finished early");
      if (m_->get_waiter_count() < n_) {
        task.get_waker().wake();
        return pending;
      }
      guard_.reset();
    }
    while (true) {
      auto r = set_->poll_next(task);
      if (r.is_pending()) return pending;
      if (!r.get_value()) return ready_value{unit{}};
      ++done_;
    }
  }

 private:
  Set* set_;
  async_mutex<std::uint64_t>* m_;
  std::uint32_t n_;
  std::optional<
      typename decltype(std::declval<async_mutex<std::uint64_t>&>().try_lock())::value_type>
      guard_;
  std::uint32_t done_ = 0;
  bool started_ = false;
};

template <class V>
void register_mutex_n(const std::string& param, std::uint32_t n) {
  using set_type = typename V::template set<lock_child>;
  auto reactor = std::make_shared<std::unique_ptr<local::reactor>>();
  auto body = [reactor, n]() {
    if (!*reactor) {
      *reactor = std::make_unique<local::reactor>();
      (*reactor)->set_coop_budget(128);
    }
    async_mutex<std::uint64_t> m(0);
    set_type set;
    auto r = (*reactor)->block_on(mutex_driver<set_type>(&set, &m, n));
    benchmark::DoNotOptimize(r);
    if (*m.try_lock().value() != n) throw std::logic_error("mutex_n: lost a lock");
  };
  case_options options;
  options.probe_iterations = 2;
  options.callgrind = false;  // quadratic variants would take minutes under callgrind
  options.extra_metrics = [body, n]() {
    const auto polls0 = child_polls;
    const auto drivers0 = driver_polls;
    body();
    return std::vector<extra_metric>{
        {"polls_per_wake", "polls", static_cast<double>(child_polls - polls0) / n},
        {"parent_polls_per_wake", "polls", static_cast<double>(driver_polls - drivers0) / n}};
  };
  register_case("mutex_n", V::name, param, static_cast<double>(n), body, options);
}

// ---------------------------------------------------------------------------------------------

/// Registers every workload for variant `V`. `V::param_suffix()` is empty, or the
/// `;yield=<name>` of a per_leaf_notify policy other than the default; such a variant registers
/// only the workloads where the policy matters.
template <class V>
void register_variant() {
  const std::string suffix = V::param_suffix();
  if (suffix.empty()) {
    for (const std::size_t n :
         {std::size_t{1}, std::size_t{100}, std::size_t{10000}, std::size_t{100000}}) {
      register_wake_one_of_n<V>(n);
    }
  }
  if (suffix.empty()) {
    for (const std::size_t n : {std::size_t{100}, std::size_t{10000}}) {
      register_event_one_of_n<V>(n, 1);
      register_event_one_of_n<V>(n, 8);
    }
  }
  for (const std::uint32_t n : {1000U, 10000U}) {
    register_nesting<V, 1>("fan_out_fan_in", "n=" + std::to_string(n) + suffix, n, n);
  }
  register_nesting<V, 1>("nesting", "depth=1" + suffix, 4096, 4096);
  register_nesting<V, 2>("nesting", "depth=2" + suffix, 64, 4096);
  register_nesting<V, 3>("nesting", "depth=3" + suffix, 16, 4096);
  // per_leaf_notify without a yield policy livelocks here: a child refused by the budget wakes
  // itself, is queued again and polled again in the same poll of the set, whose budget is
  // still spent (futures-rs#2047 meeting tokio's coop). Not registered; NOTES §5.
  if (suffix != ";yield=none") {
    for (const std::uint32_t n : {1000U, 10000U, 40000U, 160000U}) {
      register_mutex_n<V>("n=" + std::to_string(n) + suffix, n);
    }
  }
}

}  // namespace gentask::bench::exp03
