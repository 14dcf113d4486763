#pragma once
/// @file
/// `timer_queue`: a reactor's timers, a `timer_driver` on a real or a manual clock.
///
/// Registrations fire in deadline order, and in registration order among equal deadlines;
/// `fire_due()` wakes and removes every registration whose deadline has come. With the real clock
/// (`timer_clock`, steady), `now()` reads it and a reactor sleeps until `get_next_deadline()` when
/// it has nothing else to do. With the manual clock (tests: tokio's `time::pause`), time stands
/// still until `advance(d)` moves it and fires what became due; a reactor whose clock is manual
/// and that has nothing else to do jumps it to the next deadline (tokio's paused clock
/// auto-advances the same way), so a test of timeouts runs at once and in a fixed order.
///
/// `basic_timer_queue<Index>` keeps its registrations in a timer index; `timer_queue` is
/// `basic_timer_queue<timer_heap>` (a binary heap with lazy removal over a slab: no allocation
/// once warm, removal amortized O(1)), chosen over `timer_map` (the `std::map` it used before
/// issue 15) by the measurement in NOTES section 10. An index `I` provides:
///   - `insert(deadline, w)`: adds a registration, returns a 64-bit key (strong guarantee);
///   - `remove(key)`: removes it if it is still there and returns its wake handle (a no-op handle
///     otherwise), which the queue drops after the index is consistent again; a key whose
///     registration fired or was removed, or issued before `clear()`, must do nothing;
///   - `is_empty()`, `get_size()` (live registrations), `get_top_deadline()` (the earliest),
///     `pop_top()` (removes the earliest, the first made among equal deadlines, and returns its
///     wake handle) and `clear()`.
/// Wake handles are woken or dropped only after the index is consistent, so a wake or a release
/// may register or cancel on the same queue (a wake that cancels a registration due in the same
/// `fire_due` removes it before its turn).
///
/// Registrations hold a reference to the queue's anchor, so one that outlives the queue (a sleep
/// kept after its reactor is gone) does nothing when dropped. A deadline at or before `now()` wakes
/// at once and registers nothing. The manual clock never moves backwards and saturates at
/// `time_point::max()`. Single-threaded: a timer queue belongs to its reactor's thread.

#include <gentask/core/thread_check.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/time/timer_heap.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

namespace gentask {

/// Which clock a timer queue reads: the steady clock, or a manual one that tests move.
enum class timer_clock_mode : unsigned char { real, manual };

template <class Index>
class basic_timer_queue {
 public:
  using clock_mode = timer_clock_mode;
  using index_type = Index;

  explicit basic_timer_queue(clock_mode mode = clock_mode::real)
      : mode_(mode), manual_now_(timer_clock::now()), anchor_(new anchor{1, this}) {}
  basic_timer_queue(const basic_timer_queue&) = delete;
  basic_timer_queue& operator=(const basic_timer_queue&) = delete;
  /// Drops every registration without waking; registrations still held elsewhere go inert.
  ~basic_timer_queue() {
    clear();
    anchor_->queue = nullptr;
    anchor_->release();
  }

  [[nodiscard]] time_point now() const noexcept {
    return mode_ == clock_mode::real ? timer_clock::now() : manual_now_;
  }

  /// Wakes `w` once `now()` reaches `deadline` (at once if it already has).
  [[nodiscard]] timer_registration schedule_wake(time_point deadline, const waker& w) {
    if (deadline <= now()) {
      w.wake();
      return {};
    }
    const std::uint64_t id = index_.insert(deadline, w);
    ++anchor_->refs;
    return {anchor_, id, [](void* driver, std::uint64_t key_id) noexcept {
              auto* a = static_cast<anchor*>(driver);
              if (a->queue != nullptr) a->queue->cancel(key_id);
              a->release();
            }};
  }

  /// Wakes and removes every registration that is due; returns how many.
  std::size_t fire_due() {
    if (index_.is_empty()) return 0;  // no clock read: reactors call this on every turn
    return fire_due_now();
  }

 private:
  // fire_due with registrations to look at: out of line, so that a reactor's turn without timers
  // costs a load and a branch.
  [[gnu::noinline]] std::size_t fire_due_now() {
    std::size_t fired = 0;
    const time_point t = now();
    while (!index_.is_empty() && index_.get_top_deadline() <= t) {
      const waker w = index_.pop_top();
      w.wake();  // may register or cancel on this queue: the index is consistent
      ++fired;
    }
    return fired;
  }

 public:
  /// Manual clock: moves time forward by `by` (saturating at `time_point::max()`) and fires what
  /// became due. A negative `by` would move time backwards: `std::invalid_argument`.
  std::size_t advance(timer_clock::duration by) {
    if (by < timer_clock::duration::zero()) [[unlikely]] {
      throw std::invalid_argument(
          "timer_queue::advance: a negative duration (time never moves "
          "backwards; advance_to ignores a past time point)");
    }
    manual_now_ = saturating_add(manual_now_, by);
    return fire_due();
  }

  /// Manual clock: moves time forward to `t` (never backwards) and fires what became due.
  std::size_t advance_to(time_point t) {
    if (t > manual_now_) manual_now_ = t;
    return fire_due();
  }

  [[nodiscard]] std::optional<time_point> get_next_deadline() const noexcept {
    if (index_.is_empty()) return std::nullopt;
    return index_.get_top_deadline();
  }
  [[nodiscard]] std::size_t get_pending_count() const noexcept { return index_.get_size(); }
  [[nodiscard]] clock_mode get_clock_mode() const noexcept { return mode_; }
  /// Switches the clock (the manual clock starts from the real one's current reading).
  void set_clock_mode(clock_mode mode) noexcept {
    if (mode == clock_mode::manual && mode_ == clock_mode::real) manual_now_ = timer_clock::now();
    mode_ = mode;
  }
  /// Drops every registration without waking (the reactor's shutdown).
  void clear() noexcept { index_.clear(); }
  /// The index (for tests and measurements).
  [[nodiscard]] const Index& get_index() const noexcept { return index_; }

 private:
  /// Shared by the queue and its registrations; `queue` is cleared when the queue goes.
  struct anchor {
    std::size_t refs;
    basic_timer_queue* queue;
    std::thread::id owner = std::this_thread::get_id();
    void release() noexcept {
      detail::check_owner_thread(owner, "a timer registration (a sleep)",
                                 "poll and drop a sleep on its reactor's thread");
      if (--refs == 0) delete this;
    }
  };

  void cancel(std::uint64_t id) noexcept {
    [[maybe_unused]] const waker released =
        index_.remove(id);  // dropped after the index is consistent
  }

  clock_mode mode_;
  time_point manual_now_;
  Index index_;
  anchor* anchor_;
};

/// The local reactor's timer queue.
using timer_queue = basic_timer_queue<timer_heap>;

static_assert(timer_driver<timer_queue>);

}  // namespace gentask
