#pragma once
/// @file
/// `runtime::scheduler<Task, StoragePolicy, Unparker>`: the machinery every reactor shares. A
/// reactor derives from it publicly, adds how it waits (its unparker, its `block_on` loop, its
/// drivers) and nothing else. It owns:
///
/// - **storage** (`StoragePolicy::store<Task>`, a `task_store`): the open map, the closed map,
///   or a boxed baseline; spawning a type already seen allocates nothing with the maps;
/// - the **intrusive ready list** (task tokens linked through the cells' headers, FIFO) and
///   `run_batch`, which polls each task that was ready when it began, once;
/// - **joiners**: who to wake when a task completes, a local token or an index into a table
///   of foreign wakers; the **join operations** behind `join_handle` (result, cancel, detach);
/// - the **remote inbox** (`basic_remote_inbox<Unparker>`) and its drain: remote wakes, remote
///   spawns (`get_remote_handle`) and cancels from remote join handles;
/// - **lifecycle**: spawns are refused after `shutdown()` begins; shutdown destroys every task's
///   future or unclaimed result once, on this thread, discards queued remote spawns and wakes
///   foreign joiners so that they see `canceled`;
/// - the **root session** behind `block_on` (root_session.hpp), the **cooperative budget**
///   and the counters.
///
/// What a task gets is `task_base<scheduler>` (task_base.hpp); `Task` derives from it and is
/// constructible from `(scheduler&, task_id)`.
///
/// Wake during poll: `queued` is cleared before a task is polled, so a wake from inside its own
/// poll queues it again. A stale handle (its task ended, its slot reused) does nothing: ids carry
/// generations. Handles hold a refcounted anchor, so waking or joining after the reactor is gone
/// does nothing (a join yields `canceled`). An exception escaping a task's poll becomes its
/// result (`join_error` holding the exception); a detached task's is counted
/// (`get_unobserved_exception_count`) and dropped.
///
/// **Re-entry is refused.** While a task (or `block_on`'s root) is being polled, every entry
/// point that runs tasks (`block_on`, `run_until_idle`, `run_batch`) and `shutdown` throw
/// `std::logic_error` ("<name>::<call>: called from inside a task's poll"): running tasks inside
/// a poll would poll the running task again or destroy its future under it. Destroying the
/// reactor from inside one of its polls aborts with a message (a destructor cannot throw).
///
/// @par Thread Safety
/// Every member belongs to the thread that constructed the scheduler (`spawn` and the reactor's
/// entry points check it and throw `std::logic_error` elsewhere); remote wakers, remote handles
/// and remote join handles may be used on any thread, also after the scheduler is destroyed.

#include <gentask/core/diagnostics.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/thread_check.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/runtime/remote_handle.hpp>
#include <gentask/runtime/remote_inbox.hpp>
#include <gentask/runtime/task_store.hpp>
#include <gentask/runtime/unparker.hpp>
#include <gentask/runtime/waking.hpp>
#include <gentask/spawn/join_handle.hpp>
#include <gentask/spawn/remote_join_handle.hpp>
#include <gentask/storage/task_cell.hpp>
#include <gentask/storage/task_id.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace gentask::runtime {

template <class Scheduler>
class root_session;

template <class Task, class StoragePolicy, unparker Unparker, waking_policy Waking = local_waking>
class scheduler {
 public:
  using task_type = Task;
  using waking_type = Waking;
  using storage_policy_type = StoragePolicy;
  using storage_type = typename StoragePolicy::template store<Task>;
  using unparker_type = Unparker;
  using inbox_type = basic_remote_inbox<Unparker>;
  using remote_handle = runtime::remote_handle<scheduler>;

  /// `name` prefixes diagnostics ("local::reactor"); it must outlive the scheduler.
  explicit scheduler(const char* name);
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;
  /// Shuts down (if the reactor has not) and gives up the anchor and the inbox.
  ~scheduler();

  /// Spawns `f` as a task of its own; see join_handle.hpp for what the handle does. After
  /// shutdown began, `f` is destroyed at once and the handle is already canceled.
  template <future F>
  [[nodiscard]] join_handle<item_type_t<F>, error_type_t<F>> spawn(F f);

