#pragma once
/// @file
/// The experiment harness. A *case* is one (workload, variant, param) cell; it is registered
/// once and runs two ways from the same code:
///   - as a Google Benchmark named `workload/variant/param`, timed, with counters `units`
///     (work units per iteration, e.g. futures driven) and `allocs_per_unit` (measured in an
///     untimed pass before the timed loop; counting is off while timing);
///   - under callgrind, through `--gentask-measure=<name> --gentask-iterations=<n>`, which runs
///     the case `n` times and nothing else, so that the runner can take the difference of two
///     instruction counts as the cost of `n2 - n1` iterations.
/// `--gentask-list` prints `name<TAB>units` for every case. The runner (experiments/run.py)
/// turns these into `summary.csv` rows.

#include "alloc_counter.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace gentask::bench {

struct case_entry {
  std::string name;
  double units;
  std::function<void(std::size_t iterations)> run;
};

std::vector<case_entry>& get_cases();

/// Registers `body` (one iteration, called as `body()`), measured in `units` per iteration.
template <class Body>
void register_case(const std::string& workload, const std::string& variant,
                   const std::string& param, double units, Body body) {
  std::string name = workload + "/" + variant + "/" + param;
  get_cases().push_back({name, units, [body](std::size_t n) mutable {
                           for (std::size_t i = 0; i < n; ++i) body();
                         }});
  benchmark::RegisterBenchmark(name.c_str(), [body, units](benchmark::State& state) mutable {
    constexpr std::size_t probe_iterations = 64;
    for (std::size_t i = 0; i < 8; ++i) body();  // warm-up: caches, reactor buffers
    std::size_t allocs = 0;
    {
      allocation_probe probe;
      for (std::size_t i = 0; i < probe_iterations; ++i) body();
      allocs = probe.get_count();
    }
    for (auto _ : state) body();
    state.counters["units"] = units;
    state.counters["allocs_per_unit"] =
        static_cast<double>(allocs) / (static_cast<double>(probe_iterations) * units);
  });
}

/// Parses the harness's own flags, or runs Google Benchmark; returns the exit code.
int run_main(int argc, char** argv);

}  // namespace gentask::bench
