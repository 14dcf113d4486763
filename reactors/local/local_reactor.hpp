#pragma once
/// @file
/// `basic_local_reactor<StoragePolicy>`: the simplest single-threaded reactor, on the typed task
/// storage. `local_reactor` is `basic_local_reactor<open_map>`.
///
/// - `block_on(f)` polls a root future in place until it completes, running spawned tasks
///   between polls; `run_until_idle()` runs spawned tasks until none is ready.
/// - `spawn(f)` (and `task.spawn(f)` from inside a task) stores `f` in its type's group and
///   returns a `join_handle`; dropping the handle cancels the task, `detach()` lets it run on.
/// - `get_remote_handle()` gives a thread-safe handle for spawning from other threads.
///
/// Storage is a policy: `open_map` (any root type; first spawn of a type creates its group),
/// `closed_map<Fs...>` (declared types only, compile-time lookup), `boxed_storage` and
/// `boxed_recycling_storage` (the one-allocation-per-task baselines). Spawning a type already seen, on the reactor's
/// thread, allocates nothing with the maps.
///
/// The task type models `task`, `remote_waking_task`, `spawning_task`, `timer_task` (a
/// `timer_queue` on a real clock, or a manual one for tests) and `budgeted_task` (a cooperative
/// budget, off unless `set_coop_budget` turns it on):
///   - `get_waker()`: a handle whose wake links the task into the intrusive ready list (at most
///     once: a `queued` flag coalesces wakes), without atomics or allocation;
///   - `get_remote_waker()`: a thread-safe handle whose wake appends the task's token to the
///     inbox under a mutex and signals the reactor; generations are checked on the reactor thread;
///   - `spawn(f)`: as `reactor.spawn(f)`;
///   - `get_timer()`: the reactor's timer queue; when nothing is ready, `block_on` sleeps until
///     the next deadline (real clock) or jumps the clock to it (manual clock, as tokio's
///     paused time) and fires what is due;
///   - `consume_budget()`: with a budget of `n`, each task tick (one poll of a task or of the
///     root) may take `n` units; leaves ask through `poll_proceed` (tokio's coop, 128 there).
///
/// Wake during poll: `queued` is cleared before a task is polled, so a wake from inside its own
/// poll queues it again. A stale handle (its task ended, its slot reused) does nothing: ids carry
/// generations. Handles hold a refcounted anchor, so waking or joining after the reactor is gone
/// does nothing (a join yields `canceled`).
///
/// An exception escaping a task's poll becomes its result (`join_error` holding the exception);
/// the reactor goes on. A detached task's exception is counted (`get_unobserved_exception_count`)
/// and dropped. An exception from the root future leaves `block_on`.
///
/// `block_on` throws `stalled` when the root future is pending, no task is ready, and no
/// `remote_waker` or remote handle of this reactor exists: nothing could ever wake it.
///
/// Shutdown (the destructor, on the reactor's thread): spawns are refused from then on (the
/// future is destroyed at once and the handle is canceled; a remote spawn gives the future back),
/// every remaining task's future or unclaimed result is destroyed once, queued remote spawns are
/// discarded (their futures destroyed here) and their remote handles canceled.
///
/// @par Thread Safety
/// Distinct objects: safe. Shared objects: unsafe, except through `remote_waker`s, remote
/// handles and remote join handles, which may be used on any thread, also after the reactor is
/// destroyed. Every member function must be called on the thread that constructed the reactor
/// (checked: `block_on`, `spawn` and `run_until_idle` throw `std::logic_error` elsewhere).

#include <gentask/budget.hpp>
#include <gentask/diagnostics.hpp>
#include <gentask/future.hpp>
#include <gentask/join_handle.hpp>
#include <gentask/open_group_map.hpp>
#include <gentask/pollable.hpp>
#include <gentask/poll_result.hpp>
#include <gentask/remote_join_handle.hpp>
#include <gentask/task.hpp>
#include <gentask/task_cell.hpp>
#include <gentask/task_id.hpp>
#include <gentask/timer_queue.hpp>
#include <gentask/waker.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace gentask {

/// Thrown by `block_on` when its future can never be woken (see basic_local_reactor).
class stalled : public std::runtime_error {
 public:
  stalled()
      : std::runtime_error(
            "local_reactor::block_on: the future is pending, no task is ready and no "
            "remote_waker or remote handle exists; nothing can wake it") {}
};

