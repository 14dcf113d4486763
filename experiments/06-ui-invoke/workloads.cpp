// Experiment 06: the UI-invoke reactor (README.md). Every case of every variant, in one binary.
//
//   post_to_run     latency: a sender thread posts one callback every 100 us to an idle UI
//                   thread; per post, the callback's steady_clock minus the sender's just before
//                   posting. N=1000 posts per iteration; extra metrics latency_p10_ns ...
//                   latency_p99_ns over the N samples of one untimed iteration per repetition;
//                   ns_per_post is wall time over N (dominated by the pacing).
//   post_throughput P producer threads post 10000 callbacks in all as fast as they can; the UI
//                   thread runs them until all have run. Unit: one post; wall time decides.
//   spawn_join      the same future workload on the UI reactor and on the tokio-style reactor:
//                   the root spawns 1000 tasks that each yield 4 times, and joins them all.
//
// Variants: `plain` (ui_invoke::reactor: its own loop, an eventfd), `glib` (ui_invoke on a
// private GLib context, driven by block_on's iteration of it), `glib_idle_source` (the floor on
// GLib: g_idle_source_new + g_source_attach of the timestamp on the same kind of context at the
// same priority, G_PRIORITY_DEFAULT; the UI thread iterates it), `asio_post` (boost::asio::post
// to an io_context run by the UI thread), `eventfd_floor` (post_to_run only: the UI thread
// blocked in read on an eventfd, the sender writes the timestamp's arrival: the cost of waking
// a thread, with no queue), and `tokio_style` (spawn_join only).
#include "../common/harness.hpp"
#include "../common/latency.hpp"

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>
#include <gentask/reactors/ui_invoke/glib_reactor.hpp>
#include <gentask/reactors/ui_invoke/reactor.hpp>
#include <gentask/spawn/join_handle.hpp>

#include <benchmark/benchmark.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <glib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace gentask::bench::exp06 {
namespace {

constexpr std::uint64_t latency_n = 1000;
constexpr std::chrono::microseconds pace{100};
constexpr std::uint64_t throughput_n = 10000;
constexpr std::uint64_t spawn_n = 1000;
constexpr int yields_per_task = 4;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "exp06: %s\n", what);
    std::abort();
  }
}

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------------------------
// How each variant posts a callback from another thread and runs the UI thread until a count.

/// The UI side's record: samples (latency) or a count (throughput); the UI thread's only.
struct ui_record {
  std::vector<std::int64_t> samples;
  std::uint64_t count = 0;
  std::uint64_t target = 0;
  waker root;  // the UI reactors' root, woken by the callback that reaches the target
  bool done() const noexcept { return count >= target; }
  void on_run(std::int64_t sent) {
    if (sent != 0) samples.push_back(now_ns() - sent);
    if (++count == target) root.wake();
  }
};

/// A root future ready once the record's count reaches its target.
struct until_done {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  ui_record* rec;
  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    if (rec->done()) return ready_value{};
    rec->root = task.get_waker();
    return pending;
  }
};

template <class Reactor>
struct ui_invoke_side {
  Reactor reactor;
  typename Reactor::ui_handle_type handle = reactor.get_ui_handle();
  void post(ui_record& rec, std::int64_t sent) {
    check(!handle.post([&rec, sent] { rec.on_run(sent); }), "post refused");
  }
  void run(ui_record& rec) { check(reactor.block_on(until_done{&rec}).is_ready(), "block_on"); }
};

struct plain_variant : ui_invoke_side<ui_invoke::reactor> {
  static constexpr const char* name = "plain";
};
struct glib_variant : ui_invoke_side<ui_invoke::glib_reactor> {
  static constexpr const char* name = "glib";
};

struct glib_idle_variant {
  static constexpr const char* name = "glib_idle_source";
  GMainContext* context = g_main_context_new();
  glib_idle_variant() = default;
  glib_idle_variant(const glib_idle_variant&) = delete;
  glib_idle_variant& operator=(const glib_idle_variant&) = delete;
  ~glib_idle_variant() {
    while (g_main_context_iteration(context, FALSE)) {
    }
    g_main_context_unref(context);
  }
  struct payload {
    ui_record* rec;
    std::int64_t sent;
  };
  void post(ui_record& rec, std::int64_t sent) {
    // One GSource and one payload per post, as a post through the reactor allocates its call.
    GSource* s = g_idle_source_new();
    g_source_set_priority(s, G_PRIORITY_DEFAULT);
    g_source_set_callback(
        s,
        [](gpointer p) -> gboolean {
          auto* pl = static_cast<payload*>(p);
          pl->rec->on_run(pl->sent);
          return G_SOURCE_REMOVE;
        },
        new payload{&rec, sent}, [](gpointer p) { delete static_cast<payload*>(p); });
    g_source_attach(s, context);
    g_source_unref(s);
  }
  void run(ui_record& rec) {
    while (!rec.done()) g_main_context_iteration(context, TRUE);
  }
};

struct asio_variant {
  static constexpr const char* name = "asio_post";
  boost::asio::io_context context{1};
  void post(ui_record& rec, std::int64_t sent) {
    boost::asio::post(context, [&rec, sent] { rec.on_run(sent); });
  }
  void run(ui_record& rec) {
    auto guard = boost::asio::make_work_guard(context);
    while (!rec.done()) context.run_one();
    guard.reset();
    context.restart();
  }
};

