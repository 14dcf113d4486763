// timer_queue: a reactor's timers on a real or a manual clock (schedule, fire in deadline order,
// cancel by dropping the registration, advance a paused clock). Every behaviour is checked on
// both timer indexes, `timer_heap` (the local reactor's) and `timer_map` (the baseline).
#include <gentask/time/timer_queue.hpp>

#include <gentask/time/timer_heap.hpp>
#include <gentask/time/timer_map.hpp>

#include <gentask/core/task.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/time/sleep.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using namespace gentask;
using namespace std::chrono_literals;

namespace {

/// Wake handles that append their token to a log and count live handles.
struct wake_log {
  std::vector<std::uint64_t> order;
  std::size_t live = 0;

  wake_log() { order.reserve(64); }  // so that a wake (noexcept) never allocates in the tests

  [[nodiscard]] waker make(std::uint64_t token) {
    ++live;
    return waker::from_raw(&vtable, this, token);
  }

  static const waker_vtable vtable;
};

// The vtables are defined out of their classes: the lambdas need the class complete (clang).
constexpr waker_vtable wake_log::vtable = {
    [](void* data, std::uint64_t token) noexcept {
      static_cast<wake_log*>(data)->order.push_back(token);
    },
    [](void* data) noexcept { ++static_cast<wake_log*>(data)->live; },
    [](void* data) noexcept { --static_cast<wake_log*>(data)->live; },
};

/// A wake handle whose wake registers again on the same queue, `period` later, up to `times`
/// wakes in all.
template <class Queue>
struct rearming {
  Queue* queue = nullptr;
  timer_clock::duration period{};
  int times = 0;
  int wakes = 0;
  timer_registration next;

  [[nodiscard]] waker make() { return waker::from_raw(&vtable, this, 0); }

  static const waker_vtable vtable;
};

template <class Queue>
constexpr waker_vtable rearming<Queue>::vtable = {
    [](void* data, std::uint64_t) noexcept {
      auto& self = *static_cast<rearming*>(data);
      ++self.wakes;
      if (self.wakes < self.times) {
        self.next = self.queue->schedule_wake(self.queue->now() + self.period, self.make());
      }
    },
    [](void*) noexcept {},
    [](void*) noexcept {},
};

}  // namespace

TEMPLATE_TEST_CASE("timer_queue models timer_driver", "[core][timer]", timer_heap, timer_map) {
  using queue = basic_timer_queue<TestType>;
  STATIC_REQUIRE(timer_driver<queue>);
  STATIC_REQUIRE(timer_driver<queue&>);
  STATIC_REQUIRE(!timer_driver<int>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<queue>);
  STATIC_REQUIRE(!std::is_move_constructible_v<queue>);  // registrations point at it
  STATIC_REQUIRE(std::is_same_v<timer_queue, basic_timer_queue<timer_heap>>);  // the reactor's
}

TEMPLATE_TEST_CASE("a timer_queue is on the real clock unless told otherwise", "[core][timer]",
                   timer_heap, timer_map) {
  basic_timer_queue<TestType> real;
  CHECK(real.get_clock_mode() == timer_clock_mode::real);
  basic_timer_queue<TestType> manual(timer_clock_mode::manual);
  CHECK(manual.get_clock_mode() == timer_clock_mode::manual);
  real.set_clock_mode(timer_clock_mode::manual);
  CHECK(real.get_clock_mode() == timer_clock_mode::manual);
}

TEMPLATE_TEST_CASE("a timer queue's manual clock stands still until it is advanced",
                   "[core][timer]", timer_heap, timer_map) {
  const time_point before = timer_clock::now();
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  const time_point start = q.now();
  CHECK(start >= before);  // starts from the real clock's reading
  std::this_thread::sleep_for(2ms);
  CHECK(q.now() == start);
  CHECK(q.fire_due() == 0);
  CHECK(q.now() == start);
  CHECK(q.advance(7ms) == 0);
  CHECK(q.now() == start + 7ms);
  CHECK(q.advance_to(start + 1s) == 0);
  CHECK(q.now() == start + 1s);
}

