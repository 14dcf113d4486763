#include <gentask/core/waker.hpp>

#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>

using namespace gentask;
using gentask::test::counting_task;

namespace {
struct recorder {
  int wakes = 0;
  std::uint64_t last_token = 0;
  int refs = 1;
};
constexpr waker_vtable recorder_vtable = {
    [](void* d, std::uint64_t token) noexcept {
      auto* r = static_cast<recorder*>(d);
      ++r->wakes;
      r->last_token = token;
    },
    [](void* d) noexcept { ++static_cast<recorder*>(d)->refs; },
    [](void* d) noexcept { --static_cast<recorder*>(d)->refs; },
};
}  // namespace

TEST_CASE("a default waker wakes nothing", "[core][waker]") {
  waker w;
  CHECK(w.is_noop());
  w.wake();  // no effect, no crash
  remote_waker r;
  CHECK(r.is_noop());
  r.wake();
  CHECK(w.will_wake(waker{}));
}

TEST_CASE("wake reaches the vtable with the handle's token", "[core][waker]") {
  recorder rec;
  {
    waker w = waker::from_raw(&recorder_vtable, &rec, 42);
    w.wake();
    w.wake();
    CHECK(rec.wakes == 2);
    CHECK(rec.last_token == 42);
    CHECK(w.get_token() == 42);
  }
  CHECK(rec.refs == 0);  // the adopted reference was released
}

TEST_CASE("copies retain, drops release and moves transfer", "[core][waker]") {
  counting_task task;
  {
    waker a = task.get_waker();
    CHECK(task.get_live_handles() == 1);
    waker b = a;
    CHECK(task.get_live_handles() == 2);
    waker c = std::move(b);
    CHECK(task.get_live_handles() == 2);
    CHECK(b.is_noop());  // NOLINT(bugprone-use-after-move): moved-from handles are no-ops
    a = c;
    CHECK(task.get_live_handles() == 2);
    a = waker{};
    CHECK(task.get_live_handles() == 1);
    c.wake();
    CHECK(task.get_wake_count() == 1);
  }
  CHECK(task.get_live_handles() == 0);
}

TEST_CASE("will_wake compares the target, not the object", "[core][waker]") {
  recorder rec;
  ++rec.refs;
  waker a = waker::from_raw(&recorder_vtable, &rec, 1);
  waker b = a;
  waker other_token = waker::from_raw(&recorder_vtable, &rec, 2);
  CHECK(a.will_wake(b));
  CHECK_FALSE(a.will_wake(other_token));
  CHECK_FALSE(a.will_wake(waker{}));
}

TEST_CASE("a remote_waker is usable as a waker", "[core][waker]") {
  recorder rec;
  remote_waker r = remote_waker::from_raw(&recorder_vtable, &rec, 7);
  waker w = r;
  CHECK(rec.refs == 2);
  w.wake();
  CHECK(rec.last_token == 7);
  CHECK(w.will_wake(r));
  STATIC_REQUIRE(std::is_convertible_v<remote_waker, waker>);
  STATIC_REQUIRE(!std::is_convertible_v<waker, remote_waker>);
}

TEST_CASE("wake handles are three words and nothrow to copy, move and wake", "[core][waker]") {
  STATIC_REQUIRE(sizeof(waker) == 2 * sizeof(void*) + sizeof(std::uint64_t));
  STATIC_REQUIRE(std::is_nothrow_copy_constructible_v<waker>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<remote_waker>);
  STATIC_REQUIRE(noexcept(std::declval<const waker&>().wake()));
}
