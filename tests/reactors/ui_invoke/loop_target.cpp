// reactors/ui_invoke/loop_target.hpp: what the GLib source asks of the reactor. A fake target
// on a context shows the contract (a turn per dispatch while there is work, the wait bounded by
// the next deadline); the reactor's own target runs nothing while a poll or a posted callback
// of it runs a nested main loop (as a modal dialog does), while the loop's other sources run.
#include <gentask/futures/lazy.hpp>
#include <gentask/reactors/ui_invoke/glib_reactor.hpp>
#include <gentask/reactors/ui_invoke/loop_target.hpp>

#include <catch2/catch.hpp>

#include <glib.h>

#include <chrono>
#include <optional>
#include <string>
#include <type_traits>

using namespace gentask;
using namespace std::chrono_literals;

namespace {
class fake_target final : public ui_invoke::loop_target {
 public:
  int work = 0;
  int turns = 0;
  std::optional<time_point> deadline;
  bool has_work() noexcept override { return work > 0; }
  std::optional<timer_clock::duration> get_time_to_next_deadline() noexcept override {
    if (!deadline) return {};
    return *deadline - timer_clock::now();
  }
  void run_turn() noexcept override {
    ++turns;
    if (work > 0) --work;
    if (deadline && *deadline <= timer_clock::now()) deadline.reset();
  }
};

/// An idle source at `priority` that appends `mark` to `order` and, if given, quits `loop`.
void add_idle(GMainContext* c, std::string& order, const char* mark, GMainLoop* quit = nullptr) {
  struct payload {
    std::string* order;
    const char* mark;
    GMainLoop* quit;
  };
  GSource* s = g_idle_source_new();
  g_source_set_callback(
      s,
      [](gpointer p) -> gboolean {
        auto* pl = static_cast<payload*>(p);
        *pl->order += pl->mark;
        if (pl->quit != nullptr) g_main_loop_quit(pl->quit);
        return G_SOURCE_REMOVE;
      },
      new payload{&order, mark, quit}, [](gpointer p) { delete static_cast<payload*>(p); });
  g_source_attach(s, c);
  g_source_unref(s);
}
}  // namespace

TEST_CASE("loop_target is an interface a backend drives", "[ui_invoke][loop_target]") {
  STATIC_REQUIRE(std::is_abstract_v<ui_invoke::loop_target>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<ui_invoke::loop_target>);
}

TEST_CASE("the GLib source runs one turn per dispatch while the target has work, and waits for "
          "its deadline",
          "[ui_invoke][loop_target]") {
  fake_target t;
  ui_invoke::glib_unparker u;
  ui_invoke::glib_loop loop;  // a private context
  loop.attach(t, u);
  GMainContext* c = loop.get_context();
  t.work = 3;
  while (g_main_context_iteration(c, FALSE)) {
  }
  CHECK(t.turns == 3);
  CHECK_FALSE(g_main_context_iteration(c, FALSE));  // nothing to do: no turn
  CHECK(t.turns == 3);
  const auto start = timer_clock::now();
  t.deadline = start + 20ms;
  while (t.deadline) g_main_context_iteration(c, TRUE);  // blocks until the deadline
  CHECK(timer_clock::now() - start >= 20ms);
  CHECK(t.turns == 4);
  loop.detach();
}

TEST_CASE("while a task runs a nested main loop the reactor runs nothing, and other sources run",
          "[ui_invoke][loop_target]") {
  GMainContext* c = g_main_context_new();
  GMainLoop* outer = g_main_loop_new(c, FALSE);
  {
    ui_invoke::glib_reactor r{ui_invoke::glib_loop(c)};
    auto h = r.get_ui_handle();
    std::string order;
    r.spawn_detached(lazy([&] {
      order += "[";
      REQUIRE_FALSE(h.post([&] { order += "p"; }));  // queued: runs after the task's poll
      r.spawn_detached(lazy([&] { order += "s"; }));  // ready: runs after the task's poll
      GMainLoop* nested = g_main_loop_new(c, FALSE);  // as gtk_dialog_run does
      add_idle(c, order, "i", nested);
      g_main_loop_run(nested);
      g_main_loop_unref(nested);
      order += "]";
      REQUIRE_FALSE(h.post([&] { g_main_loop_quit(outer); }));
    }));
    g_main_loop_run(outer);
    CHECK(order == "[i]ps");
  }
  g_main_loop_unref(outer);
  g_main_context_unref(c);
}

TEST_CASE("while block_on's root runs a nested main loop, the reactor's posts wait for the next "
          "run",
          "[ui_invoke][loop_target]") {
  ui_invoke::glib_reactor r;
  GMainContext* c = r.get_backend().get_context();
  auto h = r.get_ui_handle();
  std::string order;
  REQUIRE(r.block_on(lazy([&] {
               order += "[";
               REQUIRE_FALSE(h.post([&] { order += "p"; }));
               GMainLoop* nested = g_main_loop_new(c, FALSE);
               add_idle(c, order, "i", nested);
               g_main_loop_run(nested);
               g_main_loop_unref(nested);
               order += "]";
             }))
              .is_ready());
  CHECK(order == "[i]");
  r.run_until_idle();
  CHECK(order == "[i]p");
}
