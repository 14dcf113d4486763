#pragma once
/// @file
/// `local_reactor`: the simplest single-threaded reactor. `block_on(f)` polls a root future
/// in place until it completes, running detached tasks (`spawn_detached`) in between;
/// `run_until_idle()` runs detached tasks until none is ready.
///
/// Its task type models `task` and `remote_waking_task`:
///   - `get_waker()` gives a handle whose wake pushes the task onto the ready queue (at most once:
///     a `queued` flag coalesces wakes) without atomics or allocation;
///   - `get_remote_waker()` gives a thread-safe handle whose wake appends the task's token to the
///     reactor's inbox under a mutex and signals a condition variable; the reactor thread moves
///     inbox tokens onto the ready queue, checking generations there.
///
/// Task storage is one heap allocation per spawned task (a slot table with generations); the
/// typed task groups of `typed_groups/` replace it. A slot's generation advances when its task
/// completes, so a stale handle (a later wake of a finished task) does nothing; handles hold a
/// small refcounted anchor, so waking after the reactor is gone does nothing either.
///
/// Wake during poll: the `queued` flag is cleared before a task is polled, so a wake from
/// inside its own poll queues it again and it is polled once more after this poll returns.
///
/// `block_on` throws `stalled` when the root future is pending, no task is ready, and no
/// `remote_waker` of this reactor exists anywhere: nothing could ever wake it. If remote
/// handles exist, it sleeps until one is woken or the last one is dropped.
///
/// An exception that escapes a detached task's poll destroys that task and leaves
/// `block_on` / `run_until_idle`; the reactor stays usable. (Join handles, which carry it to
/// the spawner instead, come with the typed task groups.)
///
/// @par Thread Safety
/// Distinct objects: safe. Shared objects: unsafe, except through `remote_waker`s, which may be
/// copied, dropped and woken on any thread, also after the reactor is destroyed. Every member
/// function must be called on the thread that constructed the reactor (checked: `block_on` and
/// `spawn_detached` throw `std::logic_error` elsewhere).

#include <gentask/diagnostics.hpp>
#include <gentask/future.hpp>
#include <gentask/pollable.hpp>
#include <gentask/poll_result.hpp>
#include <gentask/task.hpp>
#include <gentask/waker.hpp>
#include <gentask/detail/ring_queue.hpp>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace gentask {

/// Thrown by `block_on` when its future can never be woken (see local_reactor).
class stalled : public std::runtime_error {
 public:
  stalled()
      : std::runtime_error(
            "local_reactor::block_on: the future is pending, no task is ready and no "
            "remote_waker exists; nothing can wake it") {}
};

class local_reactor {
  struct anchor;
  struct remote_inbox;

 public:
  class task_type;

  local_reactor();
  local_reactor(const local_reactor&) = delete;
  local_reactor& operator=(const local_reactor&) = delete;
  /// Destroys every remaining task (on this thread), then orphans outstanding wake handles.
  ~local_reactor();

  /// Polls `f` until it completes and returns its result (ready or failed, never pending).
  /// Detached tasks run between polls of `f`. Not reentrant: calling it from inside a poll on
  /// the same reactor throws `std::logic_error`.
  template <future F>
  poll_result_t<F> block_on(F f);

  /// Runs `f` as a task of its own until it completes; its result is dropped. On a reactor
  /// being destroyed, `f` is dropped at once instead.
  template <future F>
  void spawn_detached(F f);

  /// Runs ready detached tasks (and remote wakes) until none is ready; never blocks. Returns
  /// the number of polls made.
  std::size_t run_until_idle();

  /// Live detached tasks.
  [[nodiscard]] std::size_t get_task_count() const noexcept { return live_; }
  /// Polls made so far, of root futures and tasks alike.
  [[nodiscard]] std::uint64_t get_poll_count() const noexcept { return polls_; }

 private:
  static constexpr std::uint32_t root_index = 0xFFFFFFFFU;

  struct erased_task {
    erased_task() = default;
    erased_task(const erased_task&) = delete;
    erased_task& operator=(const erased_task&) = delete;
    virtual ~erased_task() = default;
    /// Polls; true when the task has completed.
    virtual bool poll(task_type& task) = 0;
  };
  template <class F>
  struct task_model final : erased_task {
    explicit task_model(F f) : future(std::move(f)) {}
    bool poll(task_type& task) override;
    F future;
  };

  struct slot {
    std::uint32_t generation = 0;
    bool queued = false;
    std::unique_ptr<erased_task> task;
  };

  static constexpr std::uint64_t make_token(std::uint32_t index, std::uint32_t generation) {
    return (static_cast<std::uint64_t>(generation) << 32U) | index;
  }

  void check_thread(const char* what) const;
  void on_wake(std::uint64_t token) noexcept;
  void wake_everything() noexcept;
  std::size_t run_batch();
  void finish(std::uint32_t index) noexcept;
  bool drain_remote();
  void wait_for_remote();

  static const waker_vtable local_vtable;
  static const waker_vtable remote_vtable;

