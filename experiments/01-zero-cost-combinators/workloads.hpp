#pragma once
/// @file
/// The workloads of experiment 01, shared by both variants: the sizes, and how one iteration
/// drives a tree on the local reactor (`block_on` on a reactor made once per benchmark).
///
///   and_then_chain  depth D: a leaf followed by D `and_then` steps, each making a new leaf from
///                   the previous value (D + 1 leaves).
///   join_wide       width W: W leaves joined, then their values summed (W leaves).
///   select_wide     width W: W leaves raced; leaf i is pending for 1 + i rounds, so the first
///                   wins after one round and W - 1 losers are dropped (W leaves).
/// Every leaf is a `bench_leaf`: pending for `opaque_rounds()` rounds (1), waking its task
/// through the reactor each time.

#include "../common/leaves.hpp"

#include <gentask/reactors/local/reactor.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <string>

namespace gentask::bench::exp01 {

inline constexpr std::array<int, 3> chain_depths = {4, 16, 64};
inline constexpr std::array<int, 3> join_widths = {4, 16, 64};
inline constexpr std::array<int, 2> select_widths = {4, 16};

inline std::string depth_param(int d) { return "depth=" + std::to_string(d); }
inline std::string width_param(int w) { return "width=" + std::to_string(w); }

/// Drives one tree to completion and keeps its value observable. Out of line in both variants:
/// GCC inlined a small enough body (the hand-written select of 4) into the harness's iteration
/// loop and a larger one (the combinators') not, so one side paid a call, its register saves
/// and the reactor's thread check per tree and the other did not: a difference of the harness,
/// not of the code compared (NOTES.md section 12).
template <class Future>
[[gnu::noinline]] void drive(local::reactor& reactor, Future&& tree) {
  auto result = reactor.block_on(static_cast<Future&&>(tree));
  int value = result.get_value();
  benchmark::DoNotOptimize(value);
}

}  // namespace gentask::bench::exp01
