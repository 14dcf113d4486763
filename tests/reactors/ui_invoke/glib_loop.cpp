// reactors/ui_invoke/glib_loop.hpp: the reactor on a GLib main context run by someone else
// (g_main_loop_run, as gtk_main): its tasks, timers and workers' posts run from its source; a
// worker's post wakes a context blocked in its poll; a post is never run on the worker, also
// when no one owns the context (g_main_context_invoke's trap); the source's priority against
// an idle source; the source goes with the reactor and the context lives on.
#include <gentask/futures/lazy.hpp>
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/reactors/ui_invoke/glib_loop.hpp>
#include <gentask/reactors/ui_invoke/glib_reactor.hpp>
#include <gentask/time/sleep.hpp>

#include <catch2/catch.hpp>

#include <glib.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

using namespace gentask;
using namespace std::chrono_literals;

namespace {
/// A fresh context of the test's own and a main loop on it, both released at the end; a
/// watchdog quits the loop after 10 s, so a failure cannot hang.
struct loop_fixture {
  GMainContext* context = g_main_context_new();
  GMainLoop* loop = g_main_loop_new(context, FALSE);
  bool watchdog_fired = false;
  loop_fixture() = default;
  loop_fixture(const loop_fixture&) = delete;
  loop_fixture& operator=(const loop_fixture&) = delete;
  ~loop_fixture() {
    g_main_loop_unref(loop);
    g_main_context_unref(context);
  }
  void run() {
    GSource* watchdog = g_timeout_source_new(10000);
    g_source_set_callback(
        watchdog,
        [](gpointer self) -> gboolean {
          auto* f = static_cast<loop_fixture*>(self);
          f->watchdog_fired = true;
          g_main_loop_quit(f->loop);
          return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach(watchdog, context);
    g_main_loop_run(loop);
    g_source_destroy(watchdog);
    g_source_unref(watchdog);
  }
};
}  // namespace

TEST_CASE("tasks and their timers run from the source while g_main_loop_run runs the context",
          "[ui_invoke][glib_loop]") {
  loop_fixture f;
  ui_invoke::glib_reactor r(ui_invoke::glib_loop(f.context));
  CHECK(r.get_backend().get_context() == f.context);
  std::string order;
  r.spawn_detached(lazy([&] { order += "a"; }));
  r.spawn_detached(sleep_for(20ms) | map([&](unit) {
                     order += "t";
                     g_main_loop_quit(f.loop);
                   }));
  f.run();
  CHECK_FALSE(f.watchdog_fired);
  CHECK(order == "at");
}

TEST_CASE("a worker's post wakes a context blocked in its poll, and runs on the loop's thread",
          "[ui_invoke][glib_loop][threads]") {
  loop_fixture f;
  ui_invoke::glib_reactor r(ui_invoke::glib_loop(f.context));
  const auto ui = std::this_thread::get_id();
  std::thread::id ran_on;
  std::thread worker([h = r.get_ui_handle(), &ran_on, &f] {
    std::this_thread::sleep_for(30ms);  // the loop is blocked in poll by then, most likely
    REQUIRE_FALSE(h.post([&ran_on, &f] {
      ran_on = std::this_thread::get_id();
      g_main_loop_quit(f.loop);
    }));
  });
  f.run();
  worker.join();
  CHECK_FALSE(f.watchdog_fired);
  CHECK(ran_on == ui);
}

TEST_CASE("a post made while no one owns the context waits for the UI thread, never running on "
          "the worker",
          "[ui_invoke][glib_loop][threads]") {
  loop_fixture f;
  ui_invoke::glib_reactor r(ui_invoke::glib_loop(f.context));
  const auto ui = std::this_thread::get_id();
  std::atomic<bool> ran{false};
  std::thread::id ran_on;
  std::thread worker([h = r.get_ui_handle(), &ran, &ran_on] {
    REQUIRE_FALSE(h.post([&ran, &ran_on] {
      ran_on = std::this_thread::get_id();
      ran = true;
    }));
  });
  worker.join();  // the context was never iterated: the post must still be queued
  CHECK_FALSE(ran);
  while (!ran) g_main_context_iteration(f.context, TRUE);
  CHECK(ran_on == ui);
}

TEST_CASE("the reactor's source yields to a source of a higher priority, and runs before a "
          "lower one",
          "[ui_invoke][glib_loop]") {
  loop_fixture f;
  ui_invoke::glib_reactor r(ui_invoke::glib_loop(f.context, G_PRIORITY_DEFAULT));
  std::string order;
  const auto add_idle = [&](int priority, const char* mark) {
    struct payload {
      std::string* order;
      const char* mark;
    };
    GSource* s = g_idle_source_new();
    g_source_set_priority(s, priority);
    g_source_set_callback(
        s,
        [](gpointer p) -> gboolean {
          auto* pl = static_cast<payload*>(p);
          *pl->order += pl->mark;
          return G_SOURCE_REMOVE;
        },
        new payload{&order, mark}, [](gpointer p) { delete static_cast<payload*>(p); });
    g_source_attach(s, f.context);
    g_source_unref(s);
  };
  add_idle(G_PRIORITY_DEFAULT_IDLE, "l");
  add_idle(G_PRIORITY_HIGH, "h");
  r.spawn_detached(lazy([&] { order += "r"; }));
  for (int i = 0; i < 6; ++i) g_main_context_iteration(f.context, FALSE);
  CHECK(order == "hrl");
}

TEST_CASE("the source goes with the reactor, the context lives on, and late handles are refused",
          "[ui_invoke][glib_loop]") {
  loop_fixture f;
  std::optional<ui_invoke::glib_reactor> r(std::in_place, ui_invoke::glib_loop(f.context));
  auto h = r->get_ui_handle();
  const guint source = r->get_backend().get_source_id();
  REQUIRE(g_main_context_find_source_by_id(f.context, source) != nullptr);
  bool ran = false;
  REQUIRE_FALSE(h.post([&ran] { ran = true; }));
  r.reset();  // the queued post is destroyed unrun
  while (g_main_context_iteration(f.context, FALSE)) {
  }
  CHECK_FALSE(ran);
  CHECK(h.post([] {}) == ui_invoke::errc::stopped);
  CHECK(g_main_context_find_source_by_id(f.context, source) == nullptr);
}
