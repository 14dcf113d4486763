// expect-error: _FUTURE_REQUIRES_UI_TASK_
// with_ui_state touches the UI thread's state through its task, so it needs a ui_task. The local
// reactor's task has no UI state: driving it there must not compile, and the diagnostic names
// the missing capability. The control runs the same future on the UI-invoke reactor.
#include <gentask/futures/with_ui_state.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/reactors/ui_invoke/reactor.hpp>

int main() {
#ifdef GENTASK_COMPILE_FAIL_CONTROL
  gentask::ui_invoke::reactor reactor;
#else
  gentask::local::reactor reactor;
#endif
  auto f = gentask::with_ui_state<gentask::ui_invoke::no_ui_state>(
      [](gentask::ui_invoke::no_ui_state&) { return 1; });
  return reactor.block_on(std::move(f)).get_value() == 1 ? 0 : 1;
}