  std::vector<slot> slots_;
  std::vector<std::uint32_t> free_;
  detail::ring_queue<std::uint64_t> ready_;
  std::vector<std::uint64_t> remote_scratch_;
  anchor* anchor_;
  remote_inbox* inbox_;
  std::thread::id owner_;
  std::size_t live_ = 0;
  std::uint64_t polls_ = 0;
  std::uint32_t root_generation_ = 0;
  bool root_woken_ = false;
  bool in_block_on_ = false;
  bool closing_ = false;
};

/// The refcounted target of same-thread handles; outlives the reactor while handles exist.
struct local_reactor::anchor {
  std::size_t refs = 1;
  local_reactor* reactor = nullptr;
};

/// The refcounted target of thread-safe handles.
struct local_reactor::remote_inbox {
  std::atomic<std::size_t> refs{1};
  std::atomic<bool> nonempty{false};
  std::mutex mutex;
  std::condition_variable wakeup;
  std::vector<std::uint64_t> tokens;
  bool wake_all = false;
  bool closed = false;
};

/// The task type of `local_reactor`: a reactor pointer and the task's token.
class local_reactor::task_type {
 public:
  task_type(local_reactor* reactor, std::uint64_t token) noexcept
      : reactor_(reactor), token_(token) {}

  [[nodiscard]] waker get_waker() const noexcept {
    ++reactor_->anchor_->refs;
    return waker::from_raw(&local_vtable, reactor_->anchor_, token_);
  }
  [[nodiscard]] remote_waker get_remote_waker() const noexcept {
    reactor_->inbox_->refs.fetch_add(1, std::memory_order_relaxed);
    return remote_waker::from_raw(&remote_vtable, reactor_->inbox_, token_);
  }

 private:
  local_reactor* reactor_;
  std::uint64_t token_;
};

template <class F>
bool local_reactor::task_model<F>::poll(task_type& task) {
  return future.poll(task).is_complete();
}

inline const waker_vtable local_reactor::local_vtable = {
    [](void* data, std::uint64_t token) noexcept {
      auto* a = static_cast<anchor*>(data);
      if (a->reactor != nullptr) a->reactor->on_wake(token);
    },
    [](void* data) noexcept { ++static_cast<anchor*>(data)->refs; },
    [](void* data) noexcept {
      auto* a = static_cast<anchor*>(data);
      if (--a->refs == 0) delete a;
    },
};

inline const waker_vtable local_reactor::remote_vtable = {
    [](void* data, std::uint64_t token) noexcept {
      auto* in = static_cast<remote_inbox*>(data);
      const std::lock_guard lock(in->mutex);
      if (in->closed) return;
      try {
        in->tokens.push_back(token);
      } catch (...) {
        in->wake_all = true;  // out of memory: degrade to a spurious wake of every task
      }
      in->nonempty.store(true, std::memory_order_relaxed);
      in->wakeup.notify_one();
    },
    [](void* data) noexcept {
      static_cast<remote_inbox*>(data)->refs.fetch_add(1, std::memory_order_relaxed);
    },
    [](void* data) noexcept {
      auto* in = static_cast<remote_inbox*>(data);
      std::size_t refs = in->refs.load(std::memory_order_relaxed);
      for (;;) {
        if (refs == 2) {
          // Dropping the last handle besides the reactor's own: a block_on asleep may now be
          // stalled, so tell it, under the lock it checks the count under (it cannot free the
          // inbox before we release that lock).
          const std::lock_guard lock(in->mutex);
          if (in->refs.compare_exchange_strong(refs, 1, std::memory_order_acq_rel)) {
            in->wakeup.notify_one();
            return;
          }
          continue;
        }
        if (in->refs.compare_exchange_weak(refs, refs - 1, std::memory_order_acq_rel)) {
          if (refs == 1) delete in;
          return;
        }
      }
    },
};

inline local_reactor::local_reactor()
    : anchor_(new anchor), inbox_(new remote_inbox), owner_(std::this_thread::get_id()) {
  anchor_->reactor = this;
  ready_.reserve(16);
}

inline local_reactor::~local_reactor() {
  closing_ = true;
  // Destroy tasks on this thread; their destructors may wake (harmless) or spawn (dropped).
  for (auto& s : slots_) {
    auto dead = std::move(s.task);
    ++s.generation;
    dead.reset();
  }
  anchor_->reactor = nullptr;
  if (--anchor_->refs == 0) delete anchor_;
  {
    const std::lock_guard lock(inbox_->mutex);
    inbox_->closed = true;
    inbox_->tokens.clear();
  }
  remote_vtable.release(inbox_);
}

inline void local_reactor::check_thread(const char* what) const {
  if (std::this_thread::get_id() != owner_) throw std::logic_error(what);
}

inline void local_reactor::on_wake(std::uint64_t token) noexcept {
  const auto index = static_cast<std::uint32_t>(token);
  const auto generation = static_cast<std::uint32_t>(token >> 32U);
  if (index == root_index) {
    if (generation == root_generation_ && in_block_on_) root_woken_ = true;
    return;
  }
  if (index >= slots_.size()) return;
  slot& s = slots_[index];
  if (s.generation != generation || !s.task || s.queued) return;
  s.queued = true;
  ready_.push_back(token);  // room reserved at spawn: at most one live and one stale entry a slot
}

