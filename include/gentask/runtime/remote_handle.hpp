#pragma once
/// @file
/// `runtime::remote_handle<Scheduler>`: the thread-safe handle for spawning onto a reactor from
/// any thread (`reactor.get_remote_handle()`). Copyable; holds a reference to the reactor's
/// inbox, so it outlives the reactor safely: spawning after shutdown gives the future back.
///
/// A remote spawn allocates one block: the shared join state of its `remote_join_handle` and,
/// in the same allocation, the request that carries the future to the reactor's thread. There
/// the future moves into its type's group inside a `remote_runner` (a closed map that accepts
/// remote spawns of `F` declares `remote_runner<F>`), and from then on it is an ordinary task.
/// The future is destroyed on the reactor's thread (or, refused, given back), never with the
/// block on whichever thread drops the last reference.

#include <gentask/core/diagnostics.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/runtime/remote_inbox.hpp>
#include <gentask/spawn/remote_join_handle.hpp>

#include <optional>
#include <utility>

namespace gentask::runtime {

template <class Scheduler>
class remote_handle {
 public:
  explicit remote_handle(remote_inbox* inbox) noexcept : inbox_(inbox) { inbox_->retain(); }
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
  remote_spawn_result<F> spawn(F f);

 private:
  remote_inbox* inbox_;
};

template <class Scheduler>
template <future F>
remote_spawn_result<F> remote_handle<Scheduler>::spawn(F f) {
  using task_type = typename Scheduler::task_type;
  if constexpr (!pollable<F, task_type>) {
    (void)require_pollable<F, task_type>();
    return remote_spawn_result<F>(std::move(f));
  } else {
    using state_type = remote_join_state<item_type_t<F>, error_type_t<F>>;
    using handle_type = remote_join_handle<item_type_t<F>, error_type_t<F>>;
    // The request is the shared join state itself, and holds one of its references until the
    // runner takes it over.
    struct request final : state_type, remote_request {
      request(remote_inbox* in, F f) : state_type(in) { future.emplace(std::move(f)); }
      F take_future() {
        struct reset_on_exit {
          std::optional<F>& f;
          ~reset_on_exit() { f.reset(); }
        } reset{future};
        return std::move(*future);
      }
      void execute(void* s) noexcept override {
        auto& scheduler = *static_cast<Scheduler*>(s);
        if (this->is_abandoned()) {
          future.reset();  // the future is destroyed here, on the reactor's thread
          this->release();
          return;
        }
        // Never throws: a move of the future that throws, or a cell that cannot be allocated,
        // fails this spawn only (its handle sees the exception) and the rest of the batch runs.
        std::optional<remote_runner<F>> runner;
        try {
          runner.emplace(take_future(), this);  // from here the runner holds the reference
        } catch (...) {
          this->fail(std::current_exception());
          this->release();
          return;
        }
        try {
          auto handle = scheduler.spawn(std::move(*runner));
          // The remote handle may have been dropped meanwhile (moving the future runs user
          // code): then this local handle's drop cancels the task here, on the reactor thread.
          if (this->set_task(handle.get_id())) handle.detach();
        } catch (...) {
          runner->fail(std::current_exception());  // the runner still holds the reference
        }
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
      queued = inbox_->post([req](remote_batch& in) { in.requests.push_back(req); });
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

}  // namespace gentask::runtime
