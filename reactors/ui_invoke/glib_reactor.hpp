#pragma once
/// @file
/// `ui_invoke::glib_reactor`: the UI-invoke reactor on a GLib main context (glib_loop.hpp);
/// `basic_glib_reactor<P, State>` on storage policy `P`. Link `gentask::ui_invoke_glib` (GLib
/// through pkg-config).
///
///   ui_invoke::glib_reactor r{ui_invoke::glib_loop(g_main_context_default())};  // braces: a
///                                                                           // vexing parse
///   r.get_ui_handle().post(...);  // from workers
///   gtk_main();                   // runs the reactor's tasks between GTK's events

#include <gentask/storage/open_group_map.hpp>

#include "glib_loop.hpp"
#include "reactor.hpp"

namespace gentask::ui_invoke {

template <class StoragePolicy, class State = no_ui_state>
using basic_glib_reactor = basic_reactor<StoragePolicy, glib_loop, State>;

/// The open map on a GLib main context (a private one when default-constructed).
using glib_reactor = basic_glib_reactor<open_map_storage>;

}  // namespace gentask::ui_invoke
