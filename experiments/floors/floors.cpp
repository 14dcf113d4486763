// The machine's floors (experiment `floors`, variant `floor`): what the primitives every runtime
// is built from cost on this machine, measured by the same harness as the experiments and the
// peers, so that a runtime's figure can be read against them.
//
//   indirect_call      a call through a function pointer read from a volatile global (the
//                      compiler cannot see the target), to a non-inlined function returning its
//                      argument plus one; the result feeds the next call. Unit: call.
//   malloc_free        `::operator new(64)` then `::operator delete` (the replaced global
//                      operator new of the harness: malloc plus one relaxed load). Unit: pair.
//   atomic_rmw         uncontended `fetch_add(1, seq_cst)` on one std::atomic<uint64_t> (on
//                      x86-64, `lock xadd`: the same instruction as acq_rel). Unit: op.
//   eventfd_write_read `write` of 1 then `read` on a non-blocking eventfd. Unit: pair.
//   epoll_wait_zero    `epoll_wait(timeout 0)` on an epoll fd with one idle eventfd registered
//                      (EPOLLIN, never readable): returns 0. Unit: call.
//   eventfd_wake_idle  latency: the benchmark thread blocked in `read` on a blocking eventfd; a
//                      paced thread takes a steady_clock stamp, stores it in an atomic slot and
//                      writes the eventfd, at least 100 us after its previous write; per wake,
//                      the reader's steady_clock after `read` returns minus the stamp. p50 and
//                      p99 as extra metrics. Unit: wake.
//
// The cheap floors run 1000 units per iteration (loop overhead included, about one cycle).
#include "../common/harness.hpp"
#include "../common/latency.hpp"

#include <benchmark/benchmark.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace gentask::bench::floors {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr const char* variant = "floor";
constexpr int units_per_iteration = 1000;
constexpr int wake_n = 1000;
constexpr auto wake_gap = std::chrono::microseconds(100);

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "floors: %s\n", what);
  std::abort();
}
void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

case_options options(bool callgrind, std::size_t probe_iterations,
                     std::function<std::vector<extra_metric>()> extra_metrics = {},
                     bool real_time = false) {
  case_options o;
  o.callgrind = callgrind;
  o.probe_iterations = probe_iterations;
  o.extra_metrics = std::move(extra_metrics);
  o.real_time = real_time;  // wall time decides the iteration count (cases that mostly wait)
  return o;
}