inline void local_reactor::wake_everything() noexcept {
  root_woken_ = in_block_on_;
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].task) on_wake(make_token(i, slots_[i].generation));
  }
}

inline void local_reactor::finish(std::uint32_t index) noexcept {
  slot& s = slots_[index];
  auto dead = std::move(s.task);
  ++s.generation;
  s.queued = false;
  free_.push_back(index);  // room reserved at spawn
  --live_;
  dead.reset();  // may wake or spawn: s is not used after this
}

inline std::size_t local_reactor::run_batch() {
  std::size_t budget = ready_.size();
  std::size_t polled = 0;
  while (budget-- > 0 && !ready_.empty()) {
    const std::uint64_t token = ready_.pop_front();
    const auto index = static_cast<std::uint32_t>(token);
    slot& s = slots_[index];
    if (s.generation != static_cast<std::uint32_t>(token >> 32U) || !s.task) continue;
    s.queued = false;  // cleared before the poll: a wake during the poll queues it again
    erased_task* running = s.task.get();
    task_type task(this, token);
    bool complete = false;
    ++polls_;
    ++polled;
    try {
      complete = running->poll(task);
    } catch (...) {
      finish(index);
      throw;
    }
    if (complete) finish(index);
  }
  return polled;
}

inline bool local_reactor::drain_remote() {
  if (!inbox_->nonempty.load(std::memory_order_relaxed)) return false;
  bool all = false;
  {
    const std::lock_guard lock(inbox_->mutex);
    remote_scratch_.swap(inbox_->tokens);
    all = std::exchange(inbox_->wake_all, false);
    inbox_->nonempty.store(false, std::memory_order_relaxed);
  }
  for (const std::uint64_t token : remote_scratch_) on_wake(token);
  remote_scratch_.clear();
  if (all) wake_everything();
  return true;
}

inline void local_reactor::wait_for_remote() {
  std::unique_lock lock(inbox_->mutex);
  inbox_->wakeup.wait(lock, [this] {
    return inbox_->nonempty.load(std::memory_order_relaxed) ||
           inbox_->refs.load(std::memory_order_acquire) == 1;
  });
  if (!inbox_->nonempty.load(std::memory_order_relaxed)) throw stalled();
}

inline std::size_t local_reactor::run_until_idle() {
  check_thread("local_reactor::run_until_idle: called off the reactor's thread");
  std::size_t polled = 0;
  for (;;) {
    drain_remote();
    if (ready_.empty()) return polled;
    polled += run_batch();
  }
}

template <future F>
poll_result_t<F> local_reactor::block_on(F f) {
  if constexpr (!pollable<F, task_type>) {
    (void)require_pollable<F, task_type>();  // names the missing capability
    return {};
  } else {
    check_thread("local_reactor::block_on: called off the reactor's thread");
    if (in_block_on_) throw std::logic_error("local_reactor::block_on: not reentrant");
    struct session {
      local_reactor& r;
      explicit session(local_reactor& reactor) : r(reactor) {
        r.in_block_on_ = true;
        ++r.root_generation_;
        r.root_woken_ = true;
      }
      session(const session&) = delete;
      session& operator=(const session&) = delete;
      ~session() {
        r.in_block_on_ = false;
        r.root_woken_ = false;
        ++r.root_generation_;  // later wakes of this root's handles do nothing
      }
    } guard(*this);
    task_type task(this, make_token(root_index, root_generation_));
    for (;;) {
      if (root_woken_) {
        root_woken_ = false;
        ++polls_;
        auto result = f.poll(task);
        if (result.is_complete()) return result;
      }
      if (!ready_.empty()) run_batch();
      if (root_woken_ || !ready_.empty()) continue;
      if (drain_remote()) continue;
      wait_for_remote();
    }
  }
}

template <future F>
void local_reactor::spawn_detached(F f) {
  if constexpr (!pollable<F, task_type>) {
    (void)require_pollable<F, task_type>();  // names the missing capability
  } else {
    check_thread("local_reactor::spawn_detached: called off the reactor's thread");
    if (closing_) return;  // `f` is dropped here, on the reactor's thread
    auto model = std::make_unique<task_model<F>>(std::move(f));
    const std::size_t slot_count = slots_.size() + (free_.empty() ? 1 : 0);
    ready_.reserve(2 * slot_count + 1);
    free_.reserve(slot_count);
    std::uint32_t index = 0;
    if (free_.empty()) {
      slots_.emplace_back();
      index = static_cast<std::uint32_t>(slots_.size() - 1);
    } else {
      index = free_.back();
      free_.pop_back();
    }
    slot& s = slots_[index];
    s.task = std::move(model);
    s.queued = true;
    ++live_;
    ready_.push_back(make_token(index, s.generation));
  }
}

/// Runs `f` to completion on a fresh `local_reactor` and returns its result.
template <future F>
poll_result_t<F> block_on(F f) {
  local_reactor reactor;
  return reactor.block_on(std::move(f));
}

}  // namespace gentask