template <class StoragePolicy>
class basic_local_reactor {
 public:
  class task_type;
  class remote_handle;
  using storage_type = typename StoragePolicy::template store<task_type>;

  basic_local_reactor();
  basic_local_reactor(const basic_local_reactor&) = delete;
  basic_local_reactor& operator=(const basic_local_reactor&) = delete;
  ~basic_local_reactor();

  /// Polls `f` until it completes and returns its result (ready or failed, never pending).
  /// Spawned tasks run between polls. Not reentrant (throws `std::logic_error`).
  template <future F>
  poll_result_t<F> block_on(F f);

  /// Spawns `f` as a task of its own; see join_handle.hpp for what the handle does.
  template <future F>
  [[nodiscard]] join_handle<item_type_t<F>, error_type_t<F>> spawn(F f);

  /// `spawn(f).detach()`.
  template <future F>
  void spawn_detached(F f) {
    spawn(std::move(f)).detach();
  }

  /// Runs ready tasks (and remote wakes and spawns) until none is ready; never blocks. Returns
  /// the number of task polls made. A task that other threads wake without pause keeps it
  /// running: it returns only once nothing is ready.
  std::size_t run_until_idle();

  /// A thread-safe handle for spawning onto this reactor from any thread.
  [[nodiscard]] remote_handle get_remote_handle() noexcept;

  [[nodiscard]] std::size_t get_task_count() const noexcept { return storage_.get_live_count(); }
  [[nodiscard]] std::uint64_t get_poll_count() const noexcept { return polls_; }
  [[nodiscard]] std::uint64_t get_unobserved_exception_count() const noexcept {
    return unobserved_exceptions_;
  }
  [[nodiscard]] storage_type& get_storage() noexcept { return storage_; }
  [[nodiscard]] timer_queue& get_timer() noexcept { return timer_; }
  /// Turns the cooperative budget on (`n` units per task tick) or off (`std::nullopt`). Called
  /// from inside a poll, the current tick gets the full `n` too. A budget of 0 would refuse
  /// every leaf forever (a livelock), so it throws `std::invalid_argument`.
  void set_coop_budget(std::optional<unsigned> n) {
    if (n && *n == 0) throw std::invalid_argument("local_reactor::set_coop_budget: 0 units would livelock; use std::nullopt to turn the budget off");
    budget_ = n;
    budget_left_ = n.value_or(0);
  }

 private:
  template <class>
  friend class basic_local_reactor;

  void check_thread(const char* what) const {
    if (std::this_thread::get_id() != owner_) throw std::logic_error(what);
  }

  // Ready list and wakes.
  void on_wake(std::uint64_t token) noexcept;
  void enqueue(task_id id, detail::task_header* h) noexcept;
  std::size_t run_batch();
  void run_task(task_id id, detail::task_header* h);
  void after_poll(task_id id, detail::task_header* h, bool completed) noexcept;
  void maybe_free(task_id id, detail::task_header* h) noexcept;
  void destroy_payload(task_id id, detail::task_header* h) noexcept;
  void cancel_task(task_id id) noexcept;

  // Joiners: a local token (this reactor's own waker) or an index into foreign_joiners_.
  static constexpr std::uint64_t joiner_local_bit = std::uint64_t{1} << 63U;
  void set_joiner(detail::task_header* h, const waker& w);
  [[gnu::noinline]] void clear_joiner(detail::task_header* h) noexcept;
  [[gnu::noinline]] void wake_joiner(detail::task_header* h) noexcept;

  // Remote inbox.
  bool drain_remote();
  void wait_for_remote();

  // join_ops for join handles.
  static detail::join_status join_poll(void* r, task_id id, void* out,
                                       void (*take)(void* from, void* to),
                                       waker (*make_waker)(void* task), void* task);
  static void join_cancel(void* r, task_id id) noexcept;
  static void join_detach(void* r, task_id id) noexcept;
  static const detail::join_ops join_table;
  static const waker_vtable local_vtable;
  static const waker_vtable remote_vtable;

