#include <gentask/storage/task_group.hpp>

#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

using namespace gentask;
using test::counting_task;

namespace {

template <class F>
using group_of = task_group<F, counting_task>;

/// A root type whose cell is `cell_layout<padded<N>>::size` bytes.
template <std::size_t N>
struct padded {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::array<unsigned char, N> bytes{};
  template <task Task>
  poll_result<int, never> poll(Task& /*task*/) {
    return ready_value<int>{static_cast<int>(N)};
  }
};

/// The root type of the release-policy tests: 1024-byte cells, 16 to a chunk.
using policy_future = padded<1000>;
constexpr std::uint32_t policy_cells = 16;

/// Records its own address at its first poll (pending), then is ready with whether it is still
/// at that address.
struct address_probe {
  using future_concept = future_tag;
  using item_type = bool;
  using error_type = never;
  const void** first_seen;
  template <task Task>
  poll_result<bool, never> poll(Task& /*task*/) {
    if (*first_seen == nullptr) {
      *first_seen = this;
      return pending;
    }
    return ready_value<bool>{*first_seen == this};
  }
};

/// A future whose result is far bigger than itself.
struct big_result {
  using future_concept = future_tag;
  using item_type = std::array<unsigned char, 2000>;
  using error_type = never;
  template <task Task>
  poll_result<item_type, never> poll(Task& /*task*/) {
    return ready_value<item_type>{item_type{}};
  }
};

template <class F>
std::uint32_t chunk_of(const group_of<F>& group, task_id id) {
  return id.get_slot() / group.get_cells_per_chunk();
}

/// Destroys the payload and frees the cell, as the reactor does.
template <class F>
void retire(group_of<F>& group, task_id id) {
  task_header* h = group.find(id);
  REQUIRE(h != nullptr);
  void* cell = group.cell(id.get_slot());
  if (h->get_phase() == task_phase::pending) group.get_ops().destroy_future(cell);
  if (h->get_phase() == task_phase::complete) group.get_ops().destroy_result(cell);
  h->set_phase(task_phase::empty);
  group.free_slot(id.get_slot());
}

/// Spawns `count` tasks into `ids`, which must have the room (so that only the group allocates).
template <class F>
void spawn_into(group_of<F>& group, std::size_t count, std::vector<task_id>& ids) {
  REQUIRE(ids.capacity() - ids.size() >= count);
  for (std::size_t i = 0; i < count; ++i) ids.push_back(group.spawn(F{}));
}

template <class F>
std::vector<task_id> spawn_many(group_of<F>& group, std::size_t count) {
  std::vector<task_id> ids;
  ids.reserve(count);
  spawn_into(group, count, ids);
  return ids;
}

/// The ids of `ids` that live in chunk `chunk`.
template <class F>
std::vector<task_id> in_chunk(const group_of<F>& group, const std::vector<task_id>& ids,
                              std::uint32_t chunk) {
  std::vector<task_id> out;
  for (const task_id id : ids) {
    if (chunk_of(group, id) == chunk) out.push_back(id);
  }
  return out;
}

/// The slots `for_each_used` visits.
template <class F>
std::set<std::uint32_t> used_slots(group_of<F>& group) {
  std::set<std::uint32_t> slots;
  group.for_each_used([&](std::uint32_t slot, task_header& h) {
    CHECK(h.get_phase() != task_phase::free);
    CHECK(slots.insert(slot).second);
  });
  return slots;
}

/// A group of `policy_future` with four full chunks, and the ids in each chunk.
struct four_chunks {
  group_of<policy_future> group{3};
  std::vector<task_id> all = spawn_many(group, 4 * policy_cells);
  std::array<std::vector<task_id>, 4> chunk{in_chunk(group, all, 0), in_chunk(group, all, 1),
                                            in_chunk(group, all, 2), in_chunk(group, all, 3)};

  /// Retires every task of chunk `c` but the last `keep`.
  void retire_chunk(std::uint32_t c, std::size_t keep = 0) {
    while (chunk[c].size() > keep) {
      retire(group, chunk[c].back());
      chunk[c].pop_back();
    }
  }
};

}  // namespace