TEMPLATE_TEST_CASE("a timer deadline at or before now wakes at once and registers nothing",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  {
    auto now_reg = q.schedule_wake(q.now(), log.make(1));
    auto past_reg = q.schedule_wake(q.now() - 1h, log.make(2));
    auto epoch_reg = q.schedule_wake(time_point{}, log.make(3));
    CHECK_FALSE(now_reg.is_active());
    CHECK_FALSE(past_reg.is_active());
    CHECK_FALSE(epoch_reg.is_active());
    CHECK(log.order == std::vector<std::uint64_t>{1, 2, 3});
    CHECK(q.get_pending_count() == 0);
    CHECK_FALSE(q.get_next_deadline().has_value());
  }
  CHECK(log.live == 0);  // the queue kept no handle
  CHECK(q.fire_due() == 0);
  CHECK(log.order.size() == 3);  // and wakes nothing later
}

TEMPLATE_TEST_CASE("due timer registrations fire in deadline order, then in registration order",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  const time_point t0 = q.now();
  std::vector<timer_registration> regs;
  regs.push_back(q.schedule_wake(t0 + 30ms, log.make(30)));
  regs.push_back(q.schedule_wake(t0 + 10ms, log.make(10)));
  regs.push_back(q.schedule_wake(t0 + 20ms, log.make(20)));
  regs.push_back(q.schedule_wake(t0 + 10ms, log.make(11)));  // same deadline as 10, later
  regs.push_back(q.schedule_wake(t0 + 5ms, log.make(5)));
  for (const auto& r : regs) CHECK(r.is_active());
  CHECK(q.get_pending_count() == 5);
  CHECK(log.order.empty());

  CHECK(q.advance(1h) == 5);
  CHECK(log.order == std::vector<std::uint64_t>{5, 10, 11, 20, 30});
  CHECK(q.get_pending_count() == 0);
  CHECK(log.live == 0);  // the fired handles were released
}

TEMPLATE_TEST_CASE("timer registrations with the same deadline fire in the order they were made",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  const time_point d = q.now() + 1ms;
  std::vector<timer_registration> regs;
  for (std::uint64_t i = 0; i < 8; ++i) regs.push_back(q.schedule_wake(d, log.make(i)));
  // Cancelling one in the middle keeps the others' order.
  regs[3].cancel();
  CHECK_FALSE(regs[3].is_active());
  CHECK(q.get_pending_count() == 7);
  CHECK(q.get_next_deadline() == d);
  CHECK(q.advance_to(d) == 7);
  CHECK(log.order == std::vector<std::uint64_t>{0, 1, 2, 4, 5, 6, 7});
}

