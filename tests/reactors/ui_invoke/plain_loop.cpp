// reactors/ui_invoke/plain_loop.hpp: the plain loop's unparker parks in poll(2) on an eventfd;
// a post before the park or during it wakes it; with no deadline and no other holder of the
// inbox it reports a stall; a deadline times out; a last release from another thread turns a
// parked reactor into a stalled one.
#include <gentask/reactors/ui_invoke/plain_loop.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace gentask;
using namespace std::chrono_literals;
using ui_invoke::plain_unparker;
using inbox = runtime::basic_remote_inbox<plain_unparker>;

namespace {
/// An inbox with the reactor's own reference, released at the end.
struct owned_inbox {
  inbox* in = new inbox;
  owned_inbox() = default;
  owned_inbox(const owned_inbox&) = delete;
  owned_inbox& operator=(const owned_inbox&) = delete;
  ~owned_inbox() { in->release(); }
  runtime::park_result park(std::optional<time_point> deadline = std::nullopt) {
    return in->get_unparker().park(*in, deadline);
  }
};
}  // namespace

TEST_CASE("plain_unparker models unparker, and plain_loop names it", "[ui_invoke][plain_loop]") {
  STATIC_REQUIRE(runtime::unparker<plain_unparker>);
  STATIC_REQUIRE(std::same_as<ui_invoke::plain_loop::unparker_type, plain_unparker>);
}

TEST_CASE("park returns woken at once when something was posted before it",
          "[ui_invoke][plain_loop]") {
  owned_inbox o;
  o.in->post_wake(7);
  CHECK(o.park() == runtime::park_result::woken);
}

TEST_CASE("park with no deadline and no other holder of the inbox is stalled",
          "[ui_invoke][plain_loop]") {
  owned_inbox o;
  CHECK(o.park() == runtime::park_result::stalled);
}

TEST_CASE("park with a deadline times out, and is never stalled", "[ui_invoke][plain_loop]") {
  owned_inbox o;
  const auto start = timer_clock::now();
  CHECK(o.park(start + 20ms) == runtime::park_result::timeout);
  CHECK(timer_clock::now() - start >= 20ms);
}

TEST_CASE("a post from another thread wakes a parked reactor, and a last release stalls it",
          "[ui_invoke][plain_loop][threads]") {
  owned_inbox o;
  o.in->retain();  // another thread's handle
  std::thread poster([in = o.in] {
    std::this_thread::sleep_for(20ms);
    in->post_wake(1);
    std::this_thread::sleep_for(20ms);
    in->release();  // the last other holder goes: nothing can wake the reactor any more
  });
  CHECK(o.park() == runtime::park_result::woken);
  runtime::remote_batch b;
  CHECK(o.in->take(b));
  CHECK(b.tokens.size() == 1);
  runtime::park_result r = runtime::park_result::woken;
  while ((r = o.park()) == runtime::park_result::timeout) {
  }
  CHECK(r == runtime::park_result::stalled);
  poster.join();
}
