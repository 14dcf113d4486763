// Fault: a burst of tasks, then a quiet group. Giving the burst's memory back was quadratic in
// its chunks (each released chunk was insertion-sorted into the list of released numbers: about
// 55 ms inside one task completion at 1e6 tasks, 0.9 s at 4e6) and happened only after as many
// quiet completions as the group had cells. Now the released numbers are a min-heap, a sweep
// inspects at most `sweep_steps` chunks per completion, and a reactor that goes idle gives the
// empty chunks back at once (`trim`). Times are experiment 02's (`burst_then_steady`); these
// tests check the bounds, which do not depend on the machine.
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/storage/task_group.hpp>
#include <gentask/time/sleep.hpp>

#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace gentask;
using namespace std::chrono_literals;

namespace {

/// 1024-byte cells: 16 to a chunk.
struct wide {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::array<unsigned char, 1000> bytes{};
  template <task Task>
  poll_result<int, never> poll(Task&) {
    return ready_value{1};
  }
};
using group_type = task_group<wide, test::counting_task>;

void retire(group_type& group, task_id id) {
  task_header* h = group.find(id);
  REQUIRE(h != nullptr);
  group.get_ops().destroy_future(group.cell(id.get_slot()));
  h->set_phase(task_phase::empty);
  group.free_slot(id.get_slot());
}

}  // namespace

TEST_CASE("after a burst, no single completion gives back more than sweep_steps chunks",
          "[misuse][burst]") {
  group_type group(0);
  const std::uint32_t cells = group.get_cells_per_chunk();
  const std::size_t burst = 512 * static_cast<std::size_t>(cells);  // 512 chunks
  std::vector<task_id> ids;
  ids.reserve(burst);
  for (std::size_t i = 0; i < burst; ++i) ids.push_back(group.spawn(wide{}));
  REQUIRE(group.get_chunk_count() == 512);
  for (const task_id id : ids) retire(group, id);  // drained: below a quarter full
  // Steady: one task at a time until the streak starts the sweep and the sweep ends.
  std::size_t most_at_once = 0;
  std::size_t completions = 0;
  while (group.get_chunk_count() > 1 && completions < 4 * burst) {
    const std::size_t before = group.get_chunk_count();
    retire(group, group.spawn(wide{}));
    ++completions;
    const std::size_t after = group.get_chunk_count();
    if (before > after) most_at_once = std::max(most_at_once, before - after);
  }
  CHECK(group.get_chunk_count() == 1);  // the spare
  CHECK(most_at_once <= group_type::sweep_steps);
  CHECK(most_at_once > 0);
}

TEST_CASE("trim gives back a mostly empty group's chunks at once, and nothing from a busy one",
          "[misuse][burst]") {
  group_type group(0);
  const std::uint32_t cells = group.get_cells_per_chunk();
  std::vector<task_id> ids;
  for (std::uint32_t i = 0; i < 64 * cells; ++i) ids.push_back(group.spawn(wide{}));
  group.trim();
  CHECK(group.get_chunk_count() == 64);  // full: nothing to give back
  for (std::size_t i = cells; i < ids.size(); ++i) retire(group, ids[i]);  // one chunk left busy
  group.trim();
  CHECK(group.get_chunk_count() == 2);  // the busy chunk and one spare
  // Released numbers are reused lowest first, so the group refills from the bottom.
  const task_id next = group.spawn(wide{});
  CHECK((next.get_slot() / cells) <= 2);
  retire(group, next);
  retire(group, ids[0]);
}

TEST_CASE("a reactor that goes idle after a burst gives the burst's memory back",
          "[misuse][burst]") {
  local::reactor r;
  const std::size_t burst = 100000;
  {
    std::vector<join_handle<int, never>> handles;
    handles.reserve(burst);
    for (std::size_t i = 0; i < burst; ++i) handles.push_back(r.spawn(ready(1)));
    r.run_until_idle();
    handles.clear();  // results taken by dropping: every cell is free
  }
  const std::size_t peak = r.get_storage().get_chunk_count();
  CHECK(peak > 100);
  CHECK(r.block_on(sleep_for(1ms)).is_ready());  // nothing else to do: the reactor parks
  CHECK(r.get_storage().get_chunk_count() <= 2);
  CHECK(r.get_task_count() == 0);
}

TEST_CASE("a reactor that never goes idle keeps the chunks a batch workload refills",
          "[misuse][burst]") {
  local::reactor r;
  std::vector<join_handle<int, never>> handles;
  handles.reserve(1000);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i) handles.push_back(r.spawn(ready(1)));
    r.run_until_idle();  // returns when nothing is ready: not a park
    handles.clear();
  }
  const std::size_t chunks = r.get_storage().get_chunk_count();
  CHECK(chunks >= 2);  // kept for the next batch (spawning into them allocates nothing)
}