  /// `spawn(f).detach()`.
  template <future F>
  void spawn_detached(F f) {
    spawn(std::move(f)).detach();
  }

  /// A thread-safe handle for spawning onto this reactor from any thread.
  [[nodiscard]] remote_handle get_remote_handle() noexcept { return remote_handle(inbox_); }

  [[nodiscard]] std::size_t get_task_count() const noexcept { return storage_.get_live_count(); }
  [[nodiscard]] std::uint64_t get_poll_count() const noexcept { return polls_; }
  [[nodiscard]] std::uint64_t get_unobserved_exception_count() const noexcept {
    return unobserved_exceptions_;
  }
  [[nodiscard]] storage_type& get_storage() noexcept { return storage_; }
  [[nodiscard]] const char* get_name() const noexcept { return name_; }

  /// Turns the cooperative budget on (`n` units per task tick) or off (`std::nullopt`). Called
  /// from inside a poll, the current tick gets the full `n` too. A budget of 0 would refuse
  /// every leaf forever (a livelock), so it throws `std::invalid_argument`.
  void set_coop_budget(std::optional<unsigned> n);
  [[nodiscard]] std::optional<unsigned> get_coop_budget() const noexcept { return budget_; }

  // -- What a reactor builds on (its thread only) -------------------------------------------

  /// Throws `std::logic_error` ("<name>::<call>: called off the reactor's thread") off the
  /// thread that constructed the scheduler.
  void check_thread(const char* call) const {
    if (std::this_thread::get_id() != owner_) [[unlikely]]
      throw_off_thread(call);
  }
  /// What every entry point that runs tasks checks first: the thread, and that no task of this
  /// scheduler is being polled (`std::logic_error` otherwise).
  void check_entry(const char* call) const {
    check_thread(call);
    if (polling_) [[unlikely]]
      throw_reentered(call);
  }
  /// What a reactor's destructor calls first: aborts with a message off the reactor's thread
  /// (its futures would be destroyed there) or inside one of its own polls (the running task
  /// would be destroyed under it). Always checked; a destructor cannot throw.
  void check_destroyable() const noexcept {
    if (std::this_thread::get_id() != owner_) [[unlikely]] {
      detail::abort_off_thread(name_, "destroy a reactor on the thread that constructed it");
    }
    if (polling_) [[unlikely]]
      abort_destroyed_in_poll();
  }
  /// Whether a task (or the root) of this scheduler is being polled, or a callback of the
  /// reactor's runs (`run_callback`).
  [[nodiscard]] bool is_polling() const noexcept { return polling_; }
  /// Runs `fn()` on the reactor's thread as the reactor's own callback (a function another
  /// thread posted): like a poll, it may spawn and wake, and meanwhile every entry point that
  /// runs tasks refuses re-entry (`std::logic_error`) and destroying the reactor aborts. Nests:
  /// a callback run inside a poll or another callback leaves the mark as it found it.
  template <class Fn>
  decltype(auto) run_callback(Fn&& fn) {
    struct restore {
      bool& flag;
      bool was;
      ~restore() { flag = was; }
    } scope{polling_, std::exchange(polling_, true)};
    return std::forward<Fn>(fn)();
  }
  /// Counts an exception that nobody will observe (a posted callback's, caught by its reactor).
  void count_unobserved_exception() noexcept { ++unobserved_exceptions_; }
  /// Whether a task is linked in the ready list.
  [[nodiscard]] bool has_ready() const noexcept { return head_ != no_link; }
  /// Polls every task that was ready when it began, once each (a task woken meanwhile waits
  /// for the next batch); returns the number of polls. Refused inside a poll.
  std::size_t run_batch();
  /// Takes what other threads posted (wakes, spawns, cancels) and acts on it; false if nothing
  /// was posted. A remote spawn that fails (its future's move throws, or no memory) fails only
  /// that task: its remote join handle sees the exception.
  [[gnu::noinline]] bool drain_remote();
  /// The reactor is about to park (nothing to run): storage gives back memory a burst left
  /// behind (the maps' `trim`; nothing for the boxed stores, which free per task).
  void on_idle() noexcept {
    if constexpr (requires { storage_.trim(); }) storage_.trim();
  }
  /// The inbox, for the reactor's `park` (`get_inbox().get_unparker().park(...)`).
  [[nodiscard]] inbox_type& get_inbox() noexcept { return *inbox_; }
  /// Whether shutdown has begun.
  [[nodiscard]] bool is_closing() const noexcept { return closing_; }
  /// Refuses later spawns, destroys every task (futures and unclaimed results, once, on this
  /// thread), discards queued remote spawns and wakes foreign joiners. Idempotent. A reactor
  /// calls it first in its destructor when its own members (a timer queue, an I/O driver) must
  /// outlive the tasks that use them. Refused inside a poll (`std::logic_error`): it would
  /// destroy the running task's future under it.
  void shutdown();

