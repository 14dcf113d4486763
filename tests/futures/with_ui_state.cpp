// futures/with_ui_state.hpp: runs fn with the polling task's UI state once, at the first poll,
// and is ready with its result (void: unit); pollable only on a ui_task; an exception leaves the
// poll; a second poll is a logic error.
#include <gentask/core/pollable.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/with_ui_state.hpp>

#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using namespace gentask;

namespace {
struct screen {
  std::string label;
};
/// A counting task with a UI state of its own: the smallest ui_task.
class ui_counting_task : public test::counting_task {
 public:
  using ui_state_type = screen;
  [[nodiscard]] screen& get_ui_state() noexcept { return state_; }

 private:
  screen state_;
};

auto show(std::string text) {
  return with_ui_state<screen>([text = std::move(text)](screen& s) {
    s.label = text;
    return s.label.size();
  });
}
}  // namespace

TEST_CASE("with_ui_state is a future pollable only on a ui_task", "[combinators][with_ui_state]") {
  using f = decltype(show(""));
  using v = decltype(with_ui_state<screen>([](screen&) {}));
  // clang-format off
  STATIC_REQUIRE( future<f>);
  STATIC_REQUIRE( std::same_as<item_type_t<f>, std::size_t>);
  STATIC_REQUIRE( std::same_as<item_type_t<v>, unit>);
  STATIC_REQUIRE( std::same_as<error_type_t<f>, never>);
  STATIC_REQUIRE( ui_task<ui_counting_task>);
  STATIC_REQUIRE( pollable<f, ui_counting_task>);
  STATIC_REQUIRE( pollable<f, archetypes::ui_task>);
  STATIC_REQUIRE(!pollable<f, test::counting_task>);
  STATIC_REQUIRE(!pollable<f, archetypes::task_with<without(capability::all, capability::ui)>>);
  // clang-format on
}

TEST_CASE("with_ui_state runs fn once with the task's UI state and is ready with its result",
          "[combinators][with_ui_state]") {
  ui_counting_task task;
  int calls = 0;
  auto f = with_ui_state<screen>([&calls](screen& s) {
    ++calls;
    s.label = "hello";
  });
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(calls == 1);
  CHECK(task.get_ui_state().label == "hello");
  CHECK(task.get_wake_count() == 0);
  auto g = show("four");
  CHECK(g.poll(task).get_value() == 4);
  CHECK_THROWS_AS(g.poll(task), std::logic_error);  // polled after completion
}

TEST_CASE("an exception from fn leaves the poll, and the future is complete",
          "[combinators][with_ui_state]") {
  ui_counting_task task;
  auto f = with_ui_state<screen>([](screen&) -> int { throw std::runtime_error("ui"); });
  CHECK_THROWS_AS(f.poll(task), std::runtime_error);
  CHECK_THROWS_AS(f.poll(task), std::logic_error);
}
