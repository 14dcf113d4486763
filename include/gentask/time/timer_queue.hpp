#pragma once
/// @file
/// `timer_queue`: a reactor's timers, a `timer_driver` on a real or a manual clock.
///
/// Registrations are kept ordered by deadline (then by registration order); `fire_due()` wakes
/// and removes every registration whose deadline has come, in deadline order. With the real
/// clock (`timer_clock`, steady), `now()` reads it and a reactor sleeps until `get_next_deadline()`
/// when it has nothing else to do. With the manual clock (tests: tokio's `time::pause`), time
/// stands still until `advance(d)` moves it and fires what became due; a reactor whose clock is
/// manual and that has nothing else to do jumps it to the next deadline (tokio's paused clock
/// auto-advances the same way), so a test of timeouts runs at once and in a fixed order.
///
/// Each registration allocates (a node in the ordered map and one in an id index); a registration
/// dropped before it fires is removed at once, in O(log n). Registrations hold a reference to the
/// queue's anchor, so one that outlives the queue (a sleep kept after its reactor is gone) does
/// nothing when dropped. The manual clock never moves backwards and saturates at
/// `time_point::max()`. Single-threaded: a timer queue belongs to its reactor's thread.

#include <gentask/core/thread_check.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

namespace gentask {

class timer_queue {
 public:
  enum class clock_mode : unsigned char { real, manual };

  explicit timer_queue(clock_mode mode = clock_mode::real)
      : mode_(mode), manual_now_(timer_clock::now()), anchor_(new anchor{1, this}) {}
  timer_queue(const timer_queue&) = delete;
  timer_queue& operator=(const timer_queue&) = delete;
  /// Drops every registration without waking; registrations still held elsewhere go inert.
  ~timer_queue() {
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
    const std::uint64_t id = next_id_++;
    deadlines_.emplace(id, deadline);
    try {
      entries_.emplace(key{deadline, id}, w);
    } catch (...) {
      deadlines_.erase(id);
      throw;
    }
    ++anchor_->refs;
    return {anchor_, id, [](void* driver, std::uint64_t key_id) noexcept {
              auto* a = static_cast<anchor*>(driver);
              if (a->queue != nullptr) a->queue->cancel(key_id);
              a->release();
            }};
  }

  /// Wakes and removes every registration that is due; returns how many.
  std::size_t fire_due() {
    if (entries_.empty()) return 0;  // no clock read: reactors call this on every turn
    std::size_t fired = 0;
    const time_point t = now();
    while (!entries_.empty() && entries_.begin()->first.deadline <= t) {
      auto node = entries_.extract(entries_.begin());
      deadlines_.erase(node.key().id);
      node.mapped().wake();
      ++fired;
    }
    return fired;
  }

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
    if (entries_.empty()) return std::nullopt;
    return entries_.begin()->first.deadline;
  }
  [[nodiscard]] std::size_t get_pending_count() const noexcept { return entries_.size(); }
  [[nodiscard]] clock_mode get_clock_mode() const noexcept { return mode_; }
  /// Switches the clock (the manual clock starts from the real one's current reading).
  void set_clock_mode(clock_mode mode) noexcept {
    if (mode == clock_mode::manual && mode_ == clock_mode::real) manual_now_ = timer_clock::now();
    mode_ = mode;
  }
  /// Drops every registration without waking (the reactor's shutdown).
  void clear() noexcept {
    entries_.clear();
    deadlines_.clear();
  }

 private:
  /// Shared by the queue and its registrations; `queue` is cleared when the queue goes.
  struct anchor {
    std::size_t refs;
    timer_queue* queue;
    std::thread::id owner = std::this_thread::get_id();
    void release() noexcept {
      detail::check_owner_thread(owner, "a timer registration (a sleep)",
                                 "poll and drop a sleep on its reactor's thread");
      if (--refs == 0) delete this;
    }
  };

  struct key {
    time_point deadline;
    std::uint64_t id;
    friend bool operator<(const key& a, const key& b) noexcept {
      return a.deadline != b.deadline ? a.deadline < b.deadline : a.id < b.id;
    }
  };

  void cancel(std::uint64_t id) noexcept {
    const auto d = deadlines_.find(id);
    if (d == deadlines_.end()) return;  // already fired
    entries_.erase(key{d->second, id});
    deadlines_.erase(d);
  }

  clock_mode mode_;
  time_point manual_now_;
  std::uint64_t next_id_ = 1;
  std::map<key, waker> entries_;
  std::unordered_map<std::uint64_t, time_point> deadlines_;  // so that cancelling is O(log n)
  anchor* anchor_;
};

static_assert(timer_driver<timer_queue>);

}  // namespace gentask
