#pragma once
/// @file
/// `ui_invoke::loop_target`: what a backend whose loop is someone else's (a GLib main context)
/// sees of the UI-invoke reactor. The toolkit's loop asks whether there is work and when the
/// next timer is due, and runs the reactor one turn at a time, between its own events.
///
/// All three are called on the reactor's thread, from the toolkit's loop; `run_turn` does
/// nothing while a poll or a posted callback of the reactor is running (a nested main loop run
/// from inside one: the reactor is not reentrant), or once the reactor has shut down.

#include <gentask/core/timer_driver.hpp>

#include <optional>

namespace gentask::ui_invoke {

class loop_target {
 public:
  loop_target(const loop_target&) = delete;
  loop_target& operator=(const loop_target&) = delete;

  /// Whether a turn would run something now: a ready task or something posted (not due
  /// timers: see `get_time_to_next_deadline`). False while the reactor cannot run (see above).
  [[nodiscard]] virtual bool has_work() noexcept = 0;
  /// How long until the next timer is due (zero or less: due), if a timer is pending on the
  /// real clock (a manual clock moves only in `block_on`; nothing while the reactor cannot run).
  [[nodiscard]] virtual std::optional<timer_clock::duration> get_time_to_next_deadline() noexcept = 0;
  /// One turn: what other threads posted, the due timers, and one batch of ready tasks (a
  /// task that stays ready waits for the next turn, so the toolkit's events interleave).
  virtual void run_turn() noexcept = 0;

 protected:
  loop_target() = default;
  ~loop_target() = default;
};

}  // namespace gentask::ui_invoke
