#pragma once
/// @file
/// `join_handle<T, E>`: what `spawn` returns: a future of the spawned task's result, with
/// item `T` and error `join_error<E>` (the task's own error, `canceled`, or the exception that
/// escaped its poll).
///
/// **Dropping the handle cancels the task** (tokio's `AbortOnDropHandle`, JoinSet's drop; not
/// tokio's plain `JoinHandle`, which detaches): the task's future is destroyed on the reactor's
/// thread, exactly once, before anything observes completion; if the handle is dropped from
/// inside the task's own poll, the future is destroyed as soon as that poll returns. `detach()`
/// gives the task up instead: it runs on, and its result is dropped when it completes.
///
/// The handle is three words: a refcounted anchor of its reactor (shared with the reactor's wake
/// handles), the task's id and its cell's header. A complete task's result is taken from the
/// cell directly (the cell is not freed while the handle holds it); everything else (a pending
/// task, a reactor shutting down) goes through the reactor's `join_ops`. If the reactor is destroyed first, the task was destroyed with it,
/// and the handle yields `canceled`. A handle made by spawning onto a reactor that is shutting
/// down is already canceled. Polled again after it produced the result, it throws
/// `polled_after_completion`.
///
/// @par Thread Safety
/// A join handle belongs to its reactor's thread (see `remote_join_handle` for the cross-thread
/// one). Polled, detached or dropped on another thread it aborts with a message when the
/// owner-thread checks are on (`GENTASK_THREAD_CHECKS`, on unless `NDEBUG`); with them off, that
/// is a data race.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/thread_check.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/spawn/join_error.hpp>
#include <gentask/storage/task_cell.hpp>
#include <gentask/storage/task_id.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

namespace gentask {
/// What polling a join handle finds.
enum class join_status : unsigned char { pending, ready, canceled };

/// The join operations a reactor provides to its handles, through its anchor.
struct join_ops {
  /// Ready: moves the task's result into `out` through `take` (which moves from its first
  /// argument into its second and destroys the source) and frees the task. Pending: registers the
  /// waker `make_waker(task)` makes, to be woken at completion (a handle polled while the task is
  /// already complete never makes one).
  join_status (*poll)(void* reactor, task_id id, void* out, void (*take)(void* from, void* to),
                      waker (*make_waker)(void* task), void* task);
  /// The handle was dropped before taking the result: cancel the task.
  void (*cancel)(void* reactor, task_id id) noexcept;
  /// The handle was detached: let the task run on and drop its result.
  void (*detach)(void* reactor, task_id id) noexcept;
  /// The handle took the result from the cell `header` itself (and set its phase to empty):
  /// free the cell as soon as it is neither queued nor running.
  void (*release)(void* reactor, task_id id, task_header* header) noexcept;
};

/// A reactor's refcounted anchor, shared by its own wake handles and its join handles; it
/// outlives the reactor while any of them exists (the reactor clears `reactor` when it goes).
/// With a thread-safe waking policy (runtime/waking.hpp) the reactor sets `shared`: the count
/// changes atomically, and the anchor keeps the reactor's inbox alive for wakes from other
/// threads.
struct reactor_anchor {
  std::size_t refs = 1;  ///< atomic (through `std::atomic_ref`) when `shared`
  void* reactor = nullptr;
  const join_ops* join = nullptr;
  /// True until the reactor begins to shut down: while it is, a handle may read its task's cell
  /// directly (the cell of a task whose handle is held is never freed before then).
  bool cells_readable = true;
  /// Handles may be copied and dropped on any thread: the count and the tasks' state words
  /// change atomically.
  bool shared = false;
  /// With `shared`: the reactor's inbox (where a wake from another thread goes), held by the
  /// anchor, and how to let go of it.
  void* inbox = nullptr;
  void (*release_inbox)(void* inbox) noexcept = nullptr;
  /// With `shared`: called when a release on another thread than `owner` leaves only the
  /// reactor's own reference (a parked reactor re-checks whether anything can wake it).
  void (*on_handles_gone)(void* inbox) noexcept = nullptr;
  /// The reactor's thread: same-thread handles check it (core/thread_check.hpp).
  std::thread::id owner = std::this_thread::get_id();

  void retain() noexcept {
    if (shared) {
      std::atomic_ref<std::size_t>(refs).fetch_add(1, std::memory_order_relaxed);
    } else {
      ++refs;
    }
  }
  void release() noexcept {
    if (shared) {
      const std::size_t before =
          std::atomic_ref<std::size_t>(refs).fetch_sub(1, std::memory_order_acq_rel);
      if (before == 2 && on_handles_gone != nullptr && std::this_thread::get_id() != owner) {
        on_handles_gone(inbox);
      }
      if (before != 1) return;
    } else if (--refs != 0) {
      return;
    }
    if (release_inbox != nullptr) release_inbox(inbox);
    delete this;
  }
};

template <class T, class E>
class [[nodiscard]] join_handle {
 public:
  using future_concept = future_tag;
  using item_type = T;
  using error_type = join_error<E>;
  using result_type = poll_result<T, join_error<E>>;