/// The floor: no queue, no callback; the UI thread blocked in read(2) on an eventfd, the sender
/// publishes its timestamp and writes.
struct eventfd_floor {
  static constexpr const char* name = "eventfd_floor";
  int fd = ::eventfd(0, EFD_CLOEXEC);
  std::atomic<std::int64_t> slot{0};
  eventfd_floor() { check(fd >= 0, "eventfd"); }
  eventfd_floor(const eventfd_floor&) = delete;
  eventfd_floor& operator=(const eventfd_floor&) = delete;
  ~eventfd_floor() { ::close(fd); }
  void post(ui_record&, std::int64_t sent) {
    // The previous timestamp was taken long ago (microseconds after its write): waits only
    // under a loaded machine, so that two writes never merge into one read.
    while (slot.load(std::memory_order_acquire) != 0) std::this_thread::yield();
    slot.store(sent, std::memory_order_release);
    const std::uint64_t one = 1;
    check(::write(fd, &one, sizeof one) == sizeof one, "eventfd write");
  }
  void run(ui_record& rec) {
    while (!rec.done()) {
      std::uint64_t v = 0;
      check(::read(fd, &v, sizeof v) == sizeof v, "eventfd read");
      rec.on_run(slot.exchange(0, std::memory_order_acq_rel));
    }
  }
};

// ---------------------------------------------------------------------------------------------
// post_to_run: paced posts into an idle UI thread.

template <class V>
void add_post_to_run() {
  struct state {
    V side;
    ui_record rec;
  };
  auto st = std::make_shared<state>();
  st->rec.samples.reserve(latency_n);
  auto body = [st] {
    auto& s = *st;
    s.rec.samples.clear();
    s.rec.count = 0;
    s.rec.target = latency_n;
    std::thread sender([&s] {
      for (std::uint64_t i = 0; i < latency_n; ++i) {
        std::this_thread::sleep_for(pace);
        s.side.post(s.rec, now_ns());
      }
    });
    s.side.run(s.rec);
    sender.join();
    check(s.rec.samples.size() == latency_n, "post_to_run: wrong sample count");
  };
  case_options o;
  o.callgrind = false;
  o.probe_iterations = 1;
  o.real_time = true;
  o.extra_metrics = [st, body] {
    body();
    return latency_metrics(st->rec.samples);
  };
  register_case("post_to_run", V::name, "n=" + std::to_string(latency_n),
                static_cast<double>(latency_n), body, o);
}

// ---------------------------------------------------------------------------------------------
// post_throughput: producers post as fast as they can.

template <class V>
void add_post_throughput(int producers) {
  struct state {
    V side;
    ui_record rec;
  };
  auto st = std::make_shared<state>();
  auto body = [st, producers] {
    auto& s = *st;
    s.rec.count = 0;
    s.rec.target = throughput_n;
    std::vector<std::thread> threads;
    const std::uint64_t each = throughput_n / static_cast<std::uint64_t>(producers);
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&s, each] {
        for (std::uint64_t i = 0; i < each; ++i) s.side.post(s.rec, 0);
      });
    }
    s.side.run(s.rec);
    for (auto& t : threads) t.join();
  };
  case_options o;
  o.callgrind = false;
  o.probe_iterations = 2;
  o.real_time = true;
  register_case("post_throughput", V::name, "producers=" + std::to_string(producers),
                static_cast<double>(throughput_n), body, o);
}

// ---------------------------------------------------------------------------------------------
// spawn_join: the same futures on the UI reactor and on the tokio-style reactor.

/// Pending (waking itself) `left` times, then ready.
struct yielder {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  int left = yields_per_task;
  template <task Task>
  poll_result<int, never> poll(Task& task) {
    if (left-- == 0) return ready_value{1};
    task.get_waker().wake();
    return pending;
  }
};

/// Spawns `spawn_n` yielders at its first poll and joins them all.
struct spawn_all {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::vector<join_handle<int, never>>* handles;
  std::size_t next = 0;
  int sum = 0;
  template <spawning_task Task>
  poll_result<int, never> poll(Task& task) {
    if (handles->empty()) {
      for (std::uint64_t i = 0; i < spawn_n; ++i) handles->push_back(task.spawn(yielder{}));
    }
    for (; next < handles->size(); ++next) {
      auto r = (*handles)[next].poll(task);
      if (r.is_pending()) return pending;
      sum += r.get_value();
    }
    return ready_value{sum};
  }
};

template <class Reactor>
void add_spawn_join(const char* variant) {
  struct state {
    Reactor reactor;
    std::vector<join_handle<int, never>> handles;
  };
  auto st = std::make_shared<state>();
  st->handles.reserve(spawn_n);
  auto body = [st] {
    st->handles.clear();
    auto r = st->reactor.block_on(spawn_all{&st->handles});
    check(r.get_value() == static_cast<int>(spawn_n), "spawn_join: wrong sum");
  };
  register_case("spawn_join", variant, "n=" + std::to_string(spawn_n),
                static_cast<double>(spawn_n), body);
}

const bool registered = [] {
  add_post_to_run<plain_variant>();
  add_post_to_run<glib_variant>();
  add_post_to_run<glib_idle_variant>();
  add_post_to_run<asio_variant>();
  add_post_to_run<eventfd_floor>();
  for (const int p : {1, 4}) {
    add_post_throughput<plain_variant>(p);
    add_post_throughput<glib_variant>(p);
    add_post_throughput<glib_idle_variant>(p);
    add_post_throughput<asio_variant>(p);
  }
  add_spawn_join<ui_invoke::reactor>("plain");
  add_spawn_join<ui_invoke::glib_reactor>("glib");
  add_spawn_join<tokio_style::reactor>("tokio_style");
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp06
