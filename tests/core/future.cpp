#include <gentask/core/future.hpp>

#include <gentask/core/stream.hpp>
#include <gentask/futures/ready.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <type_traits>

using namespace gentask;

namespace {
struct not_opted_in {
  using item_type = int;
  using error_type = never;
};
struct opted_in {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
};
struct derived_tag : future_tag {};
struct opted_in_by_derived_tag {
  using future_concept = derived_tag;
  using item_type = int;
  using error_type = int;
};
struct missing_error {
  using future_concept = future_tag;
  using item_type = int;
};
struct immovable {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  immovable() = default;
  immovable(immovable&&) = delete;
};
struct a_stream {
  using stream_concept = stream_tag;
  using item_type = int;
  using error_type = never;
};
}  // namespace

TEST_CASE("future needs an explicit opt-in tag, item and error types, and moves",
          "[core][future]") {
  STATIC_REQUIRE(future<opted_in>);
  STATIC_REQUIRE(future<opted_in&>);
  STATIC_REQUIRE(future<const opted_in&>);
  STATIC_REQUIRE(future<opted_in_by_derived_tag>);
  STATIC_REQUIRE(future<ready_future<std::unique_ptr<int>>>);
  STATIC_REQUIRE(!future<not_opted_in>);
  STATIC_REQUIRE(!future<missing_error>);
  STATIC_REQUIRE(!future<immovable>);
  STATIC_REQUIRE(!future<int>);
  STATIC_REQUIRE(!future<a_stream>);
  STATIC_REQUIRE(!stream<opted_in>);
  STATIC_REQUIRE(stream<a_stream>);
}

TEST_CASE("item_type_t and error_type_t read a future's types", "[core][future]") {
  STATIC_REQUIRE(std::is_same_v<item_type_t<opted_in_by_derived_tag>, int>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<const opted_in&>, never>);
}
