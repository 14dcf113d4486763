#pragma once
/// @file
/// `remote_inbox`: a reactor's thread-safe inbox. Other threads append remote wakes (task
/// tokens), requests (remote spawns) and cancels (task ids) under one mutex and unpark the
/// reactor; the reactor's thread takes them all at once (`take`) and acts on them.
///
/// The inbox is refcounted atomically: the reactor, its remote wake handles, remote handles and
/// remote join handles each hold a reference, so it outlives the reactor while any of them
/// exists. Unparking is the reactor's own (`basic_remote_inbox<Unparker>`): a condition variable
/// for a reactor that sleeps in a wait, an eventfd for one that sleeps in `epoll_wait`, a main
/// context's wakeup for a UI loop. The unparker lives in the inbox, not the reactor, so a poster
/// that signals after the reactor has gone touches memory its own reference keeps alive.
///
/// **Stall detection.** The unparker is also told when a release leaves the reactor's own
/// reference as the last one: nothing outside the reactor can wake it any more, so a reactor
/// parked with nothing to do and no timer pending is stalled (`runtime::stalled`).
///
/// @par Thread Safety
/// Every member may be called on any thread, except `take`, `close` and the reactor's
/// `release` of its own reference, which belong to the reactor's thread.

#include <gentask/storage/task_id.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace gentask::runtime {

/// Something another thread asks a reactor to do on its own thread.
struct remote_request {
  remote_request() = default;
  remote_request(const remote_request&) = delete;
  remote_request& operator=(const remote_request&) = delete;
  virtual ~remote_request() = default;
  /// On the reactor thread: do it, then give up its hold on itself (delete it, or drop the
  /// reference it holds on the block it lives in). `scheduler` is the reactor's scheduler.
  /// Must not throw: a failure fails the request's own task.
  virtual void execute(void* scheduler) noexcept = 0;
  /// On the reactor thread, at shutdown: give up, destroying what it carries here, and its hold.
  virtual void discard() noexcept = 0;
};

/// What `remote_inbox::take` hands the reactor: everything posted since the last take.
struct remote_batch {
  std::vector<std::uint64_t> tokens;
  std::vector<remote_request*> requests;
  std::vector<task_id> cancels;
  /// A remote wake could not be recorded (out of memory): wake every pending task.
  bool wake_all = false;
};

class remote_inbox {
 public:
  remote_inbox() = default;
  remote_inbox(const remote_inbox&) = delete;
  remote_inbox& operator=(const remote_inbox&) = delete;

  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  /// Drops a reference (the reactor's own or anyone's). A decrement that leaves two or more
  /// holders is a plain atomic step. One that leaves one or none happens under the lock, and
  /// unparks: the reactor parked in `block_on` re-checks the count under that lock (it may now
  /// be the only holder: nothing can wake it), and whoever frees the inbox has first acquired
  /// the lock after every other thread's last use of it, so no thread is still inside the mutex
  /// or the unparker when it is destroyed.
  void release() noexcept {
    std::size_t n = refs_.load(std::memory_order_relaxed);
    while (n > 2) {
      if (refs_.compare_exchange_weak(n, n - 1, std::memory_order_acq_rel)) return;
    }
    bool last = false;
    {
      const std::lock_guard lock(mutex_);
      last = refs_.fetch_sub(1, std::memory_order_acq_rel) == 1;
      if (!last) unpark();
    }
    if (last) delete this;
  }

  /// Appends under the lock (`push(batch)`) and unparks the reactor; false, with nothing
  /// appended, once closed. The caller holds a reference. The unpark comes after the lock is
  /// released, so the woken reactor does not block at once on the mutex still held here.
  template <class Push>
  bool post(Push&& push) {
    {
      const std::lock_guard lock(mutex_);
      if (closed_) return false;
      push(batch_);
      nonempty_.store(true, std::memory_order_relaxed);
    }
    unpark();
    return true;
  }
  /// A remote wake: never fails; out of memory, it degrades to waking every pending task.
  void post_wake(std::uint64_t token) noexcept {
    {
      const std::lock_guard lock(mutex_);
      if (closed_) return;
      try {
        batch_.tokens.push_back(token);
      } catch (...) {
        batch_.wake_all = true;
      }
      nonempty_.store(true, std::memory_order_relaxed);
    }
    unpark();
  }

