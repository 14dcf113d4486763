#pragma once
/// @file
/// `ui_invoke::ui_handle<Scheduler>`: how other threads hand the UI reactor work, in the style
/// of WinForms' `Control.Invoke`/`BeginInvoke` and Qt's queued invocation
/// (`reactor.get_ui_handle()`). Copyable; usable on any thread; holds a reference to the
/// reactor's inbox, so it outlives the reactor safely.
///
/// - `post(fn)`: fire and forget. `fn()` runs later on the UI thread, in post order from each
///   producer (one queue: FIFO overall), also when posted from the UI thread itself (queued,
///   never inline). An exception from `fn` is caught there and counted
///   (`get_unobserved_exception_count()`). Returns `errc::stopped` once the reactor has shut
///   down (then `fn` is destroyed here, not run). Posts still queued at shutdown are destroyed,
///   not run.
/// - `invoke(fn)`: runs `fn()` on the UI thread and returns its result. On the UI thread it
///   runs inline (so an invoke from inside a posted callback or a task cannot deadlock). From
///   another thread it queues `fn` like a post and blocks until it ran, then returns its
///   result or rethrows its exception; it throws `stopped_error` if the reactor has shut down,
///   or shuts down before `fn` ran (never blocks forever once the reactor is gone). It blocks
///   as long as nobody runs the reactor, and deadlocks if the UI thread waits for the caller.
///   `fn` must return void or an object type (a reference into the UI state must not be read
///   off the UI thread).
/// - `spawn(f)`: spawns `f` on the reactor from any thread (the kit's remote spawn); after
///   shutdown it gives `f` back. `spawn_detached(f)`: fire and forget, queued like a post.
///
/// A posted or invoked callback runs as the reactor's own code: it may spawn, wake and post,
/// and `block_on`, `run_until_idle` and `shutdown` refuse to be re-entered from it
/// (`std::logic_error`).

#include <gentask/core/future.hpp>
#include <gentask/runtime/remote_handle.hpp>
#include <gentask/runtime/remote_inbox.hpp>

#include "errors.hpp"

#include <atomic>
#include <concepts>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

namespace gentask::ui_invoke {

template <class Scheduler>
class ui_handle {
 public:
  ui_handle(runtime::remote_inbox* inbox, std::thread::id ui_thread) noexcept
      : inbox_(inbox), ui_thread_(ui_thread) {
    inbox_->retain();
  }
  ui_handle(const ui_handle& other) noexcept : inbox_(other.inbox_), ui_thread_(other.ui_thread_) {
    inbox_->retain();
  }
  ui_handle& operator=(const ui_handle& other) noexcept {
    ui_handle copy(other);
    std::swap(inbox_, copy.inbox_);
    std::swap(ui_thread_, copy.ui_thread_);
    return *this;
  }
  ~ui_handle() { inbox_->release(); }

  /// Whether the caller is on the UI thread (the reactor's).
  [[nodiscard]] bool is_ui_thread() const noexcept {
    return std::this_thread::get_id() == ui_thread_;
  }

  /// Queues `fn()` to run on the UI thread; `errc::stopped` (and `fn` destroyed here) once the
  /// reactor has shut down. Allocates one block per post.
  template <class Fn>
    requires std::invocable<Fn&> && std::move_constructible<Fn>
  [[nodiscard]] std::error_code post(Fn fn) const {
    auto call = std::make_unique<posted_call<Fn>>(std::move(fn));
    if (!inbox_->post([&](runtime::remote_batch& b) { b.requests.push_back(call.get()); })) {
      return errc::stopped;
    }
    call.release();  // the reactor's now: it runs or discards it
    return {};
  }

  /// Runs `fn()` on the UI thread (inline there; from another thread, blocking until it ran)
  /// and returns its result or rethrows its exception; `stopped_error` once the reactor is gone.
  template <class Fn>
    requires std::invocable<Fn&>
  std::invoke_result_t<Fn&> invoke(Fn&& fn) const;

  /// Spawns `f` on the reactor from any thread; after shutdown, gives `f` back. Dropping the
  /// returned join handle cancels the task (`spawn_detached` for fire and forget).
  template <future F>
  remote_spawn_result<F> spawn(F f) const {
    return runtime::remote_handle<Scheduler>(inbox_).spawn(std::move(f));
  }