  timer_queue timer_;  // before storage_: a task's sleep may cancel into it when destroyed
  storage_type storage_;
  std::optional<unsigned> budget_;
  unsigned budget_left_ = 0;
  std::uint64_t head_ = detail::no_link;
  std::uint64_t tail_ = detail::no_link;
  detail::task_header* tail_header_ = nullptr;
  std::size_t ready_count_ = 0;
  std::vector<waker> foreign_joiners_;
  std::vector<std::uint32_t> foreign_free_;
  std::vector<std::uint64_t> remote_tokens_;
  std::vector<detail::remote_request*> remote_requests_;
  std::vector<task_id> remote_cancels_;
  detail::reactor_anchor* anchor_;
  detail::remote_inbox* inbox_;
  std::thread::id owner_;
  std::uint64_t polls_ = 0;
  std::uint64_t unobserved_exceptions_ = 0;
  std::uint32_t root_generation_ = 0;
  bool root_woken_ = false;
  bool in_block_on_ = false;
  bool closing_ = false;
};

using local_reactor = basic_local_reactor<open_map>;

/// The task type: the reactor and the task's id.
template <class StoragePolicy>
class basic_local_reactor<StoragePolicy>::task_type {
 public:
  task_type(basic_local_reactor* reactor, task_id id) noexcept : reactor_(reactor), id_(id) {}

  [[nodiscard]] waker get_waker() const noexcept {
    reactor_->anchor_->retain();
    return waker::from_raw(&local_vtable, reactor_->anchor_, id_.get_token());
  }
  [[nodiscard]] remote_waker get_remote_waker() const noexcept {
    reactor_->inbox_->retain();
    return remote_waker::from_raw(&remote_vtable, reactor_->inbox_, id_.get_token());
  }
  template <future F>
  [[nodiscard]] join_handle<item_type_t<F>, error_type_t<F>> spawn(F f) const {
    return reactor_->spawn(std::move(f));
  }
  [[nodiscard]] timer_queue& get_timer() const noexcept { return reactor_->timer_; }
  /// One unit of the cooperative budget; always true when the budget is off.
  [[nodiscard]] bool consume_budget() const noexcept {
    if (!reactor_->budget_) return true;
    if (reactor_->budget_left_ == 0) return false;
    --reactor_->budget_left_;
    return true;
  }
  [[nodiscard]] basic_local_reactor& get_reactor() const noexcept { return *reactor_; }
  [[nodiscard]] task_id get_id() const noexcept { return id_; }

 private:
  basic_local_reactor* reactor_;
  task_id id_;
};

/// The thread-safe spawning handle. Copyable; outlives the reactor safely.
template <class StoragePolicy>
class basic_local_reactor<StoragePolicy>::remote_handle {
 public:
  remote_handle(const remote_handle& other) noexcept : inbox_(other.inbox_) { inbox_->retain(); }
  remote_handle& operator=(const remote_handle& other) noexcept {
    remote_handle copy(other);
    std::swap(inbox_, copy.inbox_);
    return *this;
  }
  ~remote_handle() { inbox_->release(); }

  /// Spawns `f` onto the reactor from any thread (allocates the shared join state and the
  /// request). If the reactor has shut down, gives `f` back instead.
  template <future F>
  remote_spawn_result<F> spawn(F f) {
    if constexpr (!pollable<F, task_type>) {
      (void)require_pollable<F, task_type>();
      return remote_spawn_result<F>(std::move(f));
    } else {
      using state_type = detail::remote_join_state<item_type_t<F>, error_type_t<F>>;
      using handle_type = remote_join_handle<item_type_t<F>, error_type_t<F>>;
      // One allocation per remote spawn: the request that carries the future to the reactor
      // thread is the shared join state itself, and holds one of its references until the
      // runner takes it over. The future is destroyed on the reactor's thread (or, refused,
      // given back), never with the block on whichever thread drops the last reference.
      struct request final : state_type, detail::remote_request {
        request(detail::remote_inbox* in, F f) : state_type(in) { future.emplace(std::move(f)); }
        F take_future() {
          struct reset_on_exit {
            std::optional<F>& f;
            ~reset_on_exit() { f.reset(); }
          } reset{future};
          return std::move(*future);
        }
        void execute(void* r) override {
          auto& reactor = *static_cast<basic_local_reactor*>(r);
          if (this->is_abandoned()) {
            future.reset();  // the future is destroyed here, on the reactor's thread
            this->release();
            return;
          }
          std::optional<remote_runner<F>> runner;
          try {
            runner.emplace(take_future(), this);  // from here the runner holds the reference
          } catch (...) {
            this->cancel();
            this->release();
            throw;
          }
          auto handle = reactor.spawn(std::move(*runner));
          // The remote handle may have been dropped meanwhile (moving the future runs user
          // code): then this local handle's drop cancels the task here, on the reactor thread.
          if (this->set_task(handle.get_id())) handle.detach();
        }
        void discard() noexcept override {
          future.reset();
          this->cancel();
          this->release();
        }
        std::optional<F> future;
      };
      auto* req = new request(inbox_, std::move(f));
      req->retain();  // one for the handle, one for the request (then the runner)
      bool queued = false;
      try {
        queued = inbox_->post([req](detail::remote_inbox& in) { in.requests.push_back(req); });
      } catch (...) {
        // Could not queue (out of memory): give the future back below.
      }
      if (queued) return remote_spawn_result<F>(handle_type(req));
      F back = req->take_future();
      req->release();
      req->release();
      return remote_spawn_result<F>(std::move(back));
    }
  }

