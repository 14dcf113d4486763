// task_cell.hpp: the 24-byte task_header (ready-list link, joiner, phase and flags), the cell
// layout (one payload slot shared by the root future and its result), and cell_ops_for<F, Task>
// (poll: on completion the future is destroyed once and its result built in its place).
#include <gentask/storage/task_cell.hpp>

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/spawn/join_error.hpp>
#include <gentask/storage/task_id.hpp>

#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

using namespace gentask;
using namespace gentask::test;
using gentask::cell_layout;
using gentask::cell_ops_for;
using gentask::task_header;
using gentask::task_phase;
namespace d = gentask;  // the cell layout is public (the reactor kit relies on it)

namespace {

/// Raw, suitably aligned memory for one cell of root type F (the payload is built by hand).
template <class F>
struct cell_memory {
  using layout = cell_layout<F>;
  alignas(layout::align) unsigned char bytes[layout::size];
  void* get() noexcept { return bytes; }
};

/// A future bigger than its result.
struct big_future {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::byte padding[200];
  template <task T>
  poll_result<int, never> poll(T& t);
};
/// A future smaller than its result.
struct big_result_future {
  using future_concept = future_tag;
  using item_type = std::array<std::byte, 300>;
  using error_type = never;
  template <task T>
  poll_result<item_type, never> poll(T& t);
};
/// An over-aligned future.
struct alignas(64) aligned_future {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  int v;
  template <task T>
  poll_result<int, never> poll(T& /*t*/) {
    return ready_value{v};
  }
};

template <class F>
constexpr bool layout_is_sound() {
  using layout = cell_layout<F>;
  using result = join_result_t<F>;
  return layout::payload_offset >= sizeof(task_header) &&
         layout::payload_offset % alignof(F) == 0 &&
         layout::payload_offset % alignof(result) == 0 && layout::align >= alignof(task_header) &&
         layout::align >= alignof(F) && layout::align >= alignof(result) &&
         layout::size % layout::align == 0 && layout::size >= layout::payload_offset + sizeof(F) &&
         layout::size >= layout::payload_offset + sizeof(result) &&
         // one slot, not two: no more than the larger of the two plus alignment slack
         layout::size < layout::payload_offset + sizeof(F) + sizeof(result) + layout::align;
}

/// Throws from its poll (not a std::exception: only the original object gets through).
struct thrown {
  int code;
};
struct throwing_future {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = std::string;
  template <task T>
  poll_result<int, std::string> poll(T& /*t*/) {
    throw thrown{17};
  }
};

}  // namespace

TEST_CASE("a task header is 24 bytes and starts free, unlinked, with no flags",
          "[storage][task_cell]") {
  STATIC_REQUIRE(sizeof(task_header) == 24);
  STATIC_REQUIRE(std::is_trivially_copyable_v<task_header>);
  const task_header h;
  CHECK(h.next == d::no_link);
  CHECK(h.joiner == 0);
  CHECK(h.get_phase() == task_phase::free);
  CHECK_FALSE(h.has(d::flag_queued));
  CHECK_FALSE(h.has(d::flag_running));
  CHECK_FALSE(h.has(d::flag_detached));
  CHECK_FALSE(h.has(d::flag_cancel));
}

TEST_CASE("no_link is never a task token", "[storage][task_cell]") {
  // Tokens have their top bit clear, even the largest id; no_link has it set.
  constexpr task_id largest(task_id::max_group, task_id::max_slot, task_id::generation_mask);
  STATIC_REQUIRE((largest.get_token() >> 63U) == 0U);
  STATIC_REQUIRE((d::no_link >> 63U) == 1U);
  STATIC_REQUIRE(largest.get_token() != d::no_link);
}

TEST_CASE("the phase and the four flags are separate bits of the state word",
          "[storage][task_cell]") {
  constexpr std::uint32_t flags[] = {d::flag_queued, d::flag_running, d::flag_detached,
                                     d::flag_cancel};
  std::uint32_t seen = d::phase_mask;
  for (const std::uint32_t f : flags) {
    CHECK((f & (f - 1U)) == 0U);  // one bit
    CHECK((f & seen) == 0U);      // outside the phase and the other flags
    seen |= f;
  }
  for (auto p : {task_phase::free, task_phase::pending, task_phase::complete, task_phase::empty}) {
    CHECK((static_cast<std::uint32_t>(p) & ~d::phase_mask) == 0U);  // every phase fits the mask
  }
}

TEST_CASE("setting the phase keeps the flags, and flags leave the phase alone",
          "[storage][task_cell]") {
  task_header h;
  h.set(d::flag_queued);
  h.set(d::flag_detached);
  for (auto p : {task_phase::pending, task_phase::complete, task_phase::empty, task_phase::free,
                 task_phase::complete}) {
    h.set_phase(p);
    CHECK(h.get_phase() == p);
    CHECK(h.has(d::flag_queued));
    CHECK(h.has(d::flag_detached));
    CHECK_FALSE(h.has(d::flag_running));
  }
  h.set(d::flag_running);
  h.clear(d::flag_queued);
  CHECK(h.get_phase() == task_phase::complete);
  CHECK_FALSE(h.has(d::flag_queued));
  CHECK(h.has(d::flag_running));
  CHECK(h.has(d::flag_detached));
  h.clear(d::flag_running | d::flag_detached);
  CHECK_FALSE(h.has(d::flag_running | d::flag_detached));
  CHECK(h.get_phase() == task_phase::complete);
  CHECK(h.state == static_cast<std::uint32_t>(task_phase::complete));
}

