#pragma once
/// @file
/// Spawning from another thread: the reactor's thread-safe inbox, and `remote_join_handle<T, E>`,
/// the join handle a remote spawn returns.
///
/// A remote spawn allocates one block: the shared join state (the result, the joiner's
/// `remote_waker`, a mutex) and, in the same allocation, the request carrying the future; it
/// appends the request to the reactor's inbox. The block is freed with the state's last reference.
/// The reactor thread takes the request, moves the future into a typed group inside a
/// `remote_runner` (which stores the result into the shared state), and from then on the task
/// is an ordinary one. Dropping the `remote_join_handle` (on any thread) sends a cancel request
/// through the inbox; the future is always destroyed on the reactor's thread. If the reactor has
/// shut down, the spawn fails at once and gives the future back (`remote_spawn_result`), and a
/// handle whose task was destroyed by the shutdown yields `canceled`.
///
/// `remote_join_handle::poll` needs a `remote_waking_task`: the task that awaits it runs on
/// another thread, so the reactor must be able to wake it from its own.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/runtime/remote_inbox.hpp>
#include <gentask/spawn/join_error.hpp>
#include <gentask/storage/task_id.hpp>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace gentask {
/// The state shared by a remote join handle (any thread) and its task (the reactor thread).
/// Refcounted; the last `release` deletes the most derived object (a remote spawn derives its
/// request from it, so the two are one allocation).
template <class T, class E>
class remote_join_state {
 public:
  using result_type = poll_result<T, join_error<E>>;

  explicit remote_join_state(runtime::remote_inbox* inbox) noexcept : inbox_(inbox) {
    inbox_->retain();
  }
  remote_join_state(const remote_join_state&) = delete;
  remote_join_state& operator=(const remote_join_state&) = delete;
  virtual ~remote_join_state() { inbox_->release(); }

  /// Reactor thread: records the local task that runs the future (for cancel requests).
  /// Returns false if the handle is already gone: it was dropped after `is_abandoned` and before
  /// this, saw no task to cancel and sent no request, so the caller must cancel the task itself.
  [[nodiscard]] bool set_task(task_id id) {
    const std::lock_guard lock(mutex_);
    task_ = id;
    spawned_ = true;
    return !handle_gone_;
  }
  /// Reactor thread: whether the handle is gone (then nothing needs to run).
  bool is_abandoned() {
    const std::lock_guard lock(mutex_);
    return handle_gone_;
  }
  /// Reactor thread: the task completed. A result whose move throws is stored as that
  /// exception (the handle sees it as its `join_error`).
  void complete(result_type&& result) noexcept {
    remote_waker joiner;
    {
      const std::lock_guard lock(mutex_);
      try {
        result_.emplace(std::move(result));
      } catch (...) {
        result_.emplace(failed_value{join_error<E>::from_exception(std::current_exception())});
      }
      joiner = std::move(joiner_);
    }
    joiner.wake();
  }
  /// Reactor thread: the task failed before it could run (its future's move threw, or there was
  /// no memory for its cell): the handle sees `e` as its `join_error`.
  void fail(std::exception_ptr e) noexcept {
    complete(result_type(failed_value{join_error<E>::from_exception(std::move(e))}));
  }
  /// Reactor thread: the task was destroyed before completing.
  void cancel() noexcept {
    remote_waker joiner;
    {
      const std::lock_guard lock(mutex_);
      canceled_ = true;
      joiner = std::move(joiner_);
    }
    joiner.wake();
  }

  /// Handle side: ready (result moved out), canceled, or pending (joiner stored).
  std::optional<result_type> poll(remote_waker w) {
    const std::lock_guard lock(mutex_);
    if (result_) {
      std::optional<result_type> out;
      try {
        out.emplace(std::move(*result_));
      } catch (...) {  // a result whose move throws is taken as that exception
        out.emplace(failed_value{join_error<E>::from_exception(std::current_exception())});
      }
      result_.reset();
      return out;
    }
    if (canceled_) return result_type(failed_value{join_error<E>::from_cancel()});
    if (!w.will_wake(joiner_)) joiner_ = std::move(w);
    return std::nullopt;
  }
  /// Handle side: the handle is dropped; asks the reactor to cancel the task if it still runs.
  void abandon() noexcept {
    bool cancel_task = false;
    task_id id;
    {
      const std::lock_guard lock(mutex_);
      handle_gone_ = true;
      joiner_ = remote_waker();
      cancel_task = spawned_ && !result_ && !canceled_;
      id = task_;
    }
    if (cancel_task) {
      try {
        inbox_->post([&](runtime::remote_batch& in) { in.cancels.push_back(id); });
      } catch (...) {  // out of memory: the task runs to completion and its result is dropped
      }
    }
  }

  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  std::atomic<std::size_t> refs_{1};
  runtime::remote_inbox* inbox_;
  std::mutex mutex_;
  std::optional<result_type> result_;
  remote_waker joiner_;
  task_id task_;
  bool spawned_ = false;
  bool canceled_ = false;
  bool handle_gone_ = false;
};

