#pragma once
/// @file
/// `task_id`: a spawned task's identity within its reactor, packed into the 64-bit token that
/// wake handles and join handles carry: | generation (24) | group (15) | slot (24) |, top bit 0.
///
/// The generation of a slot advances every time the slot is freed, so an id held after its task
/// ended (a stale wake handle) no longer matches and does nothing. 24 bits wrap after 16.7
/// million reuses of one slot; a stale *wake* handle that survives that long can at worst cause
/// a spurious wake of the new occupant, which the wake contract allows. Join handles never see
/// reuse: a slot is freed only after its join handle has released it.

#include <cstdint>

namespace gentask {

class task_id {
 public:
  static constexpr std::uint32_t slot_bits = 24;
  static constexpr std::uint32_t group_bits = 15;
  static constexpr std::uint32_t generation_bits = 24;
  static constexpr std::uint32_t max_slot = (1U << slot_bits) - 1U;
  static constexpr std::uint32_t max_group = (1U << group_bits) - 1U;
  static constexpr std::uint32_t generation_mask = (1U << generation_bits) - 1U;
  /// The group id reserved for a reactor's root future (block_on).
  static constexpr std::uint32_t root_group = max_group;

  constexpr task_id() noexcept = default;
  constexpr task_id(std::uint32_t group, std::uint32_t slot, std::uint32_t generation) noexcept
      : value_(
            (static_cast<std::uint64_t>(generation & generation_mask) << (slot_bits + group_bits)) |
            (static_cast<std::uint64_t>(group) << slot_bits) | slot) {}
  static constexpr task_id from_token(std::uint64_t token) noexcept {
    task_id id;
    id.value_ = token;
    return id;
  }

  [[nodiscard]] constexpr std::uint32_t get_slot() const noexcept {
    return static_cast<std::uint32_t>(value_) & max_slot;
  }
  [[nodiscard]] constexpr std::uint32_t get_group() const noexcept {
    return static_cast<std::uint32_t>(value_ >> slot_bits) & max_group;
  }
  [[nodiscard]] constexpr std::uint32_t get_generation() const noexcept {
    return static_cast<std::uint32_t>(value_ >> (slot_bits + group_bits)) & generation_mask;
  }
  [[nodiscard]] constexpr std::uint64_t get_token() const noexcept { return value_; }

  friend constexpr bool operator==(task_id, task_id) noexcept = default;

 private:
  std::uint64_t value_ = 0;
};

}  // namespace gentask