TEST_CASE("a task_group cell holds the header and the larger of the future and its result",
          "[storage][task_group]") {
  STATIC_REQUIRE(sizeof(task_header) == 24);
  using small = cell_layout<padded<8>>;
  STATIC_REQUIRE(small::payload_offset == 24);
  STATIC_REQUIRE(small::size % small::align == 0);
  STATIC_REQUIRE(small::size >= 24 + sizeof(join_result_t<padded<8>>));

  using big = cell_layout<big_result>;
  STATIC_REQUIRE(sizeof(big_result) < 16);
  STATIC_REQUIRE(big::size >= big::payload_offset + 2000);
  STATIC_REQUIRE(big::size >= big::payload_offset + sizeof(join_result_t<big_result>));

  using aligned = cell_layout<padded<1000>>;
  STATIC_REQUIRE(aligned::size == 1024);
}

TEST_CASE("a task_group chunk holds the largest power of two of cells that fits in 16 KiB",
          "[storage][task_group]") {
  STATIC_REQUIRE(cell_layout<padded<24>>::size == 48);
  STATIC_REQUIRE(cell_layout<padded<40>>::size == 64);
  STATIC_REQUIRE(cell_layout<padded<1000>>::size == 1024);
  STATIC_REQUIRE(cell_layout<padded<1008>>::size == 1032);
  STATIC_REQUIRE(cell_layout<padded<4072>>::size == 4096);
  STATIC_REQUIRE(cell_layout<padded<16360>>::size == 16384);
  STATIC_REQUIRE(cell_layout<padded<20000>>::size == 20024);

  CHECK(group_of<padded<24>>(0).get_cells_per_chunk() == 256);  // 341 fit
  CHECK(group_of<padded<40>>(0).get_cells_per_chunk() == 256);  // exactly 256 fit
  CHECK(group_of<padded<1000>>(0).get_cells_per_chunk() == 16);
  CHECK(group_of<padded<1008>>(0).get_cells_per_chunk() == 8);  // 15 fit
  CHECK(group_of<padded<4072>>(0).get_cells_per_chunk() == 4);
  CHECK(group_of<padded<16360>>(0).get_cells_per_chunk() == 1);
  CHECK(group_of<padded<20000>>(0).get_cells_per_chunk() == 1);  // a cell bigger than 16 KiB

  group_of<padded<1008>> group(0);
  CHECK(group.get_cell_size() == 1032);
  CHECK(group.get_chunk_count() == 0);
  CHECK(group.get_capacity() == 0);
  (void)group.spawn(padded<1008>{});
  CHECK(group.get_chunk_count() == 1);
  CHECK(group.get_capacity() == 8);
}

TEST_CASE("task_group ids carry the group id and number slots chunk by chunk",
          "[storage][task_group]") {
  group_of<policy_future> group(9);
  CHECK(group.get_group_id() == 9);
  const auto ids = spawn_many(group, 3 * policy_cells);
  std::map<std::uint32_t, std::size_t> per_chunk;
  std::set<std::uint32_t> slots;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(ids[i].get_group() == 9);
    CHECK(ids[i].get_generation() == 0);
    CHECK(chunk_of(group, ids[i]) == i / policy_cells);  // a chunk fills before the next opens
    ++per_chunk[chunk_of(group, ids[i])];
    slots.insert(ids[i].get_slot());
  }
  CHECK(slots.size() == ids.size());
  CHECK(per_chunk.size() == 3);
  for (const auto& [chunk, count] : per_chunk) CHECK(count == policy_cells);
  CHECK(group.get_live_count() == ids.size());
  CHECK(group.get_chunk_count() == 3);
  CHECK(group.id_of(ids[5].get_slot()) == ids[5]);
}

TEST_CASE("task_group advances a slot's generation each time its cell is freed",
          "[storage][task_group]") {
  group_of<policy_future> group(0);
  std::vector<task_id> ids;
  for (int i = 0; i < 5; ++i) {
    const task_id id = group.spawn(policy_future{});
    if (!ids.empty()) {
      CHECK(id.get_slot() == ids.back().get_slot());
      CHECK(id.get_generation() > ids.back().get_generation());
    }
    ids.push_back(id);
    retire(group, id);
    CHECK(group.find(id) == nullptr);
    CHECK(group.id_of(id.get_slot()) != id);
  }
}