  // -- What task_base uses ---------------------------------------------------------------------

  [[nodiscard]] waker make_waker(task_id id) noexcept {
    anchor_->retain();
    return waker::from_raw(own_vtable(), anchor_, id.get_token());
  }
  [[nodiscard]] remote_waker make_remote_waker(task_id id) noexcept {
    inbox_->retain();
    return remote_waker::from_raw(&remote_vtable, inbox_, id.get_token());
  }
  /// One unit of the cooperative budget; always true when the budget is off.
  [[nodiscard]] bool consume_budget() noexcept {
    if (!budget_) return true;
    if (budget_left_ == 0) return false;
    --budget_left_;
    return true;
  }

 private:
  friend class root_session<scheduler>;

  [[noreturn, gnu::cold, gnu::noinline]] void throw_off_thread(const char* call) const {
    throw std::logic_error(std::string(name_) + "::" + call + ": called off the reactor's thread");
  }
  [[noreturn, gnu::cold, gnu::noinline]] void throw_reentered(const char* call) const {
    throw std::logic_error(std::string(name_) + "::" + call +
                           ": called from inside a task's poll (the reactor is not reentrant: "
                           "return pending and let the reactor run what is ready)");
  }
  [[noreturn, gnu::cold, gnu::noinline]] void abort_destroyed_in_poll() const noexcept {
    std::fprintf(
        stderr, "gentask: %s destroyed from inside one of its own tasks' polls; aborting\n", name_);
    std::abort();
  }

  // Marks a poll of this scheduler's task or root, for the re-entry checks.
  class poll_scope {
   public:
    explicit poll_scope(bool& flag) noexcept : flag_(flag) { flag_ = true; }
    poll_scope(const poll_scope&) = delete;
    poll_scope& operator=(const poll_scope&) = delete;
    ~poll_scope() { flag_ = false; }

   private:
    bool& flag_;
  };

  // The vtable of this scheduler's own wakers (waking.hpp).
  static constexpr const waker_vtable* own_vtable() noexcept {
    if constexpr (Waking::thread_safe) {
      return &shared_vtable;
    } else {
      return &local_vtable;
    }
  }
  // A task's state word: plain with local_waking; with atomic_waking every change is an atomic
  // read-modify-write (tokio's State transitions), though only this thread makes them.
  static void state_or(task_header* h, std::uint32_t bits) noexcept {
    if constexpr (Waking::thread_safe) {
      std::atomic_ref<std::uint32_t>(h->state).fetch_or(bits, std::memory_order_acq_rel);
    } else {
      h->state |= bits;
    }
  }
  static void state_and(task_header* h, std::uint32_t bits) noexcept {
    if constexpr (Waking::thread_safe) {
      std::atomic_ref<std::uint32_t>(h->state).fetch_and(bits, std::memory_order_acq_rel);
    } else {
      h->state &= bits;
    }
  }
  static void state_xor(task_header* h, std::uint32_t bits) noexcept {
    if constexpr (Waking::thread_safe) {
      std::atomic_ref<std::uint32_t>(h->state).fetch_xor(bits, std::memory_order_acq_rel);
    } else {
      h->state ^= bits;
    }
  }
  // Pending (1) to complete (2), or complete to empty (3), as one xor or or.
  static constexpr std::uint32_t pending_to_complete =
      static_cast<std::uint32_t>(task_phase::pending) ^ static_cast<std::uint32_t>(task_phase::complete);
  static constexpr std::uint32_t to_empty = static_cast<std::uint32_t>(task_phase::empty);

  // A new task tick: counted, and the budget refilled.
  void begin_tick() noexcept {
    ++polls_;
    if (budget_) budget_left_ = *budget_;
  }