 private:
  friend class basic_local_reactor;
  explicit remote_handle(detail::remote_inbox* inbox) noexcept : inbox_(inbox) { inbox_->retain(); }
  detail::remote_inbox* inbox_;
};

// ---------------------------------------------------------------------------------------------
// Wake handle vtables and join operations.

template <class P>
inline const waker_vtable basic_local_reactor<P>::local_vtable = {
    [](void* data, std::uint64_t token) noexcept {
      auto* a = static_cast<detail::reactor_anchor*>(data);
      if (a->reactor != nullptr) static_cast<basic_local_reactor*>(a->reactor)->on_wake(token);
    },
    [](void* data) noexcept { static_cast<detail::reactor_anchor*>(data)->retain(); },
    [](void* data) noexcept { static_cast<detail::reactor_anchor*>(data)->release(); },
};

template <class P>
inline const waker_vtable basic_local_reactor<P>::remote_vtable = {
    [](void* data, std::uint64_t token) noexcept {
      auto* in = static_cast<detail::remote_inbox*>(data);
      {
        const std::lock_guard lock(in->mutex);
        if (in->closed) return;
        try {
          in->tokens.push_back(token);
        } catch (...) {
          in->wake_all = true;  // out of memory: degrade to a spurious wake of every task
        }
        in->nonempty.store(true, std::memory_order_relaxed);
      }
      // Signalled after the lock is released, so the reactor thread does not wake only to
      // block on the mutex still held here. The inbox stays alive meanwhile: this handle
      // holds a reference to it.
      in->wakeup.notify_one();
    },
    [](void* data) noexcept { static_cast<detail::remote_inbox*>(data)->retain(); },
    [](void* data) noexcept { static_cast<detail::remote_inbox*>(data)->release(); },
};

template <class P>
inline const detail::join_ops basic_local_reactor<P>::join_table = {
    &basic_local_reactor::join_poll, &basic_local_reactor::join_cancel,
    &basic_local_reactor::join_detach};

// ---------------------------------------------------------------------------------------------

template <class P>
basic_local_reactor<P>::basic_local_reactor()
    : anchor_(new detail::reactor_anchor), inbox_(new detail::remote_inbox),
      owner_(std::this_thread::get_id()) {
  anchor_->reactor = this;
  anchor_->join = &join_table;
}

template <class P>
basic_local_reactor<P>::~basic_local_reactor() {
  closing_ = true;
  storage_.disable_release();
  head_ = tail_ = detail::no_link;
  tail_header_ = nullptr;
  // Remote spawns that never reached a group: their futures are destroyed here.
  std::vector<detail::remote_request*> pending_requests;
  {
    const std::lock_guard lock(inbox_->mutex);
    inbox_->closed = true;
    inbox_->tokens.clear();
    inbox_->cancels.clear();
    pending_requests.swap(inbox_->requests);
  }
  for (auto* r : pending_requests) r->discard();
  for (auto* r : remote_requests_) r->discard();
  remote_requests_.clear();
  // Every remaining future and unclaimed result, once, on this thread. Their destructors may
  // wake (ignored: closing), spawn (refused) or drop other tasks' handles (canceling them now).
  storage_.for_each_used([this](task_id id, detail::task_header& h) {
    h.clear(detail::flag_queued);
    h.joiner = 0;  // a foreign joiner is kept in foreign_joiners_ and woken below
    destroy_payload(id, &h);
  });
  timer_.clear();
  // Joiners on other reactors: wake them once this reactor is gone, so that they poll their
  // handles and see `canceled` instead of waiting forever. (Joiners on this reactor are gone.)
  std::vector<waker> joiners = std::move(foreign_joiners_);
  anchor_->reactor = nullptr;
  anchor_->release();
  inbox_->release();
  for (const waker& w : joiners) w.wake();
}