  /// A handle that is already canceled (what spawning onto a closing reactor gives).
  join_handle() noexcept = default;
  /// Adopts one reference to `anchor` for the task `id`, whose cell's header is `header`.
  join_handle(reactor_anchor* anchor, task_id id, task_header* header) noexcept
      : anchor_(anchor), header_(header), id_(id) {}
  join_handle(join_handle&& other) noexcept
      : anchor_(std::exchange(other.anchor_, nullptr)),
        header_(std::exchange(other.header_, nullptr)),
        id_(std::exchange(other.id_, finished_id())) {}
  join_handle& operator=(join_handle&& other) noexcept {
    if (this != &other) {
      drop();
      anchor_ = std::exchange(other.anchor_, nullptr);
      header_ = std::exchange(other.header_, nullptr);
      id_ = std::exchange(other.id_, finished_id());
    }
    return *this;
  }
  join_handle(const join_handle&) = delete;
  join_handle& operator=(const join_handle&) = delete;
  /// Cancels the task unless its result was taken or the handle was detached.
  ~join_handle() { drop(); }

  template <task Task>
  result_type poll(Task& task) {
    if (is_finished()) {
      detail::throw_polled_after_completion("join_handle: polled after completion");
    }
    if (anchor_ == nullptr || anchor_->reactor == nullptr) {
      finish();
      return failed_value{join_error<E>::from_cancel()};
    }
    check_thread();
    // The fast path: the task is complete (and not inside its own poll); take the result from
    // the cell and let the reactor free it.
    if (anchor_->cells_readable &&
        (header_->state & (phase_mask | flag_running)) ==
            static_cast<std::uint32_t>(task_phase::complete)) [[likely]] {
      task_header* h = header_;
      result_type r = take_result(std::launder(
          reinterpret_cast<result_type*>(reinterpret_cast<unsigned char*>(h) + h->payload_offset)));
      if (anchor_->shared) {  // complete to empty: one atomic or
        std::atomic_ref<std::uint32_t>(h->state).fetch_or(phase_mask, std::memory_order_acq_rel);
      } else {
        h->state |= phase_mask;
      }
      anchor_->join->release(anchor_->reactor, id_, h);
      finish();
      return r;
    }
    std::optional<result_type> out;
    const auto status = anchor_->join->poll(
        anchor_->reactor, id_, &out,
        [](void* from, void* to) noexcept {
          static_cast<std::optional<result_type>*>(to)->emplace(
              take_result(static_cast<result_type*>(from)));
        },
        [](void* t) -> waker { return static_cast<Task*>(t)->get_waker(); }, &task);
    switch (status) {
      case join_status::pending:
        return pending;
      case join_status::canceled:
        finish();
        return failed_value{join_error<E>::from_cancel()};
      case join_status::ready:
        break;
    }
    finish();
    return std::move(*out);
  }

  /// Lets the task run on without this handle; its result will be dropped.
  void detach() noexcept {
    if (anchor_ != nullptr) check_thread();
    if (!is_finished() && anchor_ != nullptr && anchor_->reactor != nullptr) {
      anchor_->join->detach(anchor_->reactor, id_);
    }
    finish();
  }

  /// True once the result was taken, or the handle detached, canceled or moved from.
  [[nodiscard]] bool is_finished() const noexcept { return id_ == finished_id(); }
  [[nodiscard]] task_id get_id() const noexcept { return id_; }

 private:
  /// Never a real task's id (real tokens have their top bit clear).
  static constexpr task_id finished_id() noexcept { return task_id::from_token(~std::uint64_t{0}); }

  /// Moves the stored result out and destroys it, once. A result whose move throws is taken as
  /// that exception.
  static result_type take_result(result_type* stored) noexcept {
    struct destroy_stored {
      result_type* p;
      ~destroy_stored() { std::destroy_at(p); }
    } guard{stored};
    try {
      return std::move(*stored);
    } catch (...) {
      return failed_value{join_error<E>::from_exception(std::current_exception())};
    }
  }

  void finish() noexcept {
    id_ = finished_id();
    header_ = nullptr;
    if (anchor_ != nullptr) {
      check_thread();
      std::exchange(anchor_, nullptr)->release();
    }
  }
  void check_thread() const noexcept {
    detail::check_owner_thread(anchor_->owner, "a join_handle",
                               "poll, detach and drop it on its reactor's thread (for a handle "
                               "that crosses threads, spawn through get_remote_handle())");
  }
  void drop() noexcept {
    if (anchor_ != nullptr) check_thread();
    if (!is_finished() && anchor_ != nullptr && anchor_->reactor != nullptr) {
      anchor_->join->cancel(anchor_->reactor, id_);
    }
    finish();
  }

  reactor_anchor* anchor_ = nullptr;
  task_header* header_ = nullptr;
  task_id id_;  // finished_id() once the result was taken, or detached, canceled, moved from
};

}  // namespace gentask
