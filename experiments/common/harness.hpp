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
/// `--gentask-list` prints `name<TAB>units` for every case measured under callgrind. A case may
/// also report metrics of its own (`case_options::extra_metrics`, e.g. bytes per idle task). The
/// runner (experiments/run.py) turns all of these into `summary.csv` rows.

#include "alloc_counter.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
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

/// A metric a case measures itself (once per repetition, untimed): it becomes the summary row
/// `metric` in `unit` (the benchmark counter `metric:<metric>:<unit>`).
struct extra_metric {
  std::string metric;
  std::string unit;
  double value;
};

struct case_options {
  /// Count instructions under callgrind (off for cases whose point is not CPU work).
  bool callgrind = true;
  /// Iterations of the untimed pass that counts allocations.
  std::size_t probe_iterations = 64;
  /// Called once per repetition, before timing.
  std::function<std::vector<extra_metric>()> extra_metrics;
  /// Let wall time, not CPU time, decide the number of iterations (for cases that mostly wait,
  /// e.g. a paced sender: their CPU time is a few percent of their wall time).
  bool real_time = false;
};

/// Registers `body` (one iteration, called as `body()`), measured in `units` per iteration.
template <class Body>
void register_case(const std::string& workload, const std::string& variant,
                   const std::string& param, double units, Body body, case_options options = {}) {
  std::string name = workload + "/" + variant + "/" + param;
  if (options.callgrind) {
    get_cases().push_back({name, units, [body](std::size_t n) mutable {
                             for (std::size_t i = 0; i < n; ++i) body();
                           }});
  }
  auto* registered = benchmark::RegisterBenchmark(
      name.c_str(), [body, units, options](benchmark::State& state) mutable {
        const std::size_t probe_iterations = options.probe_iterations;
        for (std::size_t i = 0; i < std::min<std::size_t>(8, probe_iterations); ++i) body();
        std::size_t allocs = 0;
        {
          allocation_probe probe;
          for (std::size_t i = 0; i < probe_iterations; ++i) body();
          allocs = probe.get_count();
        }
        std::vector<extra_metric> extras;
        if (options.extra_metrics) extras = options.extra_metrics();
        for (auto _ : state) body();
        state.counters["units"] = units;
        state.counters["allocs_per_unit"] =
            static_cast<double>(allocs) / (static_cast<double>(probe_iterations) * units);
        for (const auto& m : extras) state.counters["metric:" + m.metric + ":" + m.unit] = m.value;
      });
  if (options.real_time) registered->UseRealTime();
}

/// Parses the harness's own flags, or runs Google Benchmark; returns the exit code.
int run_main(int argc, char** argv);

}  // namespace gentask::bench