TEST_CASE("task_group keeps live tasks at their addresses while it grows",
          "[storage][task_group]") {
  group_of<address_probe> group(0);
  counting_task task;
  const std::uint32_t per_chunk = group.get_cells_per_chunk();
  std::vector<const void*> first_seen(per_chunk, nullptr);  // never resized: stable elements
  std::vector<task_id> ids;
  std::vector<task_header*> headers;
  for (std::uint32_t i = 0; i < per_chunk; ++i) {
    ids.push_back(group.spawn(address_probe{&first_seen[i]}));
    headers.push_back(group.find(ids.back()));
    CHECK_FALSE(group.poll_direct(ids.back().get_slot(), task));
    REQUIRE(first_seen[i] != nullptr);
  }

  // Eight more chunks: the group's own tables grow and move, the chunks do not.
  std::vector<const void*> later_seen(8 * per_chunk, nullptr);
  for (std::uint32_t i = 0; i < 8 * per_chunk; ++i) {
    (void)group.spawn(address_probe{&later_seen[i]});
  }
  CHECK(group.get_chunk_count() == 9);

  for (std::uint32_t i = 0; i < per_chunk; ++i) {
    CHECK(group.find(ids[i]) == headers[i]);
    CHECK(cell_layout<address_probe>::future(group.cell(ids[i].get_slot())) == first_seen[i]);
    REQUIRE(group.poll_direct(ids[i].get_slot(), task));
    const auto* result = cell_layout<address_probe>::result(group.cell(ids[i].get_slot()));
    REQUIRE(result->is_ready());
    CHECK(result->get_value());  // polled at the address it first had
    group.find(ids[i])->set_phase(task_phase::complete);
  }
}

TEST_CASE("task_group allocates nothing to spawn and free within its capacity",
          "[storage][task_group]") {
  group_of<policy_future> group(0);
  retire(group, group.spawn(policy_future{}));  // the first chunk
  std::vector<task_id> ids;
  ids.reserve(policy_cells);
  test::allocation_counter counter;
  for (int round = 0; round < 4; ++round) {
    for (std::uint32_t i = 0; i < policy_cells; ++i) ids.push_back(group.spawn(policy_future{}));
    for (const task_id id : ids) retire(group, id);
    ids.clear();
  }
  for (int i = 0; i < 1000; ++i) retire(group, group.spawn(policy_future{}));
  CHECK(counter.get_count() == 0);
  CHECK(group.get_chunk_count() == 1);
}

TEST_CASE("task_group allocates only at the spawn that opens a chunk", "[storage][task_group]") {
  group_of<policy_future> group(0);
  std::vector<task_id> ids;
  ids.reserve(8 * policy_cells);
  for (std::uint32_t chunk = 0; chunk < 8; ++chunk) {
    {
      test::allocation_counter counter;
      ids.push_back(group.spawn(policy_future{}));
      CHECK(counter.get_count() >= 1);
    }
    CHECK(group.get_chunk_count() == chunk + 1);
    CHECK(chunk_of(group, ids.back()) == chunk);
    test::allocation_counter counter;
    for (std::uint32_t i = 1; i < policy_cells; ++i) ids.push_back(group.spawn(policy_future{}));
    CHECK(counter.get_count() == 0);
    CHECK(group.get_chunk_count() == chunk + 1);
    CHECK(group.get_capacity() == (chunk + 1) * policy_cells);
  }
}

TEST_CASE(
    "task_group growth costs two allocations per new chunk plus a logarithmic number for its "
    "tables",
    "[storage][task_group]") {
  group_of<policy_future> group(0);
  std::vector<task_id> ids;
  ids.reserve(33 * policy_cells);
  for (std::uint32_t i = 0; i < policy_cells; ++i) ids.push_back(group.spawn(policy_future{}));
  test::allocation_counter counter;
  for (std::uint32_t i = 0; i < 32 * policy_cells; ++i) ids.push_back(group.spawn(policy_future{}));
  REQUIRE(group.get_chunk_count() == 33);
  // Each new chunk number: its cells and its block of generations. The tables indexed by chunk
  // number (chunks, generation blocks, released numbers) grow geometrically: about log2(33)
  // reallocations each.
  const std::size_t bookkeeping = counter.get_count() - 2 * 32;
  CHECK(bookkeeping <= 3 * (static_cast<std::size_t>(std::bit_width(33U)) + 1));
}

TEST_CASE("task_group keeps its only chunk when that chunk's last task ends",
          "[storage][task_group][release]") {
  group_of<policy_future> group(0);
  for (std::uint32_t i = 0; i < 4 * policy_cells; ++i) retire(group, group.spawn(policy_future{}));
  CHECK(group.get_chunk_count() == 1);
  CHECK(group.get_capacity() == policy_cells);
  test::allocation_counter counter;
  retire(group, group.spawn(policy_future{}));
  CHECK(counter.get_count() == 0);
}

