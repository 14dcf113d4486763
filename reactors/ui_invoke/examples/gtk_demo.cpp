// A GTK 3 demo of the UI-invoke reactor on GLib's default main context: worker threads count
// primes, chunk by chunk, and hand each chunk's count to the UI thread, where a future
// (`with_ui_state<demo_state>`) adds it up and shows it in a label and a progress bar. The
// widgets live in the reactor's UI state, which only futures polled on the UI reactor's tasks
// reach: nothing global.
//
//   gentask_gtk_demo [--workers N] [--chunks K] [--delay-ms D] [--check] [--screenshot PATH]
//                    [--timeout-ms T]
//
// N workers (default 4) each count the primes in K chunks (default 5) of 20000 numbers, posting
// after each (pausing D ms between chunks, default 0). When every chunk is in, the label reads
// "done: <primes> primes in <N*K> chunks" and the bar is full; after 300 ms (the window draws)
// `--check` compares the label and the bar with the expected ones (the primes counted again here
// with a sieve) and prints "check: ok", `--screenshot` saves the window as a PNG, and the demo
// quits. A failure prints "FAILED" and exits 1; after T ms (default 20000) it gives up.
#include <gentask/channels/oneshot.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/with_ui_state.hpp>
#include <gentask/reactors/ui_invoke/glib_reactor.hpp>
#include <gentask/time/sleep.hpp>

#include <gtk/gtk.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stop_token>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

using namespace gentask;

