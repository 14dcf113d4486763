// stream.hpp: the stream concept (opt-in stream_tag, item and error types, move-constructible)
// and pollable_stream<S, Task> (poll_next returns exactly poll_result<optional<T>, E>).
#include <gentask/core/stream.hpp>

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/streams/iter.hpp>

#include "support/counting_task.hpp"
#include "support/interleave_pending.hpp"
#include "support/manual_timer.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <type_traits>
#include <vector>

using namespace gentask;
namespace arch = gentask::archetypes;
using test::counting_task;
using test::manual_timer_task;

namespace {

/// A stream pollable on every task.
struct counter {
  using stream_concept = stream_tag;
  using item_type = int;
  using error_type = never;
  template <task T>
  stream_poll_result<int, never> poll_next(T& t);
};

struct derived_tag : stream_tag {};
struct derived_tagged {
  using stream_concept = derived_tag;
  using item_type = int;
  using error_type = int;
  template <task T>
  stream_poll_result<int, int> poll_next(T& t);
};
struct untagged {
  using item_type = int;
  using error_type = int;
  template <task T>
  stream_poll_result<int, int> poll_next(T& t);
};
/// A future tag does not make a stream.
struct future_tagged {
  using stream_concept = future_tag;
  using item_type = int;
  using error_type = int;
};
struct no_item {
  using stream_concept = stream_tag;
  using error_type = int;
};
struct no_error {
  using stream_concept = stream_tag;
  using item_type = int;
};
struct immovable {
  using stream_concept = stream_tag;
  using item_type = int;
  using error_type = int;
  immovable() = default;
  immovable(immovable&&) = delete;
  template <task T>
  stream_poll_result<int, int> poll_next(T& t);
};
/// Returns the future shape (no optional): not a stream poll.
struct future_shaped_poll {
  using stream_concept = stream_tag;
  using item_type = int;
  using error_type = int;
  template <task T>
  poll_result<int, int> poll_next(T& t);
};
/// Has poll, not poll_next.
struct named_poll {
  using stream_concept = stream_tag;
  using item_type = int;
  using error_type = int;
  template <task T>
  stream_poll_result<int, int> poll(T& t);
};
/// poll_next only on timer tasks.
struct timer_stream {
  using stream_concept = stream_tag;
  using item_type = int;
  using error_type = never;
  template <timer_task T>
  stream_poll_result<int, never> poll_next(T& t);
};

}  // namespace

TEST_CASE("the stream concept: opt-in tag, item and error types, move-constructible",
          "[core][stream]") {
  // clang-format off
  STATIC_REQUIRE( stream<counter>);
  STATIC_REQUIRE( stream<derived_tagged>);      // a tag derived from stream_tag
  STATIC_REQUIRE( stream<counter&>);            // references and cv-qualifiers are looked through
  STATIC_REQUIRE( stream<const counter&>);
  STATIC_REQUIRE(!stream<untagged>);
  STATIC_REQUIRE(!stream<future_tagged>);
  STATIC_REQUIRE(!stream<no_item>);
  STATIC_REQUIRE(!stream<no_error>);
  STATIC_REQUIRE(!stream<immovable>);
  STATIC_REQUIRE(!stream<int>);
  STATIC_REQUIRE(!stream<ready_future<int>>);   // a future is not a stream
  STATIC_REQUIRE(!future<counter>);             // nor a stream a future
  // clang-format on
  STATIC_REQUIRE(std::is_same_v<item_type_t<counter>, int>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<derived_tagged>, int>);
}

TEST_CASE("pollable_stream needs poll_next to return exactly stream_poll_result",
          "[core][stream]") {
  STATIC_REQUIRE(
      std::is_same_v<stream_poll_result<int, char>, poll_result<std::optional<int>, char>>);
  // clang-format off
  STATIC_REQUIRE( pollable_stream<counter, counting_task>);
  STATIC_REQUIRE( pollable_stream<counter, counting_task&>);
  STATIC_REQUIRE( pollable_stream<counter&, arch::task>);
  STATIC_REQUIRE( pollable_stream<derived_tagged, counting_task>);
  STATIC_REQUIRE(!pollable_stream<untagged, counting_task>);            // not a stream
  STATIC_REQUIRE(!pollable_stream<counter, int>);                       // not a task
  STATIC_REQUIRE(!pollable_stream<future_shaped_poll, counting_task>);  // no optional
  STATIC_REQUIRE(!pollable_stream<named_poll, counting_task>);          // poll is not poll_next
  STATIC_REQUIRE(!pollable_stream<immovable, counting_task>);
  STATIC_REQUIRE( pollable_stream<timer_stream, manual_timer_task>);
  STATIC_REQUIRE( pollable_stream<timer_stream, arch::timer_task>);
  STATIC_REQUIRE(!pollable_stream<timer_stream, counting_task>);
  STATIC_REQUIRE(!pollable_stream<timer_stream, arch::io_task>);
  // clang-format on
}

TEST_CASE("gentask's streams and the test kit's model the concepts", "[core][stream]") {
  std::vector<int> values{1, 2};
  using iter_type = decltype(streams::iter(values));
  STATIC_REQUIRE(stream<iter_type>);
  STATIC_REQUIRE(pollable_stream<iter_type, counting_task>);
  STATIC_REQUIRE(pollable_stream<test::interleave_pending_stream<counter>, counting_task>);
  STATIC_REQUIRE(!pollable_stream<test::interleave_pending_stream<timer_stream>, counting_task>);
}
