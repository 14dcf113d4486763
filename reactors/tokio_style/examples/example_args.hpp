#pragma once
// The examples' one option beyond the server contract's `--port`: `--dispatch one_trip|two_trip`
// (default one_trip), the tokio-style reactor's dispatch policy.
#include <gentask/reactors/tokio_style/epoll_driver.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace gentask::examples {

inline tokio_style::dispatch dispatch_from_args(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--dispatch") != 0) continue;
    if (std::strcmp(argv[i + 1], "one_trip") == 0) return tokio_style::dispatch::one_trip;
    if (std::strcmp(argv[i + 1], "two_trip") == 0) return tokio_style::dispatch::two_trip;
    std::fprintf(stderr, "--dispatch: one_trip or two_trip, not '%s'\n", argv[i + 1]);
    std::exit(2);
  }
  return tokio_style::dispatch::one_trip;
}

}  // namespace gentask::examples
