#pragma once
/// @file
/// The workloads of experiment 08: the code of experiments 02, 03 and 04, not a copy. A variant
/// `V` (variants.hpp, variants.atomic.hpp) names itself and its reactor (`V::reactor_type`); the
/// adaptors below present it to each experiment's registration functions in the shape that
/// experiment's variants have, so every variant runs exactly the code those experiments
/// measure, under the same workload names and params:
///
///   spawn_complete     02's (`exp02::add_spawn_case`, one root type), params
///                      `batch=1000;n=1000` and `batch=1000;n=10000`; unit `task`
///   yield_loop         04's (`exp04::add_yield_loop`), `n=1000`; unit `yield`
///   ping_pong_oneshot  04's (`exp04::add_ping_pong_oneshot`), `n=1000`; unit `round_trip`
///   wake_one_of_n      03's (`exp03::register_wake_one_of_n`) with the set `spawn_per_child`
///                      (03's proposal) on the variant's reactor, `n=1`, `100`, `10000`,
///                      `100000`; unit `wake`
///
/// `register_<workload>_cases<V>()` registers one workload of variant `V`; CMakeLists.txt
/// compiles each (variant, workload) pair in a translation unit of its own (as experiment 02
/// does its case families: GCC's inlining budget is per unit, so cases compiled together would
/// change each other's code).

#include "../02-typed-groups-vs-boxed/workloads.hpp"
#include "../03-futures-unordered/workloads.hpp"
#include "../04-runtime-basics/workloads.hpp"

#include <gentask/unordered/spawn_per_child.hpp>

#include <cstddef>
#include <string>

namespace gentask::bench::exp08 {

/// `V` as an experiment 02 variant: the reactor for any root types.
template <class V>
struct as_exp02 {
  static constexpr const char* name = V::name;
  template <class... Fs>
  using reactor = typename V::reactor_type;
};

/// `V` as an experiment 03 variant: spawn_per_child on `V`'s reactor (03's `wake_reactor`).
template <class V>
struct as_exp03 {
  static constexpr const char* name = V::name;
  static std::string param_suffix() { return {}; }
  template <class F>
  using set = unordered::spawn_per_child<F>;
  using reactor_type = typename V::reactor_type;
};

/// `V` as an experiment 04 variant.
template <class V>
struct as_exp04 {
  static constexpr const char* name = V::name;
  using reactor = typename V::reactor_type;
};

template <class V>
void register_spawn_complete_cases() {
  for (const int n : {1000, 10000}) {
    exp02::add_spawn_case<as_exp02<V>, 1>(
        "spawn_complete", exp02::spawn_param(exp02::spawn_batch, n), n, exp02::spawn_batch);
  }
}

template <class V>
void register_yield_loop_cases() {
  exp04::add_yield_loop<as_exp04<V>>(exp04::yield_n);
}

template <class V>
void register_ping_pong_oneshot_cases() {
  exp04::add_ping_pong_oneshot<as_exp04<V>>(exp04::ping_pong_n);
}

template <class V>
void register_wake_one_of_n_cases() {
  for (const std::size_t n :
       {std::size_t{1}, std::size_t{100}, std::size_t{10000}, std::size_t{100000}}) {
    exp03::register_wake_one_of_n<as_exp03<V>>(n);
  }
}

}  // namespace gentask::bench::exp08