  /// Spawns `f` on the reactor from any thread, detached (its result dropped; an exception
  /// counted as unobserved): queued like a post, spawned on the UI thread in post order.
  /// `errc::stopped` (and `f` destroyed here) once the reactor has shut down. Allocates one
  /// block per call (the request), and the task's cell where its type is new.
  template <future F>
  [[nodiscard]] std::error_code spawn_detached(F f) const {
    auto call = std::make_unique<spawn_call<F>>(std::move(f));
    if (!inbox_->post([&](runtime::remote_batch& b) { b.requests.push_back(call.get()); })) {
      return errc::stopped;
    }
    call.release();
    return {};
  }

 private:
  template <class Fn>
  struct posted_call final : runtime::remote_request {
    explicit posted_call(Fn f) : fn(std::move(f)) {}
    void execute(void* s) noexcept override {
      auto& scheduler = *static_cast<Scheduler*>(s);
      try {
        scheduler.run_callback(fn);
      } catch (...) {
        scheduler.count_unobserved_exception();
      }
      delete this;
    }
    void discard() noexcept override { delete this; }
    Fn fn;
  };

  template <class F>
  struct spawn_call final : runtime::remote_request {
    explicit spawn_call(F f) : future(std::move(f)) {}
    void execute(void* s) noexcept override {
      auto& scheduler = *static_cast<Scheduler*>(s);
      try {
        scheduler.run_callback([&] { scheduler.spawn_detached(std::move(future)); });
      } catch (...) {
        scheduler.count_unobserved_exception();  // the move or the cell failed: that task only
      }
      delete this;
    }
    void discard() noexcept override { delete this; }
    F future;
  };

  // An invoke from another thread: shared by the caller (blocked on it) and the reactor, freed
  // by whichever lets go last. `fn` stays on the caller's stack: the caller waits for the end.
  template <class Fn, class R>
  struct invoke_call final : runtime::remote_request {
    enum class state : unsigned char { waiting, ran, stopped };
    explicit invoke_call(Fn& f) : fn(&f) {}
    void execute(void* s) noexcept override {
      auto& scheduler = *static_cast<Scheduler*>(s);
      try {
        if constexpr (std::is_void_v<R>) {
          scheduler.run_callback(*fn);
        } else {
          result.emplace(scheduler.run_callback(*fn));
        }
      } catch (...) {
        error = std::current_exception();
      }
      finish(state::ran);
    }
    void discard() noexcept override { finish(state::stopped); }
    void finish(state s) noexcept {
      {
        const std::lock_guard lock(mutex);
        st = s;
      }
      done.notify_one();
      release();
    }
    void release() noexcept {
      if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    Fn* fn;
    std::mutex mutex;
    std::condition_variable done;
    state st = state::waiting;
    std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> result{};
    std::exception_ptr error;
    std::atomic<int> refs{2};
  };

  runtime::remote_inbox* inbox_;
  std::thread::id ui_thread_;
};

template <class Scheduler>
template <class Fn>
  requires std::invocable<Fn&>
std::invoke_result_t<Fn&> ui_handle<Scheduler>::invoke(Fn&& fn) const {
  using R = std::invoke_result_t<Fn&>;
  static_assert(std::is_void_v<R> || std::is_object_v<R>,
                "gentask: ui_invoke::invoke: fn must return void or an object type (a "
                "reference into the UI state must not be read off the UI thread)");
  using fn_type = std::remove_reference_t<Fn>;
  if (is_ui_thread()) {
    if (inbox_->is_closed()) throw stopped_error("ui_invoke::invoke: the reactor has stopped");
    return std::invoke(fn);
  }
  auto* call = new invoke_call<fn_type, R>(fn);
  bool queued = false;
  try {
    queued = inbox_->post([call](runtime::remote_batch& b) { b.requests.push_back(call); });
  } catch (...) {
    delete call;
    throw;
  }
  if (!queued) {
    delete call;
    throw stopped_error("ui_invoke::invoke: the reactor has stopped");
  }
  struct drop {
    invoke_call<fn_type, R>* c;
    ~drop() { c->release(); }
  } hold{call};
  {
    std::unique_lock lock(call->mutex);
    call->done.wait(lock, [call] { return call->st != invoke_call<fn_type, R>::state::waiting; });
  }
  if (call->st == invoke_call<fn_type, R>::state::stopped) {
    throw stopped_error("ui_invoke::invoke: the reactor stopped before the call ran");
  }
  // Take the exception out of the shared block: its reference count (libstdc++'s own atomics)
  // then changes on this thread only, after the hand-over the mutex ordered, and the reactor's
  // release of the block destroys an empty pointer.
  if (std::exception_ptr error = std::exchange(call->error, nullptr)) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<R>) return std::move(*call->result);
}

}  // namespace gentask::ui_invoke
