// expect-error: _FUTURE_REQUIRES_UI_TASK_
// The tokio-style reactor's task models every capability but ui_task: a future that touches UI
// state (with_ui_state) must not compile there, whether spawned or driven by block_on, and the
// diagnostic names the missing capability. The control spawns it on the UI-invoke reactor.
#include <gentask/futures/with_ui_state.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>
#include <gentask/reactors/ui_invoke/reactor.hpp>

int main() {
#ifdef GENTASK_COMPILE_FAIL_CONTROL
  gentask::ui_invoke::reactor reactor;
#else
  gentask::tokio_style::reactor reactor;
#endif
  auto h = reactor.spawn(gentask::with_ui_state<gentask::ui_invoke::no_ui_state>(
      [](gentask::ui_invoke::no_ui_state&) { return 1; }));
  return reactor.block_on(std::move(h)).is_ready() ? 0 : 1;
}
