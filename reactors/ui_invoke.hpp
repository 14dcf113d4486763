#pragma once
/// @file
/// The library and the UI-invoke reactor on its plain loop: `<gentask/gentask.hpp>` and
/// `gentask::ui_invoke` (`reactor`, `ui_handle`, `with_ui_state`). The GLib backend is
/// `<gentask/reactors/ui_invoke/glib_reactor.hpp>` (it needs GLib's headers).

#include <gentask/gentask.hpp>
#include <gentask/reactors/ui_invoke/errors.hpp>
#include <gentask/reactors/ui_invoke/reactor.hpp>
#include <gentask/reactors/ui_invoke/ui_handle.hpp>