  // Ready list and wakes.
  void on_wake(std::uint64_t token) noexcept;
  void enqueue(task_id id, task_header* h) noexcept;
  void run_task(task_id id, task_header* h);
  void after_poll(task_id id, task_header* h, bool completed) noexcept;
  void maybe_free(task_id id, task_header* h) noexcept;
  void destroy_payload(task_id id, task_header* h) noexcept;
  void cancel_task(task_id id) noexcept;

  // Joiners: a local token (this scheduler's own waker) or an index into foreign_joiners_.
  static constexpr std::uint64_t joiner_local_bit = std::uint64_t{1} << 63U;
  void set_joiner(task_header* h, const waker& w);
  [[gnu::noinline]] void clear_joiner(task_header* h) noexcept;
  [[gnu::noinline]] void wake_joiner(task_header* h) noexcept;

  // join_ops for join handles.
  static join_status join_poll(void* s, task_id id, void* out, void (*take)(void* from, void* to),
                               waker (*make_waker)(void* task), void* task);
  static void join_cancel(void* s, task_id id) noexcept;
  static void join_detach(void* s, task_id id) noexcept;
  static void join_release(void* s, task_id id, task_header* h) noexcept;
  static const join_ops join_table;
  static const waker_vtable local_vtable;
  static void check_waker_thread(const reactor_anchor& a) noexcept {
    detail::check_owner_thread(a.owner, "a same-thread waker (task.get_waker())",
                               "wake, copy and drop it on its reactor's thread; across threads "
                               "use task.get_remote_waker()");
  }
  static const waker_vtable remote_vtable;
  static const waker_vtable shared_vtable;  // atomic_waking's own wakers

  const char* name_;
  storage_type storage_;
  std::optional<unsigned> budget_;
  unsigned budget_left_ = 0;
  std::uint64_t head_ = no_link;
  task_header* tail_header_ = nullptr;
  std::size_t ready_count_ = 0;
  std::vector<waker> foreign_joiners_;
  std::vector<std::uint32_t> foreign_free_;
  remote_batch remote_;
  reactor_anchor* anchor_;
  inbox_type* inbox_;
  std::thread::id owner_;
  std::uint64_t polls_ = 0;
  std::uint64_t unobserved_exceptions_ = 0;
  // The root session (root_session.hpp).
  std::uint32_t root_generation_ = 0;
  bool root_woken_ = false;
  bool in_root_ = false;
  bool polling_ = false;
  bool closing_ = false;
  bool shut_down_ = false;
};

// ---------------------------------------------------------------------------------------------
// Wake handle vtables and join operations.

template <class T, class P, unparker U, waking_policy W>
inline const waker_vtable scheduler<T, P, U, W>::local_vtable = {
    [](void* data, std::uint64_t token) noexcept {
      auto* a = static_cast<reactor_anchor*>(data);
      check_waker_thread(*a);
      if (a->reactor != nullptr) static_cast<scheduler*>(a->reactor)->on_wake(token);
    },
    [](void* data) noexcept {
      auto* a = static_cast<reactor_anchor*>(data);
      check_waker_thread(*a);
      a->retain();
    },
    [](void* data) noexcept {
      auto* a = static_cast<reactor_anchor*>(data);
      check_waker_thread(*a);
      a->release();
    },
};

template <class T, class P, unparker U, waking_policy W>
inline const waker_vtable scheduler<T, P, U, W>::remote_vtable = {
    [](void* data, std::uint64_t token) noexcept {
      static_cast<remote_inbox*>(data)->post_wake(token);
    },
    [](void* data) noexcept { static_cast<remote_inbox*>(data)->retain(); },
    [](void* data) noexcept { static_cast<remote_inbox*>(data)->release(); },
};

template <class T, class P, unparker U, waking_policy W>
inline const waker_vtable scheduler<T, P, U, W>::shared_vtable = {
    [](void* data, std::uint64_t token) noexcept {
      auto* a = static_cast<reactor_anchor*>(data);
      if (std::this_thread::get_id() == a->owner) {
        if (a->reactor != nullptr) static_cast<scheduler*>(a->reactor)->on_wake(token);
      } else {
        static_cast<remote_inbox*>(a->inbox)->post_wake(token);  // kept alive by the anchor
      }
    },
    [](void* data) noexcept { static_cast<reactor_anchor*>(data)->retain(); },
    [](void* data) noexcept { static_cast<reactor_anchor*>(data)->release(); },
};