/// An owned file descriptor.
class fd_owner {
 public:
  explicit fd_owner(int fd) : fd_(fd) { check(fd >= 0, "could not open a file descriptor"); }
  fd_owner(const fd_owner&) = delete;
  fd_owner& operator=(const fd_owner&) = delete;
  ~fd_owner() { ::close(fd_); }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// ---------------------------------------------------------------------------------------------
// indirect_call

using step_fn = std::uint64_t (*)(std::uint64_t);

[[gnu::noinline]] std::uint64_t step(std::uint64_t x) { return x + 1; }

/// Read on every call: the compiler can neither inline nor devirtualise the target.
step_fn volatile step_target = &step;

void add_indirect_call() {
  register_case("indirect_call", variant, "n=1", units_per_iteration, [] {
    std::uint64_t acc = 0;
    for (int i = 0; i < units_per_iteration; ++i) {
      const step_fn f = step_target;
      acc = f(acc);
    }
    check(acc == units_per_iteration, "indirect_call: wrong count");
    benchmark::DoNotOptimize(acc);
  });
}

// ---------------------------------------------------------------------------------------------
// malloc_free

void add_malloc_free() {
  constexpr std::size_t block_bytes = 64;
  register_case("malloc_free", variant, "bytes=64", units_per_iteration, [] {
    for (int i = 0; i < units_per_iteration; ++i) {
      void* p = ::operator new(block_bytes);
      benchmark::DoNotOptimize(p);  // the pointer escapes: the pair cannot be elided
      ::operator delete(p);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// atomic_rmw

void add_atomic_rmw() {
  auto counter = std::make_shared<std::atomic<std::uint64_t>>(0);
  register_case("atomic_rmw", variant, "n=1", units_per_iteration, [counter] {
    for (int i = 0; i < units_per_iteration; ++i) {
      std::uint64_t old = counter->fetch_add(1, std::memory_order_seq_cst);
      benchmark::DoNotOptimize(old);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// eventfd_write_read, epoll_wait_zero

void add_eventfd_write_read() {
  auto efd = std::make_shared<fd_owner>(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  register_case("eventfd_write_read", variant, "n=1", units_per_iteration, [efd] {
    for (int i = 0; i < units_per_iteration; ++i) {
      std::uint64_t v = 1;
      check(::write(efd->get(), &v, sizeof v) == sizeof v, "eventfd_write_read: write");
      check(::read(efd->get(), &v, sizeof v) == sizeof v && v == 1, "eventfd_write_read: read");
    }
  });
}

struct epoll_state {
  fd_owner ep{::epoll_create1(EPOLL_CLOEXEC)};
  fd_owner efd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  epoll_state() {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = efd.get();
    check(::epoll_ctl(ep.get(), EPOLL_CTL_ADD, efd.get(), &ev) == 0, "epoll_ctl");
  }
};

void add_epoll_wait_zero() {
  auto st = std::make_shared<epoll_state>();
  register_case("epoll_wait_zero", variant, "n=1", units_per_iteration, [st] {
    for (int i = 0; i < units_per_iteration; ++i) {
      epoll_event ev{};
      check(::epoll_wait(st->ep.get(), &ev, 1, 0) == 0, "epoll_wait_zero: an event");
    }
  });
}

// ---------------------------------------------------------------------------------------------
// eventfd_wake_idle

struct wake_state {
  fd_owner efd{::eventfd(0, EFD_CLOEXEC)};  // blocking
  std::atomic<std::int64_t> stamp_ns{0};
  std::vector<std::int64_t> latencies_ns;
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch())
      .count();
}

/// One iteration: `wake_n` paced writes from a sender thread, each read by this thread.
void run_wake(wake_state& st) {
  st.latencies_ns.clear();
  st.latencies_ns.reserve(wake_n);  // allocates in the warm-up only
  std::thread sender([&st] {
    clock_type::time_point last = clock_type::now();
    for (int i = 0; i < wake_n; ++i) {
      std::this_thread::sleep_until(last + wake_gap);
      last = clock_type::now();
      st.stamp_ns.store(
          std::chrono::duration_cast<std::chrono::nanoseconds>(last.time_since_epoch()).count(),
          std::memory_order_release);
      const std::uint64_t one = 1;
      check(::write(st.efd.get(), &one, sizeof one) == sizeof one, "eventfd_wake_idle: write");
    }
  });
  std::uint64_t received = 0;
  while (received < static_cast<std::uint64_t>(wake_n)) {
    std::uint64_t v = 0;
    check(::read(st.efd.get(), &v, sizeof v) == sizeof v, "eventfd_wake_idle: read");
    const std::int64_t at = now_ns();
    st.latencies_ns.push_back(at - st.stamp_ns.load(std::memory_order_acquire));
    received += v;  // more than 1 only if two writes came before one read
  }
  sender.join();
}

void add_eventfd_wake_idle() {
  auto st = std::make_shared<wake_state>();
  register_case(
      "eventfd_wake_idle", variant, "n=" + std::to_string(wake_n), wake_n, [st] { run_wake(*st); },
      options(
          false, 1,
          [st] {
            run_wake(*st);
            return latency_metrics(st->latencies_ns);
          },
          /*real_time=*/true));
}

const bool registered = [] {
  add_indirect_call();
  add_malloc_free();
  add_atomic_rmw();
  add_eventfd_write_read();
  add_epoll_wait_zero();
  add_eventfd_wake_idle();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::floors
