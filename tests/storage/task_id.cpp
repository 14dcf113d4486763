#include <gentask/storage/task_id.hpp>

#include <catch2/catch.hpp>

#include <cstdint>

using gentask::task_id;

TEST_CASE("a task id packs group, slot and generation and gives them back", "[storage][task_id]") {
  constexpr task_id id(7, 123456, 99);
  STATIC_REQUIRE(id.get_group() == 7);
  STATIC_REQUIRE(id.get_slot() == 123456);
  STATIC_REQUIRE(id.get_generation() == 99);
  STATIC_REQUIRE(task_id::from_token(id.get_token()) == id);
}

TEST_CASE("the fields use their full widths and the top bit stays clear", "[storage][task_id]") {
  constexpr task_id max(task_id::max_group, task_id::max_slot, task_id::generation_mask);
  STATIC_REQUIRE(max.get_group() == task_id::max_group);
  STATIC_REQUIRE(max.get_slot() == task_id::max_slot);
  STATIC_REQUIRE(max.get_generation() == task_id::generation_mask);
  STATIC_REQUIRE((max.get_token() >> 63U) == 0);
  STATIC_REQUIRE(task_id::slot_bits + task_id::group_bits + task_id::generation_bits == 63);
}

TEST_CASE("generations wrap within their field", "[storage][task_id]") {
  constexpr task_id wrapped(1, 2, task_id::generation_mask + 1U);
  STATIC_REQUIRE(wrapped.get_generation() == 0);
  STATIC_REQUIRE(wrapped.get_group() == 1);
  STATIC_REQUIRE(task_id(1, 2, 3) != task_id(1, 2, 4));
}