template <class P>
typename basic_local_reactor<P>::remote_handle basic_local_reactor<P>::get_remote_handle() noexcept {
  return remote_handle(inbox_);
}

template <class P>
void basic_local_reactor<P>::on_wake(std::uint64_t token) noexcept {
  if (closing_) return;
  const task_id id = task_id::from_token(token);
  if (id.get_group() == task_id::root_group) {
    if (id.get_generation() == (root_generation_ & task_id::generation_mask) && in_block_on_) {
      root_woken_ = true;
    }
    return;
  }
  detail::task_header* h = storage_.find(id);
  if (h == nullptr || h->get_phase() != detail::task_phase::pending || h->has(detail::flag_queued)) {
    return;
  }
  enqueue(id, h);
}

template <class P>
void basic_local_reactor<P>::enqueue(task_id id, detail::task_header* h) noexcept {
  h->set(detail::flag_queued);
  h->next = detail::no_link;
  if (tail_header_ != nullptr) {
    tail_header_->next = id.get_token();
  } else {
    head_ = id.get_token();
  }
  tail_ = id.get_token();
  tail_header_ = h;
  ++ready_count_;
}

template <class P>
std::size_t basic_local_reactor<P>::run_batch() {
  std::size_t budget = ready_count_;
  std::size_t polled = 0;
  while (budget-- > 0 && head_ != detail::no_link) {
    const task_id id = task_id::from_token(head_);
    auto* h = static_cast<detail::task_header*>(storage_.cell(id));
    head_ = h->next;
    if (head_ == detail::no_link) {
      tail_ = detail::no_link;
      tail_header_ = nullptr;
    }
    --ready_count_;
    h->clear(detail::flag_queued);
    if (h->get_phase() == detail::task_phase::pending) {
      run_task(id, h);
      ++polled;
    } else {
      maybe_free(id, h);  // canceled while queued
    }
  }
  return polled;
}

template <class P>
void basic_local_reactor<P>::run_task(task_id id, detail::task_header* h) {
  h->set(detail::flag_running);
  task_type task(this, id);
  ++polls_;
  if (budget_) budget_left_ = *budget_;  // a new tick
  const bool completed = storage_.poll(id, h, task);  // exceptions become the task's result
  after_poll(id, h, completed);
}

template <class P>
void basic_local_reactor<P>::after_poll(task_id id, detail::task_header* h, bool completed) noexcept {
  h->clear(detail::flag_running);
  if (completed) h->set_phase(detail::task_phase::complete);
  if (h->has(detail::flag_cancel)) {  // the handle was dropped during this poll
    h->clear(detail::flag_cancel);
    destroy_payload(id, h);  // frees the cell when it can: `h` is not used after this
    return;
  }
  if (completed) {
    if (h->has(detail::flag_detached)) {
      if (storage_.ops(id).is_exception(h)) ++unobserved_exceptions_;
      destroy_payload(id, h);  // as above
      return;
    }
    if (h->joiner != 0) wake_joiner(h);  // the task stays, complete, until its handle takes it
  }
}

template <class P>
void basic_local_reactor<P>::destroy_payload(task_id id, detail::task_header* h) noexcept {
  const auto phase = h->get_phase();
  h->set_phase(detail::task_phase::empty);
  if (phase == detail::task_phase::pending) storage_.ops(id).destroy_future(h);  // the cell is h
  if (phase == detail::task_phase::complete) storage_.ops(id).destroy_result(h);
  maybe_free(id, h);
}