TEST_CASE("task_group counts quiet completions below a quarter and restarts at a quarter or above",
          "[storage][task_group][release]") {
  four_chunks g;  // 64 cells, 64 live
  g.retire_chunk(0);
  g.retire_chunk(1);
  g.retire_chunk(2);  // 16 of 64 left: exactly a quarter is not below it
  CHECK(g.group.get_quiet_completions() == 0);
  g.retire_chunk(3, 10);  // 6 completions, each leaving fewer than 16
  CHECK(g.group.get_quiet_completions() == 6);
  std::vector<task_id> ids;
  ids.reserve(6);
  spawn_into(g.group, 6, ids);  // back to 16 of 64: the streak restarts
  CHECK(g.group.get_quiet_completions() == 0);
  retire(g.group, ids.back());
  CHECK(g.group.get_quiet_completions() == 1);
  CHECK(g.group.get_chunk_count() == 4);
}

TEST_CASE(
    "task_group gives memory back once it has stayed below a quarter full for as many "
    "completions as it has cells",
    "[storage][task_group][release]") {
  four_chunks g;
  g.retire_chunk(1);
  g.retire_chunk(2);
  g.retire_chunk(3);
  g.retire_chunk(0, 1);  // one task left, in chunk 0: chunks 1, 2 and 3 are empty
  const std::size_t quiet = g.group.get_quiet_completions();
  REQUIRE(quiet > 0);
  REQUIRE(g.group.get_chunk_count() == 4);
  test::allocation_counter counter;
  const std::size_t needed = g.group.get_capacity() - quiet;
  for (std::size_t i = 0; i + 1 < needed; ++i) {
    retire(g.group, g.group.spawn(policy_future{}));
    REQUIRE(g.group.get_chunk_count() == 4);  // not yet: the group has not stayed quiet long enough
  }
  retire(g.group, g.group.spawn(policy_future{}));  // the completion that ends the streak
  CHECK(g.group.get_chunk_count() == 2);            // chunk 0 (one task) and one spare
  CHECK(g.group.get_capacity() == 2 * policy_cells);
  CHECK(g.group.get_quiet_completions() == 0);
  CHECK(counter.get_count() == 0);  // giving memory back allocates nothing

  // A chunk's worth of spawns fits in the spare without allocating.
  std::vector<task_id> ids;
  ids.reserve(policy_cells - 1);
  test::allocation_counter refill;
  spawn_into(g.group, policy_cells - 1, ids);
  CHECK(refill.get_count() == 0);
}

TEST_CASE("task_group does not give back the chunks a batch workload keeps needing",
          "[storage][task_group][release]") {
  SECTION("fill four chunks and drain them, again and again") {
    group_of<policy_future> group(0);
    std::vector<task_id> ids;
    ids.reserve(4 * policy_cells);
    spawn_into(group, 4 * policy_cells, ids);
    for (const task_id id : ids) retire(group, id);
    ids.clear();
    test::allocation_counter counter;
    for (int round = 0; round < 50; ++round) {
      spawn_into(group, 4 * policy_cells, ids);
      for (const task_id id : ids) retire(group, id);
      ids.clear();
    }
    CHECK(counter.get_count() == 0);
    CHECK(group.get_chunk_count() == 4);
  }
  SECTION("one task at a time across a chunk boundary") {
    group_of<policy_future> group(0);
    const auto full = spawn_many(group, policy_cells);
    retire(group, group.spawn(policy_future{}));  // opens the second chunk
    test::allocation_counter counter;
    for (int round = 0; round < 1000; ++round) retire(group, group.spawn(policy_future{}));
    CHECK(counter.get_count() == 0);
    CHECK(group.get_chunk_count() == 2);  // half full: never quiet
  }
}

/// Drains a group of four full chunks to `keep_in_chunk0` tasks in chunk 0, then runs quiet
/// spawn-and-complete cycles until the sweep has given the empty chunks back.
template <class Four>
void drain_and_sweep(Four& g, std::size_t keep_in_chunk0) {
  for (std::uint32_t c = 1; c < 4; ++c) g.retire_chunk(c);
  g.retire_chunk(0, keep_in_chunk0);
  while (g.group.get_chunk_count() == 4) retire(g.group, g.group.spawn(policy_future{}));
}

