#include <gentask/runtime/condvar_unparker.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace gentask;
using namespace std::chrono_literals;

using inbox = runtime::basic_remote_inbox<runtime::condvar_unparker>;

TEST_CASE("condvar_unparker models unparker", "[runtime][condvar_unparker][concepts]") {
  STATIC_REQUIRE(runtime::unparker<runtime::condvar_unparker>);
}

TEST_CASE("park returns woken at once when something was posted", "[runtime][condvar_unparker]") {
  auto* in = new inbox;
  in->retain();  // someone else could still post
  in->post_wake(1);
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  in->release();
  in->release();
}

TEST_CASE("park returns stalled when the reactor holds the inbox's last reference",
          "[runtime][condvar_unparker]") {
  auto* in = new inbox;
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::stalled);
  in->release();
}

TEST_CASE("park with a deadline returns timeout, never stalled", "[runtime][condvar_unparker]") {
  auto* in = new inbox;
  const auto deadline = timer_clock::now() + 1ms;
  CHECK(in->get_unparker().park(*in, deadline) == runtime::park_result::timeout);
  CHECK(timer_clock::now() >= deadline);
  in->release();
}

TEST_CASE("a post from another thread wakes a parked reactor, and a last release stalls it",
          "[runtime][condvar_unparker][threads]") {
  auto* in = new inbox;
  in->retain();
  std::thread poster([in] {
    std::this_thread::sleep_for(5ms);
    in->post_wake(3);
    in->release();
  });
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  poster.join();
  runtime::remote_batch batch;
  CHECK(in->take(batch));

  in->retain();
  std::thread dropper([in] {
    std::this_thread::sleep_for(5ms);
    in->release();  // nothing posted: the reactor is now the only holder
  });
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::stalled);
  dropper.join();
  in->release();
}
