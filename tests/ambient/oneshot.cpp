#include <gentask/ambient/oneshot.hpp>

#include <gentask/reactors/ambient/reactor.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <utility>

using namespace gentask;

namespace {

/// Sends `value` on its first poll (a task of its own).
struct send_once {
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = canceled;
  ambient::oneshot_sender<std::string> tx;
  std::string value;
  poll_result<int, canceled> poll() {
    tx.send(std::move(value));
    return ready_value{0};
  }
};

}  // namespace

TEST_CASE("an ambient oneshot's receiver waits for the value and wakes on send",
          "[ambient][oneshot]") {
  STATIC_REQUIRE(ambient::ambient_future<ambient::oneshot_receiver<int>>);
  ambient::reactor reactor;
  auto [tx, rx] = ambient::oneshot<std::string>();
  reactor.spawn_detached(send_once{std::move(tx), "pong"});
  auto r = reactor.block_on(std::move(rx));
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == "pong");
}

TEST_CASE("an ambient oneshot whose sender is dropped fails with canceled", "[ambient][oneshot]") {
  ambient::reactor reactor;
  auto [tx, rx] = ambient::oneshot<int>();
  std::optional<ambient::oneshot_sender<int>> held(std::move(tx));
  struct drop_later {
    using future_concept = ambient::ambient_future_tag;
    using item_type = int;
    using error_type = canceled;
    std::optional<ambient::oneshot_sender<int>>* held;
    poll_result<int, canceled> poll() {
      held->reset();
      return ready_value{0};
    }
  };
  reactor.spawn_detached(drop_later{&held});
  auto r = reactor.block_on(std::move(rx));
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == canceled{});
}

TEST_CASE("an ambient oneshot's receiver polled pending outside a task throws",
          "[ambient][oneshot]") {
  auto [tx, rx] = ambient::oneshot<int>();
  CHECK_THROWS_AS(rx.poll(), ambient::no_current_task);
  tx.send(3);
  CHECK(rx.poll().get_value() == 3);  // ready: no task needed
}