TEST_CASE("task_group reuses released chunk numbers lowest first",
          "[storage][task_group][release]") {
  four_chunks g;
  drain_and_sweep(g, 0);
  REQUIRE(g.group.get_chunk_count() == 1);  // chunk 0, the spare

  // Chunk 0 fills first, then the released numbers 1, 2, 3 in order, then a new number 4.
  std::vector<task_id> ids;
  ids.reserve(policy_cells);
  for (std::uint32_t expected = 0; expected < 5; ++expected) {
    ids.clear();
    test::allocation_counter counter;
    spawn_into(g.group, policy_cells, ids);
    for (const task_id id : ids) CHECK(chunk_of(g.group, id) == expected);
    CHECK(g.group.get_chunk_count() == expected + 1);
    if (expected >= 1 && expected <= 3) {
      CHECK(counter.get_count() == 1);  // a reused number: the chunk's cells only
    }
  }
}

TEST_CASE("task_group ids into a released chunk stay stale and find does not touch released memory",
          "[storage][task_group][release]") {
  // Run under AddressSanitizer: find must check the generation before reading any chunk.
  four_chunks g;
  const std::vector<task_id> stale = g.all;
  drain_and_sweep(g, 0);
  REQUIRE(g.group.get_chunk_count() == 1);

  for (const task_id id : stale) CHECK(g.group.find(id) == nullptr);
  CHECK(used_slots(g.group).empty());

  // Reopen every released number: the slots come back under new generations.
  const auto fresh = spawn_many(g.group, 4 * policy_cells);
  REQUIRE(g.group.get_chunk_count() == 4);
  std::map<std::uint32_t, task_id> stale_by_slot;
  for (const task_id id : stale) stale_by_slot.emplace(id.get_slot(), id);
  for (const task_id id : fresh) {
    REQUIRE(g.group.find(id) != nullptr);
    const auto it = stale_by_slot.find(id.get_slot());
    REQUIRE(it != stale_by_slot.end());
    CHECK(id.get_generation() != it->second.get_generation());
  }
  for (const task_id id : stale) CHECK(g.group.find(id) == nullptr);
}

TEST_CASE("task_group for_each_used visits the used cells around released chunks",
          "[storage][task_group][release]") {
  four_chunks g;
  drain_and_sweep(g, 3);
  REQUIRE(g.group.get_chunk_count() == 2);  // chunk 0 with 3 tasks, and the spare
  std::set<std::uint32_t> expected;
  for (const task_id id : g.chunk[0]) expected.insert(id.get_slot());
  CHECK(expected.size() == 3);
  CHECK(used_slots(g.group) == expected);
}

TEST_CASE("task_group disable_release keeps every chunk", "[storage][task_group][release]") {
  four_chunks g;
  g.group.disable_release();
  for (std::uint32_t c = 0; c < 4; ++c) g.retire_chunk(c);
  for (int i = 0; i < 1000; ++i) retire(g.group, g.group.spawn(policy_future{}));
  CHECK(g.group.get_live_count() == 0);
  CHECK(g.group.get_chunk_count() == 4);
  CHECK(g.group.get_capacity() == 4 * policy_cells);
}

TEST_CASE("destroying a task_group destroys each remaining future and result once",
          "[storage][task_group]") {
  using probe_type = test::probe<int, never>;
  test::probe_record record;
  std::size_t spawned = 0;
  {
    group_of<probe_type> group(0);
    counting_task task;
    const std::uint32_t per_chunk = group.get_cells_per_chunk();
    std::vector<task_id> ids;
    for (std::uint32_t i = 0; i < 3 * per_chunk; ++i) {
      ids.push_back(group.spawn(probe_type(record, ready_value<int>{1})));
    }
    spawned = ids.size();
    const auto chunk0 = in_chunk(group, ids, 0);
    const auto chunk1 = in_chunk(group, ids, 1);
    const auto chunk2 = in_chunk(group, ids, 2);
    for (const task_id id : chunk0) retire(group, id);  // the spare
    for (std::size_t i = 1; i < chunk2.size(); ++i) retire(group, chunk2[i]);
    for (const task_id id : chunk1) retire(group, id);
    // Quiet completions until the sweep gives chunk 1 back: one task left, in chunk 2.
    while (group.get_chunk_count() == 3) {
      retire(group, group.spawn(probe_type(record, ready_value<int>{0})));
      ++spawned;
    }
    REQUIRE(group.get_live_count() == 1);
    REQUIRE(group.get_chunk_count() == 2);
    REQUIRE(group.poll_direct(chunk2[0].get_slot(), task));  // one complete result remains
    group.find(chunk2[0])->set_phase(task_phase::complete);
    const task_id pending_one = group.spawn(probe_type(record, ready_value<int>{2}));
    ++spawned;
    CHECK(group.find(pending_one) != nullptr);
    CHECK(record.destroyed == spawned - 1);
  }
  CHECK(record.destroyed == spawned);
}