TEST_CASE("a cell holds the future and its result in one aligned payload slot after the header",
          "[storage][task_cell]") {
  STATIC_REQUIRE(layout_is_sound<yield_now<int>>());
  STATIC_REQUIRE(layout_is_sound<big_future>());
  STATIC_REQUIRE(layout_is_sound<big_result_future>());
  STATIC_REQUIRE(layout_is_sound<aligned_future>());
  STATIC_REQUIRE(layout_is_sound<probe<std::string, std::string>>());
  STATIC_REQUIRE(cell_layout<aligned_future>::payload_offset == 64);
  STATIC_REQUIRE(cell_layout<aligned_future>::align == 64);
  STATIC_REQUIRE(cell_layout<yield_now<int>>::payload_offset == sizeof(task_header));
  STATIC_REQUIRE(
      std::is_same_v<cell_layout<big_future>::result_type, poll_result<int, join_error<never>>>);
  STATIC_REQUIRE(std::is_same_v<join_result_t<probe<int, std::string>>,
                                poll_result<int, join_error<std::string>>>);

  cell_memory<aligned_future> cell;
  using layout = cell_layout<aligned_future>;
  auto* base = static_cast<unsigned char*>(cell.get());
  CHECK(reinterpret_cast<unsigned char*>(layout::future(cell.get())) ==
        base + layout::payload_offset);
  CHECK(static_cast<void*>(layout::result(cell.get())) ==
        static_cast<void*>(layout::future(cell.get())));  // the same slot
}

TEST_CASE("cell_ops poll leaves a pending future in place and reports not done",
          "[storage][task_cell]") {
  using F = probe<int, std::string>;
  using ops = cell_ops_for<F, counting_task>;
  counting_task task;
  probe_record record;
  cell_memory<F> cell;
  std::construct_at(cell_layout<F>::future(cell.get()), record, ready_value{5}, 2);
  CHECK_FALSE(ops::poll(cell.get(), task));
  CHECK_FALSE(ops::poll(cell.get(), task));
  CHECK(record.polls == 2);
  CHECK(record.destroyed == 0);
  CHECK(task.get_wake_count() == 2);
  ops::destroy_future(cell.get());  // canceled while pending
  CHECK(record.destroyed == 1);
}

TEST_CASE("cell_ops poll destroys the future once and builds its ready result in the slot",
          "[storage][task_cell]") {
  using F = probe<std::unique_ptr<counted>, std::string>;
  using ops = cell_ops_for<F, counting_task>;
  counting_task task;
  probe_record record;
  lifecycle life;
  cell_memory<F> cell;
  std::construct_at(cell_layout<F>::future(cell.get()), record,
                    ready_value{std::make_unique<counted>(life, 9)}, 1);
  CHECK_FALSE(ops::poll(cell.get(), task));
  CHECK(ops::poll(cell.get(), task));
  CHECK(record.destroyed == 1);  // the future is gone before completion is reported
  auto& result = *cell_layout<F>::result(cell.get());
  REQUIRE(result.is_ready());
  CHECK(result.get_value()->get_value() == 9);
  CHECK_FALSE(ops::is_exception(cell.get()));
  CHECK(life.get_alive() == 1);
  ops::destroy_result(cell.get());  // not taken
  CHECK(life.get_alive() == 0);
  CHECK(record.destroyed == 1);
}

TEST_CASE("cell_ops poll wraps the future's error in join_error", "[storage][task_cell]") {
  using F = probe<int, std::string>;
  using ops = cell_ops_for<F, counting_task>;
  counting_task task;
  probe_record record;
  cell_memory<F> cell;
  std::construct_at(cell_layout<F>::future(cell.get()), record,
                    failed_value{std::string("broken")});
  CHECK(ops::poll(cell.get(), task));
  CHECK(record.destroyed == 1);
  auto& result = *cell_layout<F>::result(cell.get());
  REQUIRE(result.is_failed());
  REQUIRE(result.get_error().is_error());
  CHECK(result.get_error().get_error() == "broken");
  CHECK_FALSE(ops::is_exception(cell.get()));
  ops::destroy_result(cell.get());
}

TEST_CASE("cell_ops poll turns an exception escaping the future into the task's result",
          "[storage][task_cell]") {
  using ops = cell_ops_for<throwing_future, counting_task>;
  counting_task task;
  cell_memory<throwing_future> cell;
  std::construct_at(cell_layout<throwing_future>::future(cell.get()));
  bool done = false;
  CHECK_NOTHROW(done = ops::poll(cell.get(), task));
  CHECK(done);
  CHECK(ops::is_exception(cell.get()));
  auto& result = *cell_layout<throwing_future>::result(cell.get());
  REQUIRE(result.is_failed());
  REQUIRE(result.get_error().is_exception());
  try {
    result.get_error().rethrow_if_exception();
    FAIL("no exception rethrown");
  } catch (const thrown& t) {
    CHECK(t.code == 17);
  }
  ops::destroy_result(cell.get());
}

TEST_CASE("the cell_ops table points at the typed operations of its root type",
          "[storage][task_cell]") {
  using F = probe<int, std::string>;
  using ops = cell_ops_for<F, counting_task>;
  constexpr const d::cell_ops<counting_task>& table = ops::table;
  STATIC_REQUIRE(table.poll == &ops::poll);
  STATIC_REQUIRE(table.destroy_future == &ops::destroy_future);
  STATIC_REQUIRE(table.destroy_result == &ops::destroy_result);
  STATIC_REQUIRE(table.is_exception == &ops::is_exception);
  STATIC_REQUIRE(table.payload_offset == cell_layout<F>::payload_offset);
  STATIC_REQUIRE(noexcept(ops::destroy_future(nullptr)));
  STATIC_REQUIRE(noexcept(ops::is_exception(nullptr)));
  STATIC_REQUIRE(cell_ops_for<aligned_future, counting_task>::table.payload_offset == 64);
}