template <class P>
void basic_local_reactor<P>::maybe_free(task_id id, detail::task_header* h) noexcept {
  if (h->get_phase() == detail::task_phase::empty &&
      !h->has(detail::flag_queued | detail::flag_running)) {
    if (h->joiner != 0) clear_joiner(h);
    storage_.free(id, h);
  }
}

template <class P>
void basic_local_reactor<P>::cancel_task(task_id id) noexcept {
  detail::task_header* h = storage_.find(id);
  if (h == nullptr || h->get_phase() == detail::task_phase::empty) return;
  clear_joiner(h);
  if (h->has(detail::flag_running)) {
    h->set(detail::flag_cancel);  // destroyed as soon as its own poll returns
    return;
  }
  destroy_payload(id, h);
}

template <class P>
void basic_local_reactor<P>::set_joiner(detail::task_header* h, const waker& w) {
  if (w.get_vtable() == &local_vtable && w.get_data() == anchor_) {
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
    if (foreign_free_.capacity() < foreign_joiners_.size() + 1) {  // so clear_joiner never allocates
      foreign_free_.reserve(std::max<std::size_t>(16, 2 * foreign_free_.capacity()));
    }
    index = static_cast<std::uint32_t>(foreign_joiners_.size());
    foreign_joiners_.push_back(w);
  }
  h->joiner = std::uint64_t{index} + 1;
}

template <class P>
void basic_local_reactor<P>::clear_joiner(detail::task_header* h) noexcept {
  if (h->joiner != 0 && (h->joiner & joiner_local_bit) == 0 && !foreign_joiners_.empty()) {
    const auto index = static_cast<std::uint32_t>(h->joiner - 1);
    foreign_joiners_[index] = waker();
    foreign_free_.push_back(index);
  }
  h->joiner = 0;
}

