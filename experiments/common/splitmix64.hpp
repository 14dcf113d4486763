#pragma once
/// @file
/// splitmix64 seeded with 42: the sequence every side of a shared workload draws from
/// (experiments/peers/WORKLOADS.md; the Rust peers' `util::SplitMix64`).

#include <cstdint>

namespace gentask::bench {

struct splitmix64 {
  std::uint64_t state = 42;
  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
  }
};

}  // namespace gentask::bench
