// ui_handle.cpp's cases on the GLib backend (a private context): the same file, compiled with
// GENTASK_TEST_GLIB, in the GLib test binary.
#define GENTASK_TEST_GLIB 1
#include "ui_handle.cpp"  // NOLINT(bugprone-suspicious-include)