/// The root future a remotely spawned task runs on the reactor: the user's future, then the
/// result handed to the shared state. Destroyed before completing (canceled, or the reactor
/// shut down), it marks the state canceled. A reactor with a closed map that accepts remote
/// spawns of `F` declares `remote_runner<F>` among its root types.
template <class F>
class remote_runner {
  using state_type = remote_join_state<item_type_t<F>, error_type_t<F>>;

 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  remote_runner(F f, state_type* state) noexcept(std::is_nothrow_move_constructible_v<F>)
      : future_(std::move(f)), state_(state) {}
  // If moving the future throws, the source still holds the state: it fails the state with
  // that exception (the handle sees it), so the task fails once, with its own exception, wherever
  // the move happened (into spawn's parameter, or into the task's cell). The exception goes on.
  remote_runner(remote_runner&& other) noexcept(std::is_nothrow_move_constructible_v<F>) try
      : future_(std::move(other.future_)), state_(std::exchange(other.state_, nullptr)) {
  } catch (...) {
    other.fail(std::current_exception());
  }
  remote_runner(const remote_runner&) = delete;
  remote_runner& operator=(const remote_runner&) = delete;
  remote_runner& operator=(remote_runner&&) = delete;
  ~remote_runner() {
    if (state_ != nullptr) {
      state_->cancel();
      state_->release();
    }
  }

  template <task Task>
  requires pollable<F, Task> poll_result<unit, never> poll(Task& task) {
    using result_type = typename state_type::result_type;
    using error = error_type_t<F>;
    std::optional<result_type> done;
    try {
      auto r = future_.poll(task);
      if (r.is_pending()) return pending;
      if (r.is_ready()) {
        done.emplace(ready_value<item_type_t<F>>{std::move(r).get_value()});
      } else {
        done.emplace(failed_value{join_error<error>::from_error(std::move(r).get_error())});
      }
    } catch (...) {
      done.emplace(failed_value{join_error<error>::from_exception(std::current_exception())});
    }
    state_type* state = std::exchange(state_, nullptr);
    state->complete(std::move(*done));  // noexcept: a throwing move becomes the exception
    state->release();
    return ready_value{};
  }

  /// The task could not be started (its cell could not be made): its handle sees `e`.
  void fail(std::exception_ptr e) noexcept {
    if (state_ != nullptr) {
      state_type* state = std::exchange(state_, nullptr);
      state->fail(std::move(e));
      state->release();
    }
  }

 private:
  F future_;
  state_type* state_;
};

/// The cross-thread join handle: a future of the remotely spawned task's result. May be polled
/// and dropped on any thread; dropping it cancels the task (on the reactor's thread).
template <class T, class E>
class [[nodiscard]] remote_join_handle {
  using state_type = remote_join_state<T, E>;

 public:
  using future_concept = future_tag;
  using item_type = T;
  using error_type = join_error<E>;

  explicit remote_join_handle(state_type* state) noexcept : state_(state) {}
  remote_join_handle(remote_join_handle&& other) noexcept
      : state_(std::exchange(other.state_, nullptr)) {}
  remote_join_handle& operator=(remote_join_handle&& other) noexcept {
    if (this != &other) {
      drop();
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  remote_join_handle(const remote_join_handle&) = delete;
  remote_join_handle& operator=(const remote_join_handle&) = delete;
  ~remote_join_handle() { drop(); }

  template <remote_waking_task Task>
  poll_result<T, join_error<E>> poll(Task& task) {
    if (state_ == nullptr) {
      detail::throw_polled_after_completion("remote_join_handle: polled after completion");
    }
    auto r = state_->poll(task.get_remote_waker());
    if (!r) return pending;
    std::exchange(state_, nullptr)->release();
    return std::move(*r);
  }

  [[nodiscard]] bool is_finished() const noexcept { return state_ == nullptr; }

 private:
  void drop() noexcept {
    if (state_ != nullptr) {
      state_->abandon();
      std::exchange(state_, nullptr)->release();
    }
  }
  state_type* state_ = nullptr;
};

/// What a remote spawn returns: the join handle, or (the reactor has shut down) the future back.
template <class F>
class [[nodiscard]] remote_spawn_result {
 public:
  using handle_type = remote_join_handle<item_type_t<F>, error_type_t<F>>;

  explicit remote_spawn_result(handle_type h) : v_(std::in_place_index<0>, std::move(h)) {}
  explicit remote_spawn_result(F f) : v_(std::in_place_index<1>, std::move(f)) {}

  [[nodiscard]] bool is_spawned() const noexcept { return v_.index() == 0; }
  /// The join handle; precondition: `is_spawned()`.
  handle_type get_handle() && { return std::get<0>(std::move(v_)); }
  /// The future given back; precondition: `!is_spawned()`.
  F take_future() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<handle_type, F> v_;
};

}  // namespace gentask