  /// Reactor thread: whether anything was posted since the last `take` (a relaxed read; the
  /// lock in `take` orders what it finds).
  [[nodiscard]] bool is_nonempty() const noexcept {
    return nonempty_.load(std::memory_order_relaxed);
  }
  /// Reactor thread: swaps everything posted into `out` (whose vectors must be empty, and keep
  /// their capacity for the next swap). False if nothing was posted.
  bool take(remote_batch& out) {
    if (!is_nonempty()) return false;
    const std::lock_guard lock(mutex_);
    out.tokens.swap(batch_.tokens);
    out.requests.swap(batch_.requests);
    out.cancels.swap(batch_.cancels);
    out.wake_all = std::exchange(batch_.wake_all, false);
    nonempty_.store(false, std::memory_order_relaxed);
    return true;
  }
  /// Reactor thread, at shutdown: refuses every later post and returns the requests that were
  /// queued (the caller discards them); queued wakes and cancels are dropped.
  std::vector<remote_request*> close() {
    std::vector<remote_request*> pending;
    const std::lock_guard lock(mutex_);
    closed_ = true;
    nonempty_.store(false, std::memory_order_relaxed);
    batch_.tokens.clear();
    batch_.cancels.clear();
    pending.swap(batch_.requests);
    return pending;
  }

  /// Any thread: whether the reactor has closed the inbox (it shut down): every post is refused.
  [[nodiscard]] bool is_closed() {
    const std::lock_guard lock(mutex_);
    return closed_;
  }

  /// For an unparker's `park`: the inbox's mutex (a condition variable waits on it).
  [[nodiscard]] std::mutex& get_mutex() noexcept { return mutex_; }
  /// Under the mutex: whether the reactor's own reference is the only one left (nothing outside
  /// the reactor can wake it). With a lender (below), the reference the lender holds counts as
  /// the reactor's own while the lender's count is 1, i.e. while none of its handles is out.
  [[nodiscard]] bool is_last_reference() const noexcept {
    const std::size_t n = refs_.load(std::memory_order_acquire);
    if (n == 1) return true;
    return n == 2 && lender_refs_ != nullptr &&
           std::atomic_ref<std::size_t>(*lender_refs_).load(std::memory_order_acquire) == 1;
  }
  /// Reactor thread, once: a scheduler whose own wake handles are thread-safe
  /// (runtime/waking.hpp, `atomic_waking`) lets its anchor hold one reference to the inbox, for
  /// wakes from other threads; `*anchor_refs` is the anchor's count (changed through
  /// `std::atomic_ref`), 1 while no handle of the reactor is out.
  void set_lender(std::size_t* anchor_refs) noexcept { lender_refs_ = anchor_refs; }
  /// Any thread: the lender's count fell to 1 (its last handle went): a parked reactor
  /// re-checks whether anything can still wake it.
  void on_lent_handles_gone() noexcept {
    const std::lock_guard lock(mutex_);
    unpark();
  }
  [[nodiscard]] std::size_t get_reference_count() const noexcept {
    return refs_.load(std::memory_order_relaxed);
  }

 protected:
  virtual ~remote_inbox() = default;

 private:
  /// Wakes the reactor's thread if it is parked (or makes its next park return at once).
  virtual void unpark() noexcept = 0;

  std::atomic<std::size_t> refs_{1};
  std::size_t* lender_refs_ = nullptr;  // set_lender
  std::atomic<bool> nonempty_{false};
  std::mutex mutex_;
  remote_batch batch_;
  bool closed_ = false;
};

/// The inbox with its reactor's unparker in it. `Unparker` models `unparker`.
template <class Unparker>
class basic_remote_inbox final : public remote_inbox {
 public:
  [[nodiscard]] Unparker& get_unparker() noexcept { return unparker_; }

 private:
  void unpark() noexcept override { unparker_.unpark(); }
  Unparker unparker_;
};

}  // namespace gentask::runtime