TEMPLATE_TEST_CASE(
    "advancing the manual timer clock fires exactly the registrations that became due",
    "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  const time_point t0 = q.now();
  auto a = q.schedule_wake(t0 + 10ms, log.make(1));
  auto b = q.schedule_wake(t0 + 20ms, log.make(2));
  auto c = q.schedule_wake(t0 + 30ms, log.make(3));

  CHECK(q.advance(9ms) == 0);
  CHECK(log.order.empty());
  CHECK(q.get_pending_count() == 3);

  CHECK(q.advance(1ms) == 1);  // exactly at the deadline
  CHECK(log.order == std::vector<std::uint64_t>{1});
  CHECK(q.get_pending_count() == 2);
  CHECK(q.get_next_deadline() == t0 + 20ms);

  CHECK(q.advance(15ms) == 1);  // past 20, not yet 30
  CHECK(log.order == std::vector<std::uint64_t>{1, 2});
  CHECK(q.fire_due() == 0);  // nothing else is due at the same instant

  CHECK(q.advance(5ms) == 1);
  CHECK(log.order == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(q.get_pending_count() == 0);
  CHECK(q.advance(1h) == 0);  // each fires once
  CHECK(log.order.size() == 3);
}

TEMPLATE_TEST_CASE("timer_queue advance_to never moves the manual clock backwards", "[core][timer]",
                   timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  const time_point t0 = q.now();
  auto r = q.schedule_wake(t0 + 50ms, log.make(1));
  CHECK(q.advance_to(t0 + 40ms) == 0);
  CHECK(q.now() == t0 + 40ms);
  CHECK(q.advance_to(t0 + 10ms) == 0);  // earlier: ignored
  CHECK(q.now() == t0 + 40ms);
  CHECK(q.advance_to(t0 + 40ms) == 0);  // the same instant: nothing moves
  CHECK(q.now() == t0 + 40ms);
  CHECK(q.advance_to(t0 + 50ms) == 1);
  CHECK(q.now() == t0 + 50ms);
  CHECK(log.order == std::vector<std::uint64_t>{1});
  CHECK(q.advance_to(time_point{}) == 0);
  CHECK(q.now() == t0 + 50ms);
}

TEMPLATE_TEST_CASE("dropping a timer registration cancels it and releases its wake handle",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  const time_point t0 = q.now();
  auto keep = q.schedule_wake(t0 + 20ms, log.make(2));
  {
    auto dropped = q.schedule_wake(t0 + 10ms, log.make(1));
    CHECK(q.get_pending_count() == 2);
    CHECK(log.live == 2);
    CHECK(q.get_next_deadline() == t0 + 10ms);
  }
  CHECK(q.get_pending_count() == 1);
  CHECK(log.live == 1);
  CHECK(q.get_next_deadline() == t0 + 20ms);

  // Explicit cancel and a move-assignment over an active registration cancel as well.
  auto cancelled = q.schedule_wake(t0 + 15ms, log.make(3));
  cancelled.cancel();
  cancelled.cancel();  // idempotent
  auto replaced = q.schedule_wake(t0 + 16ms, log.make(4));
  replaced = q.schedule_wake(t0 + 17ms, log.make(5));  // cancels 4
  CHECK(q.get_pending_count() == 2);

  // A moved-from registration no longer cancels; the moved-to one does.
  timer_registration moved = std::move(replaced);
  CHECK_FALSE(replaced.is_active());  // NOLINT(bugprone-use-after-move): documented state
  CHECK(moved.is_active());
  CHECK(q.get_pending_count() == 2);

  CHECK(q.advance(1h) == 2);
  CHECK(log.order == std::vector<std::uint64_t>{5, 2});  // 1, 3 and 4 never woke
  CHECK(log.live == 0);
}

TEMPLATE_TEST_CASE("dropping a timer registration after it fired is harmless", "[core][timer]",
                   timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  const time_point t0 = q.now();
  auto fired = q.schedule_wake(t0 + 1ms, log.make(1));
  auto later = q.schedule_wake(t0 + 1h, log.make(2));
  CHECK(q.advance(1ms) == 1);
  CHECK(fired.is_active());  // the handle does not know that it fired
  fired.cancel();            // finds nothing to remove
  CHECK(q.get_pending_count() == 1);
  CHECK(q.get_next_deadline() == t0 + 1h);
  {
    auto again = q.schedule_wake(t0 + 2ms, log.make(3));
    CHECK(q.advance(1ms) == 1);
  }  // dropped after firing
  CHECK(q.get_pending_count() == 1);
  CHECK(log.order == std::vector<std::uint64_t>{1, 3});
  CHECK(q.advance(1h) == 1);
  CHECK(log.order == std::vector<std::uint64_t>{1, 3, 2});
}

TEMPLATE_TEST_CASE("the timer queue's get_next_deadline reports the earliest pending registration",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  const time_point t0 = q.now();
  CHECK_FALSE(q.get_next_deadline().has_value());
  auto late = q.schedule_wake(t0 + 30ms, log.make(1));
  CHECK(q.get_next_deadline() == t0 + 30ms);
  auto early = q.schedule_wake(t0 + 10ms, log.make(2));
  CHECK(q.get_next_deadline() == t0 + 10ms);
  early.cancel();
  CHECK(q.get_next_deadline() == t0 + 30ms);
  CHECK(q.advance(30ms) == 1);
  CHECK_FALSE(q.get_next_deadline().has_value());
}

TEMPLATE_TEST_CASE(
    "clearing a timer queue drops every registration without waking and later cancels do nothing",
    "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  const time_point t0 = q.now();
  auto a = q.schedule_wake(t0 + 1ms, log.make(1));
  auto b = q.schedule_wake(t0 + 2ms, log.make(2));
  CHECK(q.get_pending_count() == 2);
  q.clear();
  CHECK(q.get_pending_count() == 0);
  CHECK_FALSE(q.get_next_deadline().has_value());
  CHECK(log.live == 0);
  CHECK(q.advance(1h) == 0);
  CHECK(log.order.empty());
  a.cancel();  // the registration outlived the entry: a no-op
  // The queue is usable afterwards.
  auto c = q.schedule_wake(q.now() + 1ms, log.make(3));
  CHECK(q.get_pending_count() == 1);
  CHECK(q.advance(1ms) == 1);
  CHECK(log.order == std::vector<std::uint64_t>{3});
}  // b is dropped here, after its entry was cleared: a no-op

TEMPLATE_TEST_CASE("a wake handle may register again on the timer queue from inside its own wake",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  rearming<basic_timer_queue<TestType>> r;
  r.queue = &q;
  r.period = 10ms;
  r.times = 3;
  const time_point t0 = q.now();
  r.next = q.schedule_wake(t0 + 10ms, r.make());

  // The new registration is for a later deadline, so one fire_due never runs it: no loop.
  CHECK(q.advance(10ms) == 1);
  CHECK(r.wakes == 1);
  CHECK(q.get_pending_count() == 1);
  CHECK(q.get_next_deadline() == t0 + 20ms);

  // Jumping past several periods fires the re-registration once: its deadline is from the
  // clock at the wake (t0 + 1h + 10ms), not from the previous deadline.
  CHECK(q.advance(1h) == 1);
  CHECK(r.wakes == 2);
  CHECK(q.get_next_deadline() == t0 + 1h + 20ms);
  CHECK(q.advance(10ms) == 1);
  CHECK(r.wakes == 3);
  CHECK(q.get_pending_count() == 0);  // times reached: no more
}

TEMPLATE_TEST_CASE(
    "a wake handle registering for a timer deadline already reached is woken at once inside "
    "fire_due",
    "[core][timer]", timer_heap, timer_map) {
  // rearming with a zero period: each wake schedules at now(), which wakes at once (no entry),
  // so one fire_due runs the whole chain and leaves nothing pending.
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  rearming<basic_timer_queue<TestType>> r;
  r.queue = &q;
  r.period = 0ms;
  r.times = 4;
  r.next = q.schedule_wake(q.now() + 1ms, r.make());
  CHECK(q.advance(1ms) == 1);
  CHECK(r.wakes == 4);
  CHECK(q.get_pending_count() == 0);
}

TEMPLATE_TEST_CASE("a wake may cancel another timer registration that is due in the same fire_due",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  struct canceller {
    timer_registration* victim = nullptr;
    int wakes = 0;
  } c;
  static constexpr waker_vtable vt = {
      [](void* data, std::uint64_t) noexcept {
        auto& self = *static_cast<canceller*>(data);
        ++self.wakes;
        self.victim->cancel();
      },
      [](void*) noexcept {},
      [](void*) noexcept {},
  };
  wake_log log;
  const time_point t0 = q.now();
  timer_registration victim = q.schedule_wake(t0 + 2ms, log.make(2));
  c.victim = &victim;
  auto first = q.schedule_wake(t0 + 1ms, waker::from_raw(&vt, &c, 0));
  CHECK(q.advance(5ms) == 1);  // the victim was removed before its turn
  CHECK(c.wakes == 1);
  CHECK(log.order.empty());
  CHECK(q.get_pending_count() == 0);
  CHECK(log.live == 0);
}

TEMPLATE_TEST_CASE("switching a timer queue to the manual clock starts it from the real clock",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q;
  const time_point before = timer_clock::now();
  q.set_clock_mode(timer_clock_mode::manual);
  const time_point start = q.now();
  CHECK(start >= before);
  CHECK(start <= timer_clock::now());
  q.set_clock_mode(timer_clock_mode::manual);  // already manual: the clock keeps its time
  CHECK(q.now() == start);
  q.set_clock_mode(timer_clock_mode::real);
  CHECK(q.now() >= start);
}

TEMPLATE_TEST_CASE(
    "on the real clock a timer deadline a few milliseconds ahead fires once that time passed",
    "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q;
  wake_log log;
  const time_point deadline = q.now() + 5ms;
  auto r = q.schedule_wake(deadline, log.make(1));
  REQUIRE(r.is_active());
  {
    const std::size_t fired = q.fire_due();
    if (timer_clock::now() < deadline) CHECK(fired == 0);  // robust: only if surely early
  }
  // Poll with short sleeps until it fires, with a cap of 2 s so that a failure cannot hang.
  const time_point cap = timer_clock::now() + 2s;
  std::size_t fired = 0;
  while (log.order.empty() && timer_clock::now() < cap) {
    fired += q.fire_due();
    if (log.order.empty()) std::this_thread::sleep_for(1ms);
  }
  CHECK(fired == 1);
  CHECK(log.order == std::vector<std::uint64_t>{1});
  CHECK(timer_clock::now() >= deadline);
  CHECK(q.get_pending_count() == 0);
  CHECK(log.live == 0);
}

TEMPLATE_TEST_CASE("ten thousand timer registrations with one deadline fire in registration order",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  constexpr std::uint64_t n = 10000;
  wake_log log;
  log.order.reserve(n);
  const time_point d = q.now() + 1ms;
  std::vector<timer_registration> regs;
  regs.reserve(n);
  // Interleaved with registrations for other deadlines, before and after, so that the heap's
  // shape is not simply the insertion order.
  std::vector<timer_registration> others;
  for (std::uint64_t i = 0; i < n; ++i) {
    regs.push_back(q.schedule_wake(d, log.make(i)));
    if (i % 7 == 0)
      others.push_back(
          q.schedule_wake(d + 1ms + static_cast<std::int64_t>(i) * 1ns, log.make(n + i)));
    if (i % 11 == 0) others.push_back(q.schedule_wake(d - 1ns, log.make(2 * n + i)));
  }
  CHECK(q.get_pending_count() == n + others.size());
  const std::size_t earlier = (n + 10) / 11;
  CHECK(q.advance_to(d - 1ns) == earlier);
  log.order.clear();
  CHECK(q.advance_to(d) == n);
  REQUIRE(log.order.size() == n);
  bool in_order = true;
  for (std::uint64_t i = 0; i < n; ++i) in_order = in_order && log.order[i] == i;
  CHECK(in_order);
  CHECK(q.get_pending_count() == others.size() - earlier);
}

TEMPLATE_TEST_CASE("a timer registration dropped from inside another timer's wake never fires",
                   "[core][timer]", timer_heap, timer_map) {
  // The wake of the first registration drops the second (due in the same fire_due), its own
  // registration (already fired: nothing), and a third that is not due yet; then registers a
  // fourth on the same queue, which may take a slot the drops freed.
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;  // outlives the handles below
  struct dropper {
    basic_timer_queue<TestType>* queue = nullptr;
    std::optional<timer_registration> self, due_too, later, added;
    waker added_waker;
    int wakes = 0;
  } d;
  d.queue = &q;
  static constexpr waker_vtable vt = {
      [](void* data, std::uint64_t) noexcept {
        auto& self = *static_cast<dropper*>(data);
        ++self.wakes;
        self.due_too.reset();
        self.self.reset();
        self.later.reset();
        self.added.emplace(self.queue->schedule_wake(self.queue->now() + 5ms, self.added_waker));
      },
      [](void*) noexcept {},
      [](void*) noexcept {},
  };
  const time_point t0 = q.now();
  d.added_waker = log.make(4);
  d.self.emplace(q.schedule_wake(t0 + 1ms, waker::from_raw(&vt, &d, 0)));
  d.due_too.emplace(q.schedule_wake(t0 + 2ms, log.make(2)));
  d.later.emplace(q.schedule_wake(t0 + 1h, log.make(3)));
  auto bystander = q.schedule_wake(t0 + 3ms, log.make(5));
  CHECK(q.get_pending_count() == 4);
  CHECK(q.advance(3ms) == 2);  // the dropper and the bystander; not the dropped one
  CHECK(d.wakes == 1);
  CHECK(log.order == std::vector<std::uint64_t>{5});
  CHECK(q.get_pending_count() == 1);               // the added one
  CHECK(q.get_next_deadline() == t0 + 3ms + 5ms);  // the clock was at 3 ms during the wake
  CHECK(q.advance(1h) == 1);
  CHECK(log.order == std::vector<std::uint64_t>{5, 4});
  CHECK(q.get_pending_count() == 0);
  d.added.reset();
  CHECK(log.live == 1);  // only the dropper's spare handle is left
}

TEMPLATE_TEST_CASE("a timer registration made before clear cannot cancel one made after it",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  auto old = q.schedule_wake(q.now() + 1ms, log.make(1));
  q.clear();
  auto fresh = q.schedule_wake(q.now() + 1ms, log.make(2));  // may reuse the old one's slot
  old.cancel();
  CHECK(q.get_pending_count() == 1);
  CHECK(q.advance(1ms) == 1);
  CHECK(log.order == std::vector<std::uint64_t>{2});
}

TEMPLATE_TEST_CASE("a fired timer registration cannot cancel the one that reuses its place",
                   "[core][timer]", timer_heap, timer_map) {
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  wake_log log;
  auto fired = q.schedule_wake(q.now() + 1ms, log.make(1));
  CHECK(q.advance(1ms) == 1);
  auto next = q.schedule_wake(q.now() + 1ms, log.make(2));
  fired.cancel();  // stale: finds a newer registration in its place, or nothing
  CHECK(q.get_pending_count() == 1);
  CHECK(q.advance(1ms) == 1);
  CHECK(log.order == std::vector<std::uint64_t>{1, 2});
}

TEMPLATE_TEST_CASE("timer registrations cancelled in any order leave the rest in deadline order",
                   "[core][timer]", timer_heap, timer_map) {
  // A deterministic shuffle of deadlines; every third registration is cancelled.
  basic_timer_queue<TestType> q(timer_clock_mode::manual);
  constexpr std::uint64_t n = 3000;
  wake_log log;
  log.order.reserve(n);
  const time_point t0 = q.now();
  std::vector<timer_registration> regs;
  std::uint64_t x = 12345;
  for (std::uint64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::uint64_t offset = (x >> 33) % 1000;  // ties are frequent
    regs.push_back(q.schedule_wake(t0 + 1us + static_cast<std::int64_t>(offset) * 1us,
                                   log.make(offset * n + i)));
  }
  std::size_t cancelled = 0;
  for (std::uint64_t i = 0; i < n; i += 3) {
    regs[i].cancel();
    ++cancelled;
  }
  CHECK(q.get_pending_count() == n - cancelled);
  CHECK(q.advance(1s) == n - cancelled);
  REQUIRE(log.order.size() == n - cancelled);
  bool sorted = true;  // tokens are offset * n + i: deadline order, then registration order
  bool none_cancelled = true;
  for (std::size_t k = 0; k < log.order.size(); ++k) {
    if (k > 0) sorted = sorted && log.order[k - 1] < log.order[k];
    none_cancelled = none_cancelled && (log.order[k] % n) % 3 != 0;
  }
  CHECK(sorted);
  CHECK(none_cancelled);
}

namespace {

/// A task whose wake polls its future at once, inside the wake (an inline executor): a timer's
/// wake then runs future code during `fire_due`.
template <class Queue>
struct inline_runner {
  Queue* queue = nullptr;
  std::function<void(inline_runner&)> run;
  int wakes = 0;

  [[nodiscard]] waker get_waker() noexcept { return waker::from_raw(&vtable, this, 0); }
  [[nodiscard]] Queue& get_timer() noexcept { return *queue; }

  static const waker_vtable vtable;
};

template <class Queue>
constexpr waker_vtable inline_runner<Queue>::vtable = {
    [](void* data, std::uint64_t) noexcept {
      auto& self = *static_cast<inline_runner*>(data);
      ++self.wakes;
      self.run(self);
    },
    [](void*) noexcept {},
    [](void*) noexcept {},
};

}  // namespace

TEMPLATE_TEST_CASE(
    "a future run by a timer's wake drops a sleep due in the same fire_due and it never fires",
    "[core][timer]", timer_heap, timer_map) {
  using queue_type = basic_timer_queue<TestType>;
  queue_type q(timer_clock_mode::manual);
  const time_point t0 = q.now();
  // The future: two sleeps; once the first is ready it drops the second and completes.
  sleep_future first = sleep_until(t0 + 1ms);
  std::optional<sleep_future> second(sleep_until(t0 + 2ms));
  int polls = 0;
  bool done = false;
  inline_runner<queue_type> runner;
  runner.queue = &q;
  runner.run = [&](inline_runner<queue_type>& task) {
    ++polls;
    if (done) return;  // a wake after completion: counted, nothing polled
    if (first.poll(task).is_pending()) {
      (void)second->poll(task);
      return;
    }
    second.reset();  // inside fire_due: removes a registration that is due now
    done = true;
  };
  runner.run(runner);  // the first poll registers both
  CHECK(q.get_pending_count() == 2);
  CHECK(q.advance(5ms) == 1);  // only the first fired
  CHECK(done);
  CHECK(runner.wakes == 1);
  CHECK(polls == 2);
  CHECK(q.get_pending_count() == 0);
  CHECK_FALSE(q.get_next_deadline().has_value());
}
