// detail::type_index<T>(): a small dense integer per type, assigned on first use from a
// process-wide counter, the same at every later call.
#include <gentask/detail/type_index.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using gentask::detail::type_index;

namespace {

/// Types that nothing else in the process names, so their first use happens here.
template <int N>
struct fresh_a {};
template <int N>
struct fresh_b {};
template <int N>
struct fresh_c {};

template <template <int> class Tag, std::size_t... Is>
std::array<std::size_t, sizeof...(Is)> indices_of(std::index_sequence<Is...> /*seq*/) {
  return {type_index<Tag<static_cast<int>(Is)>>()...};
}

}  // namespace

TEST_CASE("type_index gives each type its own index and the same one at every call",
          "[detail][type_index]") {
  const std::size_t i_int = type_index<int>();
  const std::size_t i_long = type_index<long>();
  const std::size_t i_ptr = type_index<int*>();
  const std::size_t i_const = type_index<const int>();
  CHECK(i_int != i_long);
  CHECK(i_int != i_ptr);
  CHECK(i_long != i_ptr);
  CHECK(i_const != i_int);  // cv-qualified types are distinct types
  for (int round = 0; round < 3; ++round) {
    CHECK(type_index<int>() == i_int);
    CHECK(type_index<long>() == i_long);
    CHECK(type_index<int*>() == i_ptr);
  }
  STATIC_REQUIRE(noexcept(type_index<int>()));
  STATIC_REQUIRE(std::is_same_v<decltype(type_index<int>()), std::size_t>);
}

TEST_CASE("type_index is dense: new types take consecutive indices in order of first use",
          "[detail][type_index]") {
  // Each fresh type is first used inside this loop, one after another, on one thread.
  const auto idx = indices_of<fresh_a>(std::make_index_sequence<8>{});
  for (std::size_t i = 1; i < idx.size(); ++i) CHECK(idx[i] == idx[0] + i);
  // Small: the counter starts at zero, and the process has used only a handful of types.
  CHECK(idx[0] < 1024);
  // A second look returns the same indices and takes no new ones.
  CHECK(indices_of<fresh_a>(std::make_index_sequence<8>{}) == idx);
  CHECK(type_index<fresh_b<0>>() == idx[7] + 1);
}

TEST_CASE("type_index assigns one index per type when threads race on first use",
          "[detail][type_index][threads]") {
  constexpr std::size_t types = 16;
  constexpr int threads = 4;
  std::vector<std::array<std::size_t, types>> seen(threads);
  std::atomic<int> ready{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (ready.load() < threads && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      seen[static_cast<std::size_t>(t)] = indices_of<fresh_c>(std::make_index_sequence<types>{});
    });
  }
  for (auto& w : workers) w.join();
  for (int t = 1; t < threads; ++t) CHECK(seen[static_cast<std::size_t>(t)] == seen[0]);
  auto sorted = seen[0];
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 1; i < types; ++i) CHECK(sorted[i] == sorted[0] + i);  // distinct, dense
}