namespace {

/// The numbers in one chunk: chunk `i` (of all N*K) covers [i * chunk_span, (i + 1) * chunk_span).
constexpr std::uint64_t chunk_span = 20000;

struct options {
  int workers = 4;
  int chunks = 5;
  int delay_ms = 0;
  bool check = false;
  std::string screenshot;  // empty: none
  int timeout_ms = 20000;
};

/// The reactor's UI state: the widgets the futures update and the tally so far. Set up by `run`
/// on the UI thread; from then on reached only through `with_ui_state<demo_state>`.
struct demo_state {
  GtkWidget* window = nullptr;
  GtkLabel* label = nullptr;
  GtkProgressBar* bar = nullptr;
  int chunks_done = 0;
  int chunks_total = 0;
  long long primes = 0;
  oneshot::sender<unit> all_in;  // sent when the last chunk's count is shown
  int exit_code = -1;            // the finisher's verdict: 0 passed, 1 failed, -1 not finished
};

using demo_reactor = ui_invoke::basic_glib_reactor<open_map_storage, demo_state>;

/// The primes in [lo, hi), by trial division: the workers' computation.
long long count_primes(std::uint64_t lo, std::uint64_t hi) {
  long long n = 0;
  for (std::uint64_t v = lo; v < hi; ++v) {
    if (v < 2 || (v % 2 == 0 && v != 2)) continue;
    bool prime = true;
    for (std::uint64_t d = 3; d * d <= v; d += 2) {
      if (v % d == 0) {
        prime = false;
        break;
      }
    }
    if (prime) ++n;
  }
  return n;
}

/// The primes below `limit`, by a sieve: the expected total, found another way.
long long count_primes_below(std::uint64_t limit) {
  std::vector<bool> composite(limit, false);
  long long n = 0;
  for (std::uint64_t v = 2; v < limit; ++v) {
    if (composite[v]) continue;
    ++n;
    for (std::uint64_t m = v * v; m < limit; m += v) composite[m] = true;
  }
  return n;
}

std::string final_label(long long primes, int chunks) {
  return "done: " + std::to_string(primes) + " primes in " + std::to_string(chunks) + " chunks";
}

/// The future that shows one chunk's count: adds it up, moves the bar, rewrites the label, and
/// after the last chunk signals `all_in`.
auto show_chunk(long long primes) {
  return with_ui_state<demo_state>([primes](demo_state& s) {
    s.primes += primes;
    ++s.chunks_done;
    gtk_progress_bar_set_fraction(s.bar, static_cast<double>(s.chunks_done) / s.chunks_total);
    if (s.chunks_done < s.chunks_total) {
      const std::string text = "primes found: " + std::to_string(s.primes) + " (" +
                               std::to_string(s.chunks_done) + "/" +
                               std::to_string(s.chunks_total) + " chunks)";
      gtk_label_set_text(s.label, text.c_str());
      return;
    }
    gtk_label_set_text(s.label, final_label(s.primes, s.chunks_total).c_str());
    (void)std::move(s.all_in).send(unit{});
  });
}

/// Saves `window` as a PNG at `path`; false (with a message) on failure.
bool save_screenshot(GtkWidget* window, const std::string& path) {
  GdkWindow* w = gtk_widget_get_window(window);
  GdkPixbuf* pixbuf = w == nullptr ? nullptr
                                   : gdk_pixbuf_get_from_window(w, 0, 0, gdk_window_get_width(w),
                                                                gdk_window_get_height(w));
  if (pixbuf == nullptr) {
    std::fprintf(stderr, "gtk_demo: FAILED: could not capture the window\n");
    return false;
  }
  GError* err = nullptr;
  const bool saved = gdk_pixbuf_save(pixbuf, path.c_str(), "png", &err, nullptr) != FALSE;
  g_object_unref(pixbuf);
  if (!saved) {
    std::fprintf(stderr, "gtk_demo: FAILED: could not save %s: %s\n", path.c_str(),
                 err != nullptr ? err->message : "unknown error");
    if (err != nullptr) g_error_free(err);
    return false;
  }
  std::printf("screenshot: %s\n", path.c_str());
  return true;
}

/// The last step: checks the window (`--check`), captures it (`--screenshot`), records the
/// verdict and quits the main loop.
void check_and_quit(demo_state& s, const options& o, const std::string& expected) {
  bool ok = true;
  if (o.check) {
    const char* text = gtk_label_get_text(s.label);
    const double fraction = gtk_progress_bar_get_fraction(s.bar);
    if (expected == text && fraction == 1.0) {
      std::printf("check: ok (\"%s\", fraction %g)\n", text, fraction);
    } else {
      std::printf(
          "check: FAILED: the label reads \"%s\" (expected \"%s\"), the fraction is %g "
          "(expected 1)\n",
          text, expected.c_str(), fraction);
      ok = false;
    }
  }
  if (!o.screenshot.empty()) ok = save_screenshot(s.window, o.screenshot) && ok;
  std::fflush(stdout);
  s.exit_code = ok ? 0 : 1;
  gtk_main_quit();
}

/// The task that ends the demo: once every chunk is in, lets the window draw (200 ms, a redraw,
/// 100 ms more), then checks, captures and quits.
auto finish(oneshot::receiver<unit> all_in, options o, std::string expected) {
  using namespace std::chrono_literals;
  auto redraw = [](unit) {
    return with_ui_state<demo_state>([](demo_state& s) { gtk_widget_queue_draw(s.window); });
  };
  auto check = [o = std::move(o), expected = std::move(expected)](unit) {
    return with_ui_state<demo_state>(
        [o, expected](demo_state& s) { check_and_quit(s, o, expected); });
  };
  return std::move(all_in) | and_then([](unit) { return sleep_for(200ms); }) | and_then(redraw) |
         and_then([](unit) { return sleep_for(100ms); }) | and_then(std::move(check));
}

/// One worker: counts its K chunks, posting each count to the UI thread. The posted callback
/// runs there and spawns the future that shows it (so `r` is touched on the UI thread only).
/// Not `h.spawn(show_chunk(n))`: its `remote_join_handle` cancels the task when dropped, and
/// has no `detach`, so a worker that does not wait for the result cannot spawn remotely.
void work(std::stop_token stop, demo_reactor::ui_handle_type h, demo_reactor& r, int worker,
          const options& o) {
  for (int c = 0; c < o.chunks && !stop.stop_requested(); ++c) {
    const auto i = static_cast<std::uint64_t>(worker) * static_cast<std::uint64_t>(o.chunks) +
                   static_cast<std::uint64_t>(c);
    const long long n = count_primes(i * chunk_span, (i + 1) * chunk_span);
    if (h.post([&r, n] { r.spawn_detached(show_chunk(n)); })) return;  // the reactor stopped
    if (o.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.delay_ms));
  }
}

GtkWidget* build_window(demo_state& s) {
  GtkWidget* window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
  gtk_window_set_title(GTK_WINDOW(window), "gentask: UI-invoke reactor on GTK 3");
  gtk_window_set_default_size(GTK_WINDOW(window), 440, 110);
  gtk_container_set_border_width(GTK_CONTAINER(window), 16);
  GtkWidget* box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget* label = gtk_label_new("waiting for the workers...");
  GtkWidget* bar = gtk_progress_bar_new();
  gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(bar), TRUE);
  gtk_box_pack_start(GTK_BOX(box), label, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(box), bar, FALSE, FALSE, 0);
  gtk_container_add(GTK_CONTAINER(window), box);
  s.window = window;
  s.label = GTK_LABEL(label);
  s.bar = GTK_PROGRESS_BAR(bar);
  return window;
}