template <class T, class P, unparker U, waking_policy W>
inline const join_ops scheduler<T, P, U, W>::join_table = {
    &scheduler::join_poll, &scheduler::join_cancel, &scheduler::join_detach,
    &scheduler::join_release};

// ---------------------------------------------------------------------------------------------

template <class T, class P, unparker U, waking_policy W>
scheduler<T, P, U, W>::scheduler(const char* name)
    : name_(name),
      anchor_(new reactor_anchor),
      inbox_(new inbox_type),
      owner_(std::this_thread::get_id()) {
  static_assert(task_store<storage_type, T>, "the storage policy's store is not a task_store");
  anchor_->reactor = this;
  anchor_->join = &join_table;
  if constexpr (W::thread_safe) {
    anchor_->shared = true;
    inbox_->retain();  // for wakes from other threads, as long as the anchor lives
    anchor_->inbox = static_cast<remote_inbox*>(inbox_);
    anchor_->release_inbox = [](void* inbox) noexcept {
      static_cast<remote_inbox*>(inbox)->release();
    };
    // Stall detection: the anchor's reference counts as the reactor's own while none of its
    // handles is out.
    inbox_->set_lender(&anchor_->refs);
    anchor_->on_handles_gone = [](void* inbox) noexcept {
      static_cast<remote_inbox*>(inbox)->on_lent_handles_gone();
    };
  }
}

