#pragma once
/// @file
/// `ui_invoke::glib_loop`: the UI-invoke reactor on a real GLib main loop. The reactor's tasks
/// run from a `GSource` attached to a `GMainContext`, one batch per dispatch, between the
/// toolkit's own events; other threads wake it with `g_main_context_wakeup`
/// (`glib_unparker`). Posts from other threads go through the reactor's inbox, never through
/// `g_main_context_invoke` (which runs the callback inline, on the caller's thread, when no one
/// owns the context).
///
/// - **The context.** Default: a private context of the reactor's own (tests, experiments).
///   Or a context of the caller's (`g_main_context_default()` for GTK), run by whoever runs it
///   (`gtk_main`, `g_main_loop_run`) on the reactor's thread; a dispatch on another thread
///   aborts with a message. `block_on` iterates the context itself.
/// - **Priority.** The source's (default `G_PRIORITY_DEFAULT`, as `g_main_context_invoke`'s):
///   sources of a higher priority (a smaller number) run first, a lower one waits while the
///   reactor has ready tasks.
/// - **Nested main loops** (a modal dialog run from a task): GLib does not dispatch a source
///   again while its dispatch runs (the source cannot recurse), and the reactor is not
///   reentrant, so while a task (or the root, or a posted callback) runs a nested loop, the
///   reactor runs nothing: its tasks, posts and timers wait until the task returns; the loop's
///   other sources run.
/// - **Stalls.** On its private context, `block_on` reports a stall (`runtime::stalled`) as the
///   plain loop does. On a context of the caller's, other sources (a button's handler) may wake
///   its tasks, so it waits instead.
///
/// @par Thread Safety
/// `glib_unparker::unpark` may be called on any thread; it holds a reference on the context,
/// so a wake after the reactor is gone is harmless. The rest belongs to the reactor's thread.

#include <gentask/core/timer_driver.hpp>
#include <gentask/runtime/remote_inbox.hpp>
#include <gentask/runtime/unparker.hpp>

#include "loop_target.hpp"

#include <glib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <optional>
#include <utility>

namespace gentask::ui_invoke {

class glib_unparker {
 public:
  glib_unparker() = default;
  glib_unparker(const glib_unparker&) = delete;
  glib_unparker& operator=(const glib_unparker&) = delete;
  ~glib_unparker() {
    if (GMainContext* c = context_.load(std::memory_order_acquire)) g_main_context_unref(c);
  }

  /// The reactor's thread, once, before any other thread can post: the context to wake, and
  /// whether it is the reactor's own (then a park can report a stall).
  void bind(GMainContext* context, bool is_private) {
    g_main_context_ref(context);
    context_.store(context, std::memory_order_release);
    private_ = is_private;
  }

  void unpark() noexcept {
    if (GMainContext* c = context_.load(std::memory_order_acquire)) g_main_context_wakeup(c);
  }

  /// One blocking iteration of the context: the reactor's source dispatches (its prepare
  /// bounds the wait by the next deadline), and so do the context's other sources. Returns
  /// `stalled` first where nothing could ever wake the reactor (private context only).
  [[gnu::noinline]] runtime::park_result park(runtime::basic_remote_inbox<glib_unparker>& inbox,
                                              std::optional<time_point> deadline) {
    {
      const std::lock_guard lock(inbox.get_mutex());
      if (inbox.is_nonempty()) return runtime::park_result::woken;
      if (!deadline && private_ && inbox.is_last_reference()) return runtime::park_result::stalled;
    }
    g_main_context_iteration(context_.load(std::memory_order_relaxed), TRUE);
    return runtime::park_result::woken;  // the reactor's loop looks for itself
  }

 private:
  std::atomic<GMainContext*> context_{nullptr};
  bool private_ = false;
};

static_assert(runtime::unparker<glib_unparker>);

/// The GLib backend: a source on a main context that runs the reactor's turns.
class glib_loop {
 public:
  using unparker_type = glib_unparker;
  static constexpr const char* name = "ui_invoke::glib_reactor";

  /// On a private context of its own.
  glib_loop() = default;
  /// On `context` (not null; the reactor takes a reference), at `priority`.
  explicit glib_loop(GMainContext* context, int priority = G_PRIORITY_DEFAULT)
      : context_(g_main_context_ref(context)), priority_(priority) {}
  glib_loop(glib_loop&& other) noexcept
      : context_(std::exchange(other.context_, nullptr)),
        source_(std::exchange(other.source_, nullptr)),
        source_id_(std::exchange(other.source_id_, 0U)),
        priority_(other.priority_) {}
  glib_loop& operator=(glib_loop&&) = delete;
  ~glib_loop() {
    detach();
    if (context_ != nullptr) g_main_context_unref(context_);
  }

  /// The reactor's thread, once: attaches the source that runs `target`'s turns, and binds the
  /// unparker to the context.
  void attach(loop_target& target, glib_unparker& unparker) {
    const bool is_private = context_ == nullptr;
    if (is_private) context_ = g_main_context_new();
    unparker.bind(context_, is_private);
    source_ = g_source_new(&funcs, sizeof(reactor_source));
    reinterpret_cast<reactor_source*>(source_)->target = &target;
    g_source_set_priority(source_, priority_);
    g_source_set_name(source_, "gentask::ui_invoke");
    source_id_ = g_source_attach(source_, context_);
  }
  /// The reactor's thread: the source is removed; it runs nothing more.
  void detach() noexcept {
    if (source_ == nullptr) return;
    g_source_destroy(source_);
    g_source_unref(source_);
    source_ = nullptr;
    source_id_ = 0;
  }

  [[nodiscard]] GMainContext* get_context() const noexcept { return context_; }
  [[nodiscard]] int get_priority() const noexcept { return priority_; }
  /// The source's id on the context (0 when detached).
  [[nodiscard]] guint get_source_id() const noexcept { return source_id_; }

 private:
  struct reactor_source {
    GSource base;
    loop_target* target;
  };
  static loop_target& target_of(GSource* s) noexcept {
    return *reinterpret_cast<reactor_source*>(s)->target;
  }
  static gint timeout_of(timer_clock::duration left) noexcept {
    // Rounded up, so a timer is never found early; clamped to what a gint holds.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<gint>(
        std::clamp<std::chrono::milliseconds::rep>(ms, 0, std::numeric_limits<gint>::max()));
  }
  static gboolean prepare(GSource* s, gint* timeout) noexcept {
    loop_target& t = target_of(s);
    if (t.has_work()) {
      *timeout = 0;
      return TRUE;
    }
    const auto left = t.get_time_to_next_deadline();
    *timeout = left ? timeout_of(*left) : -1;
    return left && left->count() <= 0 ? TRUE : FALSE;
  }
  static gboolean check(GSource* s) noexcept {
    loop_target& t = target_of(s);
    if (t.has_work()) return TRUE;
    const auto left = t.get_time_to_next_deadline();
    return left && left->count() <= 0 ? TRUE : FALSE;
  }
  static gboolean dispatch(GSource* s, GSourceFunc, gpointer) noexcept {
    target_of(s).run_turn();
    return G_SOURCE_CONTINUE;
  }
  static inline GSourceFuncs funcs = {prepare, check, dispatch, nullptr, nullptr, nullptr};

  GMainContext* context_ = nullptr;
  GSource* source_ = nullptr;
  guint source_id_ = 0;
  int priority_ = G_PRIORITY_DEFAULT;
};

}  // namespace gentask::ui_invoke
