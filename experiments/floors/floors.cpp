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
//   slab_spawn_join    the minimal typed-slab executor for ONE known future type (ready at its
//                      first poll with its value, the loop index): a slab of cells with an
//                      intrusive free list of indices, a FIFO ring of slot indices as the ready
//                      queue; per iteration 1000 spawns (take a slot, construct the future,
//                      queue the index), one run of the queue (each polled once by a direct,
//                      inlined call; the result stored in the cell), then 1000 joins in order
//                      (read the result, give the slot back); the sum is checked. No type
//                      erasure, no waker, no cancel, no generations. Unit: task.
//   slab_yield         the same executor, one task that re-queues its own index and returns
//                      pending 1000 times, then completes. Unit: yield.
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

// ---------------------------------------------------------------------------------------------
// slab_spawn_join, slab_yield: the minimal typed-slab executor

/// A single-threaded executor for ONE future type known at compile time: no type erasure (the
/// run loop calls `Future::poll` directly, and the compiler inlines it), no waker object (a
/// task wakes itself by queueing its own index), no cancel, no generation counts, a fixed
/// capacity. What a runtime that keeps its tasks in typed slabs cannot do with less.
///
/// `Future` has a `result_type` and `bool poll(typed_slab&, std::uint32_t self, result_type&)`:
/// true with the result written when complete; false when pending (after queueing `self` if it
/// wants to run again). A slot index is the join handle.
template <class Future>
class typed_slab {
 public:
  using result_type = typename Future::result_type;

  typed_slab()
      : cells_(std::make_unique<cell[]>(slab_capacity)),
        ready_(std::make_unique<std::uint32_t[]>(slab_capacity)) {
    for (std::uint32_t i = 0; i < slab_capacity; ++i) cells_[i].next_free = i + 1;
    cells_[slab_capacity - 1].next_free = no_slot;
  }

  /// Takes a free slot, constructs the future in it and queues it; returns the slot (the
  /// join handle).
  std::uint32_t spawn(const Future& f) {
    const std::uint32_t i = free_;
    check(i != no_slot, "typed_slab: full");
    cell& c = cells_[i];
    free_ = c.next_free;
    c.future = f;
    c.done = false;
    wake(i);
    return i;
  }

  /// Queues slot `i` (FIFO). A task is queued at most once at a time (by its spawn, or by
  /// itself while it runs), so the ring, as large as the slab, cannot overflow.
  void wake(std::uint32_t i) { ready_[tail_++ & ring_mask] = i; }

  /// Polls the queued tasks in order until the queue is empty.
  void run() {
    while (head_ != tail_) {
      const std::uint32_t i = ready_[head_++ & ring_mask];
      cell& c = cells_[i];
      if (c.future.poll(*this, i, c.result)) c.done = true;
    }
  }

  /// The result of the completed task in slot `i`; the slot goes back to the free list.
  result_type join(std::uint32_t i) {
    cell& c = cells_[i];
    check(c.done, "typed_slab: joined a task that is not complete");
    c.next_free = free_;
    free_ = i;
    return c.result;
  }

 private:
  static constexpr std::uint32_t slab_capacity = 1024;  // a power of two: the ring's mask
  static constexpr std::uint32_t ring_mask = slab_capacity - 1;
  static constexpr std::uint32_t no_slot = ~std::uint32_t{0};

  struct cell {
    Future future;
    result_type result;
    std::uint32_t next_free;  // the free list's link (meaningful while the slot is free)
    bool done;
  };

  std::unique_ptr<cell[]> cells_;
  std::unique_ptr<std::uint32_t[]> ready_;  // the ready queue: a ring of slot indices
  std::uint32_t free_ = 0;                  // the free list's head
  std::uint32_t head_ = 0;                  // the ring's read and write counts (wrapping)
  std::uint32_t tail_ = 0;
};

/// slab_spawn_join's future: complete at its first poll, with its value.
struct ready_future {
  using result_type = std::uint64_t;
  std::uint64_t value;
  template <class Slab>
  bool poll(Slab&, std::uint32_t, std::uint64_t& out) {
    out = value;
    return true;
  }
};

struct spawn_join_state {
  typed_slab<ready_future> slab;
  std::vector<std::uint32_t> handles = std::vector<std::uint32_t>(units_per_iteration);
};

void add_slab_spawn_join() {
  auto st = std::make_shared<spawn_join_state>();
  register_case("slab_spawn_join", variant, "batch=" + std::to_string(units_per_iteration),
                units_per_iteration, [st] {
                  auto& slab = st->slab;
                  std::uint32_t* const handles = st->handles.data();
                  for (int i = 0; i < units_per_iteration; ++i)
                    handles[i] = slab.spawn(ready_future{static_cast<std::uint64_t>(i)});
                  slab.run();
                  std::uint64_t sum = 0;
                  for (int i = 0; i < units_per_iteration; ++i) sum += slab.join(handles[i]);
                  check(sum == std::uint64_t{units_per_iteration} * (units_per_iteration - 1) / 2,
                        "slab_spawn_join: wrong sum");
                  benchmark::DoNotOptimize(sum);
                });
}

/// slab_yield's future: pending `left` times (each time queueing itself again), then complete
/// with the number of polls it took.
struct yield_future {
  using result_type = std::uint64_t;
  std::uint32_t left;
  std::uint32_t polls;
  template <class Slab>
  bool poll(Slab& slab, std::uint32_t self, std::uint64_t& out) {
    ++polls;
    if (left == 0) {
      out = polls;
      return true;
    }
    --left;
    slab.wake(self);
    return false;
  }
};

void add_slab_yield() {
  auto slab = std::make_shared<typed_slab<yield_future>>();
  register_case("slab_yield", variant, "n=" + std::to_string(units_per_iteration),
                units_per_iteration, [slab] {
                  const std::uint32_t h =
                      slab->spawn(yield_future{static_cast<std::uint32_t>(units_per_iteration), 0});
                  slab->run();
                  const std::uint64_t polls = slab->join(h);
                  check(polls == units_per_iteration + 1, "slab_yield: wrong poll count");
                  benchmark::DoNotOptimize(polls);
                });
}

const bool registered = [] {
  add_indirect_call();
  add_malloc_free();
  add_atomic_rmw();
  add_eventfd_write_read();
  add_epoll_wait_zero();
  add_eventfd_wake_idle();
  add_slab_spawn_join();
  add_slab_yield();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::floors