/// Why gtk_main returned early, set by the two GLib callbacks below (`run`'s local).
enum class stop_reason { none, timed_out, closed };

gboolean on_timeout(gpointer reason) {
  *static_cast<stop_reason*>(reason) = stop_reason::timed_out;
  gtk_main_quit();
  return G_SOURCE_REMOVE;
}

gboolean on_delete(GtkWidget*, GdkEvent*, gpointer reason) {
  *static_cast<stop_reason*>(reason) = stop_reason::closed;
  gtk_main_quit();
  return TRUE;  // the window stays until `run` destroys it
}

int run(const options& o) {
  const int total = o.workers * o.chunks;
  const std::string expected =
      final_label(count_primes_below(static_cast<std::uint64_t>(total) * chunk_span), total);

  demo_reactor r{ui_invoke::glib_loop(g_main_context_default())};  // braces: not a declaration
  auto [all_in, all_in_received] = oneshot::channel<unit>();
  demo_state& s = r.get_ui_state();
  s.chunks_total = total;
  s.all_in = std::move(all_in);
  GtkWidget* window = build_window(s);
  stop_reason reason = stop_reason::none;
  g_signal_connect(window, "delete-event", G_CALLBACK(on_delete), &reason);
  gtk_widget_show_all(window);

  r.spawn_detached(finish(std::move(all_in_received), o, expected));
  const guint watchdog = g_timeout_add(static_cast<guint>(o.timeout_ms), on_timeout, &reason);
  std::vector<std::jthread> workers;  // joined before the reactor goes
  workers.reserve(static_cast<std::size_t>(o.workers));
  for (int w = 0; w < o.workers; ++w) {
    workers.emplace_back(work, r.get_ui_handle(), std::ref(r), w, std::cref(o));
  }

  gtk_main();

  if (reason != stop_reason::timed_out) g_source_remove(watchdog);
  workers.clear();  // asks them to stop, and joins them
  int code = s.exit_code;
  if (code < 0) {
    std::printf("gtk_demo: FAILED: %s with %d of %d chunks shown\n",
                reason == stop_reason::closed ? "the window was closed" : "timed out",
                s.chunks_done, total);
    code = 1;
  }
  gtk_widget_destroy(window);
  s.window = nullptr;
  s.label = nullptr;
  s.bar = nullptr;
  return code;  // the reactor goes here: its pending tasks (and posts) are destroyed unrun
}

bool parse_int(const char* text, int lo, int hi, int& out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) return false;
  out = static_cast<int>(v);
  return true;
}

std::optional<options> parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    auto int_flag = [&](const char* name, int lo, int hi, int& out) {
      if (std::strcmp(a, name) != 0) return false;
      if (v == nullptr || !parse_int(v, lo, hi, out)) {
        std::fprintf(stderr, "gtk_demo: %s takes an integer in [%d, %d]\n", name, lo, hi);
        std::exit(2);
      }
      ++i;
      return true;
    };
    if (int_flag("--workers", 1, 64, o.workers) || int_flag("--chunks", 1, 100, o.chunks) ||
        int_flag("--delay-ms", 0, 10000, o.delay_ms) ||
        int_flag("--timeout-ms", 1, 3600000, o.timeout_ms)) {
      continue;
    }
    if (std::strcmp(a, "--check") == 0) {
      o.check = true;
    } else if (std::strcmp(a, "--screenshot") == 0 && v != nullptr) {
      o.screenshot = v;
      ++i;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--workers N] [--chunks K] [--delay-ms D] [--check] "
                   "[--screenshot PATH] [--timeout-ms T]\n",
                   argv[0]);
      return std::nullopt;
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  (void)gtk_parse_args(&argc, &argv);  // takes GTK's own options (--display) out of argv
  const auto o = parse(argc, argv);
  if (!o) return 2;
  if (gtk_init_check(&argc, &argv) == FALSE) {
    std::fprintf(stderr, "gtk_demo: FAILED: cannot open a display (try xvfb-run)\n");
    return 1;
  }
  return run(*o);
}