template <class T, class P, unparker U, waking_policy W>
scheduler<T, P, U, W>::~scheduler() {
  check_destroyable();
  shutdown();
  anchor_->reactor = nullptr;
  anchor_->release();
  inbox_->release();
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::shutdown() {
  if (shut_down_) return;
  check_entry("shutdown");
  shut_down_ = true;
  closing_ = true;
  anchor_->cells_readable = false;  // cells are freed from here on: handles ask the reactor
  storage_.disable_release();
  head_ = no_link;
  tail_header_ = nullptr;
  ready_count_ = 0;
  // Remote spawns that never reached a group: their futures are destroyed here.
  for (auto* r : inbox_->close()) r->discard();
  for (auto* r : remote_.requests) r->discard();
  remote_.requests.clear();
  // Every remaining future and unclaimed result, once, on this thread. Their destructors may
  // wake (ignored: closing), spawn (refused) or drop other tasks' handles (canceling them now).
  storage_.for_each_used([this](task_id id, task_header& h) {
    state_and(&h, ~flag_queued);
    h.joiner = 0;  // a foreign joiner is kept in foreign_joiners_ and woken below
    destroy_payload(id, &h);
  });
  // Joiners on other reactors: wake them once this one is gone, so that they poll their
  // handles and see `canceled` instead of waiting forever. (Joiners on this one are gone.)
  std::vector<waker> joiners = std::move(foreign_joiners_);
  anchor_->reactor = nullptr;
  for (const waker& w : joiners) w.wake();
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::set_coop_budget(std::optional<unsigned> n) {
  if (n && *n == 0) {
    throw std::invalid_argument(std::string(name_) +
                                "::set_coop_budget: 0 units would livelock; use std::nullopt to "
                                "turn the budget off");
  }
  budget_ = n;
  budget_left_ = n.value_or(0);
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::on_wake(std::uint64_t token) noexcept {
  if (closing_) return;
  const task_id id = task_id::from_token(token);
  if (id.get_group() == task_id::root_group) {
    if (id.get_generation() == (root_generation_ & task_id::generation_mask) && in_root_) {
      root_woken_ = true;
    }
    return;
  }
  task_header* h = storage_.find(id);
  if (h == nullptr || h->get_phase() != task_phase::pending || h->has(flag_queued)) return;
  enqueue(id, h);
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::enqueue(task_id id, task_header* h) noexcept {
  state_or(h, flag_queued);
  h->next = no_link;
  if (tail_header_ != nullptr) {
    tail_header_->next = id.get_token();
  } else {
    head_ = id.get_token();
  }
  tail_header_ = h;
  ++ready_count_;
}

template <class T, class P, unparker U, waking_policy W>
std::size_t scheduler<T, P, U, W>::run_batch() {
  if (polling_) [[unlikely]]
    throw_reentered("run_batch");
  std::size_t budget = ready_count_;
  std::size_t polled = 0;
  while (budget-- > 0 && head_ != no_link) {
    const task_id id = task_id::from_token(head_);
    auto* h = static_cast<task_header*>(storage_.cell(id));
    head_ = h->next;
    if (head_ == no_link) tail_header_ = nullptr;
    --ready_count_;
    if (h->get_phase() == task_phase::pending) {
      state_xor(h, flag_queued | flag_running);  // queued (set) to running (clear), at once
      run_task(id, h);
      ++polled;
    } else {
      state_and(h, ~flag_queued);
      maybe_free(id, h);  // canceled while queued
    }
  }
  return polled;
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::run_task(task_id id, task_header* h) {
  T task(*this, id);  // `h` is marked running
  begin_tick();
  bool completed = false;
  {
    poll_scope scope(polling_);
    completed = storage_.poll(id, h, task);  // exceptions become the task's result
  }
  after_poll(id, h, completed);
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::after_poll(task_id id, task_header* h, bool completed) noexcept {
  if (completed) {
    state_xor(h, flag_running | pending_to_complete);
  } else {
    state_and(h, ~flag_running);
  }
  if (h->has(flag_cancel)) {  // the handle was dropped during this poll
    state_and(h, ~flag_cancel);
    destroy_payload(id, h);  // frees the cell when it can: `h` is not used after this
    return;
  }
  if (completed) {
    if (h->has(flag_detached)) {
      if (storage_.ops(id).is_exception(h)) ++unobserved_exceptions_;
      destroy_payload(id, h);  // as above
      return;
    }
    if (h->joiner != 0) wake_joiner(h);  // the task stays, complete, until its handle takes it
  }
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::destroy_payload(task_id id, task_header* h) noexcept {
  const auto phase = h->get_phase();
  state_or(h, to_empty);
  if (phase == task_phase::pending) storage_.ops(id).destroy_future(h);  // the cell is h
  if (phase == task_phase::complete) storage_.ops(id).destroy_result(h);
  maybe_free(id, h);
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::maybe_free(task_id id, task_header* h) noexcept {
  if (h->get_phase() == task_phase::empty && !h->has(flag_queued | flag_running)) {
    if (h->joiner != 0) clear_joiner(h);
    storage_.free(id, h);
  }
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::cancel_task(task_id id) noexcept {
  task_header* h = storage_.find(id);
  if (h == nullptr || h->get_phase() == task_phase::empty) return;
  clear_joiner(h);
  if (h->has(flag_running)) {
    state_or(h, flag_cancel);  // destroyed as soon as its own poll returns
    return;
  }
  destroy_payload(id, h);
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::set_joiner(task_header* h, const waker& w) {
  if (w.get_vtable() == own_vtable() && w.get_data() == anchor_) {
    clear_joiner(h);
    h->joiner = joiner_local_bit | w.get_token();
    return;
  }
  if (h->joiner != 0 && (h->joiner & joiner_local_bit) == 0) {
    waker& stored = foreign_joiners_[h->joiner - 1];
    if (!stored.will_wake(w)) stored = w;
    return;
  }
  std::uint32_t index = 0;
  if (!foreign_free_.empty()) {
    index = foreign_free_.back();
    foreign_free_.pop_back();
    foreign_joiners_[index] = w;
  } else {
    if (foreign_free_.capacity() <
        foreign_joiners_.size() + 1) {  // so clear_joiner never allocates
      foreign_free_.reserve(std::max<std::size_t>(16, 2 * foreign_free_.capacity()));
    }
    index = static_cast<std::uint32_t>(foreign_joiners_.size());
    foreign_joiners_.push_back(w);
  }
  h->joiner = std::uint64_t{index} + 1;
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::clear_joiner(task_header* h) noexcept {
  if (h->joiner != 0 && (h->joiner & joiner_local_bit) == 0 && !foreign_joiners_.empty()) {
    const auto index = static_cast<std::uint32_t>(h->joiner - 1);
    foreign_joiners_[index] = waker();
    foreign_free_.push_back(index);
  }
  h->joiner = 0;
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::wake_joiner(task_header* h) noexcept {
  const std::uint64_t j = std::exchange(h->joiner, 0);
  if (j == 0) return;
  if ((j & joiner_local_bit) != 0) {
    on_wake(j & ~joiner_local_bit);
    return;
  }
  const auto index = static_cast<std::uint32_t>(j - 1);
  waker w = std::move(foreign_joiners_[index]);
  foreign_free_.push_back(index);
  w.wake();
}

template <class T, class P, unparker U, waking_policy W>
join_status scheduler<T, P, U, W>::join_poll(void* s, task_id id, void* out,
                                          void (*take)(void* from, void* to),
                                          waker (*make_waker)(void* task), void* task) {
  auto& self = *static_cast<scheduler*>(s);
  task_header* h = self.storage_.find(id);
  if (h == nullptr) return join_status::canceled;
  switch (h->get_phase()) {
    case task_phase::complete:
      take(reinterpret_cast<unsigned char*>(h) + self.storage_.ops(id).payload_offset, out);
      state_or(h, to_empty);  // the result was moved out and destroyed
      self.maybe_free(id, h);
      return join_status::ready;
    case task_phase::pending:
      self.set_joiner(h, make_waker(task));
      return join_status::pending;
    default:
      return join_status::canceled;
  }
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::join_cancel(void* s, task_id id) noexcept {
  static_cast<scheduler*>(s)->cancel_task(id);
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::join_release(void* s, task_id id, task_header* h) noexcept {
  // The phase is empty (the handle took the result) and the joiner was cleared when the task
  // completed: free the cell unless the ready list or a poll still holds it.
  if (!h->has(flag_queued | flag_running)) [[likely]] {
    static_cast<scheduler*>(s)->storage_.free(id, h);
  }
}

template <class T, class P, unparker U, waking_policy W>
void scheduler<T, P, U, W>::join_detach(void* s, task_id id) noexcept {
  auto& self = *static_cast<scheduler*>(s);
  task_header* h = self.storage_.find(id);
  if (h == nullptr) return;
  self.clear_joiner(h);
  if (h->get_phase() == task_phase::complete && !h->has(flag_running)) {
    if (self.storage_.ops(id).is_exception(h)) ++self.unobserved_exceptions_;
    self.destroy_payload(id, h);
    return;
  }
  state_or(h, flag_detached);
}

template <class T, class P, unparker U, waking_policy W>
bool scheduler<T, P, U, W>::drain_remote() {
  if (!inbox_->take(remote_)) return false;
  for (const std::uint64_t token : remote_.tokens) on_wake(token);
  remote_.tokens.clear();
  for (const task_id id : remote_.cancels) cancel_task(id);
  remote_.cancels.clear();
  // `execute` does not throw: a spawn that fails (a throwing move, no memory) fails its own
  // task, whose remote join handle sees the exception; the rest of the batch runs.
  for (remote_request* r : remote_.requests) r->execute(this);
  remote_.requests.clear();
  if (std::exchange(remote_.wake_all, false)) {
    root_woken_ = in_root_;
    storage_.for_each_used([this](task_id id, task_header& h) {
      if (h.get_phase() == task_phase::pending && !h.has(flag_queued)) enqueue(id, &h);
    });
  }
  return true;
}

template <class T, class P, unparker U, waking_policy W>
template <future F>
join_handle<item_type_t<F>, error_type_t<F>> scheduler<T, P, U, W>::spawn(F f) {
  using handle = join_handle<item_type_t<F>, error_type_t<F>>;
  if constexpr (!pollable<F, T>) {
    (void)require_pollable<F, T>();  // names the missing capability
    return handle();
  } else {
    check_thread("spawn");
    if (closing_) return handle();  // refused: `f` is destroyed here, on this thread
    const spawned_task task = storage_.spawn_cell(std::move(f));
    if constexpr (!storage_type::template accepts<F>) {
      return handle();  // unreachable: the storage's diagnostic has fired
    } else {
      enqueue(task.id, task.header);
      anchor_->retain();
      return handle(anchor_, task.id, task.header);
    }
  }
}

}  // namespace gentask::runtime