template <class P>
void basic_local_reactor<P>::wake_joiner(detail::task_header* h) noexcept {
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

template <class P>
detail::join_status basic_local_reactor<P>::join_poll(void* r, task_id id, void* out,
                                                     void (*take)(void* from, void* to),
                                                     waker (*make_waker)(void* task),
                                                     void* task) {
  auto& self = *static_cast<basic_local_reactor*>(r);
  detail::task_header* h = self.storage_.find(id);
  if (h == nullptr) return detail::join_status::canceled;
  switch (h->get_phase()) {
    case detail::task_phase::complete:
      take(reinterpret_cast<unsigned char*>(h) + self.storage_.ops(id).payload_offset, out);
      h->set_phase(detail::task_phase::empty);  // the result was moved out and destroyed
      self.maybe_free(id, h);
      return detail::join_status::ready;
    case detail::task_phase::pending:
      self.set_joiner(h, make_waker(task));
      return detail::join_status::pending;
    default:
      return detail::join_status::canceled;
  }
}

template <class P>
void basic_local_reactor<P>::join_cancel(void* r, task_id id) noexcept {
  static_cast<basic_local_reactor*>(r)->cancel_task(id);
}

template <class P>
void basic_local_reactor<P>::join_detach(void* r, task_id id) noexcept {
  auto& self = *static_cast<basic_local_reactor*>(r);
  detail::task_header* h = self.storage_.find(id);
  if (h == nullptr) return;
  self.clear_joiner(h);
  if (h->get_phase() == detail::task_phase::complete && !h->has(detail::flag_running)) {
    if (self.storage_.ops(id).is_exception(h)) ++self.unobserved_exceptions_;
    self.destroy_payload(id, h);
    return;
  }
  h->set(detail::flag_detached);
}

template <class P>
bool basic_local_reactor<P>::drain_remote() {
  if (!inbox_->nonempty.load(std::memory_order_relaxed)) return false;
  bool all = false;
  {
    const std::lock_guard lock(inbox_->mutex);
    remote_tokens_.swap(inbox_->tokens);
    remote_requests_.swap(inbox_->requests);
    remote_cancels_.swap(inbox_->cancels);
    all = std::exchange(inbox_->wake_all, false);
    inbox_->nonempty.store(false, std::memory_order_relaxed);
  }
  for (const std::uint64_t token : remote_tokens_) on_wake(token);
  remote_tokens_.clear();
  for (const task_id id : remote_cancels_) cancel_task(id);
  remote_cancels_.clear();
  std::size_t i = 0;
  try {
    for (; i < remote_requests_.size(); ++i) remote_requests_[i]->execute(this);
  } catch (...) {
    // A spawn failed (out of memory): that request is gone; give up the rest cleanly.
    for (++i; i < remote_requests_.size(); ++i) remote_requests_[i]->discard();
    remote_requests_.clear();
    throw;
  }
  remote_requests_.clear();
  if (all) {
    root_woken_ = in_block_on_;
    storage_.for_each_used([this](task_id id, detail::task_header& h) {
      if (h.get_phase() == detail::task_phase::pending && !h.has(detail::flag_queued)) {
        enqueue(id, &h);
      }
    });
  }
  return true;
}

template <class P>
void basic_local_reactor<P>::wait_for_remote() {
  std::unique_lock lock(inbox_->mutex);
  const auto deadline = timer_.get_next_deadline();
  if (deadline && timer_.get_clock_mode() == timer_queue::clock_mode::real) {
    // A timer will fire: not stalled. Sleep until then or until a remote wake.
    inbox_->wakeup.wait_until(lock, *deadline, [this] {
      return inbox_->nonempty.load(std::memory_order_relaxed);
    });
    return;
  }
  inbox_->wakeup.wait(lock, [this] {
    return inbox_->nonempty.load(std::memory_order_relaxed) ||
           inbox_->refs.load(std::memory_order_acquire) == 1;
  });
  if (!inbox_->nonempty.load(std::memory_order_relaxed)) throw stalled();
}

template <class P>
std::size_t basic_local_reactor<P>::run_until_idle() {
  check_thread("local_reactor::run_until_idle: called off the reactor's thread");
  std::size_t polled = 0;
  for (;;) {
    drain_remote();
    timer_.fire_due();
    if (head_ == detail::no_link) return polled;
    polled += run_batch();
  }
}

template <class P>
template <future F>
join_handle<item_type_t<F>, error_type_t<F>> basic_local_reactor<P>::spawn(F f) {
  using handle = join_handle<item_type_t<F>, error_type_t<F>>;
  if constexpr (!pollable<F, task_type>) {
    (void)require_pollable<F, task_type>();  // names the missing capability
    return handle();
  } else {
    check_thread("local_reactor::spawn: called off the reactor's thread");
    if (closing_) return handle();  // refused: `f` is destroyed here, on this thread
    const detail::spawned_task task = storage_.spawn_cell(std::move(f));
    if constexpr (!storage_type::template accepts<F>) {
      return handle();  // unreachable: the storage's diagnostic has fired
    } else {
      enqueue(task.id, task.header);
      anchor_->retain();
      return handle(anchor_, task.id);
    }
  }
}

template <class P>
template <future F>
poll_result_t<F> basic_local_reactor<P>::block_on(F f) {
  if constexpr (!pollable<F, task_type>) {
    (void)require_pollable<F, task_type>();  // names the missing capability
    return {};
  } else {
    check_thread("local_reactor::block_on: called off the reactor's thread");
    if (in_block_on_) throw std::logic_error("local_reactor::block_on: not reentrant");
    struct session {
      basic_local_reactor& r;
      explicit session(basic_local_reactor& reactor) : r(reactor) {
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
    task_type task(this, task_id(task_id::root_group, 0, root_generation_));
    for (;;) {
      if (root_woken_) {
        root_woken_ = false;
        ++polls_;
        if (budget_) budget_left_ = *budget_;
        auto result = f.poll(task);
        if (result.is_complete()) return result;
      }
      if (head_ != detail::no_link) run_batch();
      // Due timers fire on every turn, not only when idle: a deadline is met beside tasks that
      // are always ready (a coop budget's yield, a self-waking loop), as in run_until_idle.
      timer_.fire_due();
      if (root_woken_ || head_ != detail::no_link) continue;
      if (drain_remote()) continue;
      if (timer_.get_clock_mode() == timer_queue::clock_mode::manual) {
        // The paused clock: nothing else can run, so time jumps to the next deadline.
        if (const auto next = timer_.get_next_deadline()) {
          timer_.advance_to(*next);
          continue;
        }
      }
      wait_for_remote();
    }
  }
}

/// Runs `f` to completion on a fresh `local_reactor` and returns its result.
template <future F>
poll_result_t<F> block_on(F f) {
  local_reactor reactor;
  return reactor.block_on(std::move(f));
}

}  // namespace gentask
