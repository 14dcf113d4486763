#pragma once
/// @file
/// Latency percentiles for the paced wake workloads (`wake_from_idle`, the `eventfd_wake_idle`
/// floor): nearest-rank percentiles of one repetition's samples, reported as the extra metrics
/// `latency_p10_ns` ... `latency_p99_ns` (the runner plots them as a distribution and compares
/// p50 and p99 in the headline). The Rust peers compute the same ranks (experiments/peers/rust).

#include "harness.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gentask::bench {

/// The nearest-rank percentile `p` (0 < p <= 1) of `sorted` (non-empty, ascending).
inline double nearest_rank(const std::vector<std::int64_t>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[std::max<std::size_t>(rank, 1) - 1]);
}

/// p10, p25, p50, p75, p90 and p99 of `samples` (nanoseconds) as extra metrics.
inline std::vector<extra_metric> latency_metrics(std::vector<std::int64_t> samples) {
  std::sort(samples.begin(), samples.end());
  std::vector<extra_metric> out;
  if (samples.empty()) return out;
  for (const int p : {10, 25, 50, 75, 90, 99}) {
    out.push_back({"latency_p" + std::to_string(p) + "_ns", "ns",
                   nearest_rank(samples, static_cast<double>(p) / 100.0)});
  }
  return out;
}

}  // namespace gentask::bench
