#include <gentask/ambient/current_task.hpp>

#include <gentask/core/waker.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <thread>

using namespace gentask;

namespace {

/// A task source whose wakers count their wakes in `*count` (a vtable of our own).
struct counting_source {
  int* count;
  static const waker_vtable vtable;
  static waker make(const void* p) {
    return waker::from_raw(&vtable, const_cast<void*>(p), 0);
  }
};
const waker_vtable counting_source::vtable = {
    [](void* data, std::uint64_t) noexcept { ++*static_cast<counting_source*>(data)->count; },
    [](void*) noexcept {}, [](void*) noexcept {}};

}  // namespace

TEST_CASE("current_task outside a poll throws no_current_task with futures 0.1's words",
          "[ambient][current_task]") {
  CHECK_FALSE(ambient::is_in_task());
  CHECK_THROWS_AS(ambient::current_task(), ambient::no_current_task);
  CHECK_THROWS_WITH(ambient::current_task(), Catch::Contains("no Task is currently running"));
  STATIC_REQUIRE(std::is_base_of_v<std::logic_error, ambient::no_current_task>);
}

TEST_CASE("a task scope makes its source the current task, and scopes nest",
          "[ambient][current_task]") {
  int outer_wakes = 0;
  int inner_wakes = 0;
  counting_source outer{&outer_wakes};
  counting_source inner{&inner_wakes};
  const ambient::task_source outer_source{&outer, &counting_source::make};
  const ambient::task_source inner_source{&inner, &counting_source::make};
  {
    ambient::task_scope a(outer_source);
    CHECK(ambient::is_in_task());
    ambient::current_task().wake();
    {
      ambient::task_scope b(inner_source);  // a per-child handle swapped in
      ambient::current_task().wake();
    }
    ambient::current_task().wake();  // the enclosing task is back
  }
  CHECK(outer_wakes == 2);
  CHECK(inner_wakes == 1);
  CHECK_FALSE(ambient::is_in_task());
}

TEST_CASE("the current task is per thread", "[ambient][current_task][threads]") {
  int wakes = 0;
  counting_source source{&wakes};
  const ambient::task_source s{&source, &counting_source::make};
  ambient::task_scope scope(s);
  bool other_thread_in_task = true;
  std::thread([&] { other_thread_in_task = ambient::is_in_task(); }).join();
  CHECK_FALSE(other_thread_in_task);
  CHECK(ambient::is_in_task());
}
