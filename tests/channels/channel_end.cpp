// detail::channel_end: the move-only shell of a channel end that owns one share of the channel's
// state, driven with a state that counts its releases. The ends built on it (oneshot's sender and
// receiver, mpsc's receiver) are tested with their channels in oneshot.cpp and mpsc.cpp.
#include <gentask/channels/channel_end.hpp>

#include <gentask/channels/mpsc.hpp>
#include <gentask/channels/oneshot.hpp>

#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <type_traits>
#include <utility>

using namespace gentask;

namespace {

struct counted_state {
  int releases = 0;
};

/// What letting go of a toy end's share does: count it.
struct counted_side {
  static void release(counted_state*& state) noexcept {
    if (state != nullptr) ++std::exchange(state, nullptr)->releases;
  }
};

class toy_end : private detail::channel_end<counted_state, counted_side> {
  using end = detail::channel_end<counted_state, counted_side>;

 public:
  toy_end() noexcept = default;
  explicit toy_end(counted_state* state) noexcept : end(state) {}
  toy_end(toy_end&&) noexcept = default;
  toy_end& operator=(toy_end&&) noexcept = default;
  ~toy_end() = default;

  using end::drop;
  [[nodiscard]] bool empty() const noexcept { return state_ == nullptr; }
};

}  // namespace

TEST_CASE("a channel end is move-only and one pointer", "[channels][channel_end]") {
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<toy_end>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<toy_end>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<toy_end>);
  STATIC_REQUIRE(!std::is_copy_assignable_v<toy_end>);
  STATIC_REQUIRE(sizeof(toy_end) == sizeof(void*));
  // The ends built on it.
  STATIC_REQUIRE(sizeof(oneshot::sender<int>) == sizeof(void*));
  STATIC_REQUIRE(sizeof(oneshot::receiver<int>) == sizeof(void*));
  STATIC_REQUIRE(sizeof(mpsc::receiver<int>) == sizeof(void*));
  STATIC_REQUIRE(!std::is_copy_constructible_v<oneshot::sender<int>>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<oneshot::receiver<int>>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<mpsc::receiver<int>>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<mpsc::receiver<int>>);
}

TEST_CASE("a channel end releases its share once, when destroyed", "[channels][channel_end]") {
  counted_state state;
  { const toy_end empty; }
  { const toy_end end(&state); }
  CHECK(state.releases == 1);
}

namespace {
/// A value that carries the receivers of the next ones: the ends are declared while their value
/// type is incomplete (experiment 04's ping-pong requests do this).
struct chained {
  int value = 0;
  oneshot::receiver<chained> next;
  mpsc::receiver<chained> more;
};
}  // namespace

TEST_CASE("a channel end can be declared while its value type is incomplete",
          "[channels][channel_end]") {
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<chained>);
  auto [tx, rx] = oneshot::channel<chained>();
  chained first{1, std::move(rx), {}};
  CHECK_FALSE(std::move(tx).send(chained{2, {}, {}}).has_value());  // delivered to `first.next`
  test::counting_task task;
  auto r = first.next.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value().value == 2);
}

TEST_CASE("moving a channel end moves its share: the source is empty and releases nothing",
          "[channels][channel_end]") {
  counted_state state;
  {
    toy_end a(&state);
    toy_end b(std::move(a));
    CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved from on purpose
    CHECK_FALSE(b.empty());
    CHECK(state.releases == 0);
  }
  CHECK(state.releases == 1);
}

TEST_CASE("assigning to a channel end releases the share it held first",
          "[channels][channel_end]") {
  counted_state old_state;
  counted_state new_state;
  {
    toy_end target(&old_state);
    target = toy_end(&new_state);
    CHECK(old_state.releases == 1);
    CHECK(new_state.releases == 0);
    auto& self = target;
    target = std::move(self);  // self-assignment keeps the share
    CHECK_FALSE(target.empty());
    CHECK(new_state.releases == 0);
  }
  CHECK(old_state.releases == 1);
  CHECK(new_state.releases == 1);
}

TEST_CASE("drop releases the share now, and only once", "[channels][channel_end]") {
  counted_state state;
  {
    toy_end end(&state);
    end.drop();
    CHECK(end.empty());
    CHECK(state.releases == 1);
    end.drop();
  }
  CHECK(state.releases == 1);
}
