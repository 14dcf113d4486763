// expect-error: _FUTURE_REQUIRES_IO_TASK_
// A real socket future (tcp_stream's read) polls its readiness through the task's I/O driver,
// so it needs an io_task. The local reactor's task has no I/O driver: driving the read there
// must not compile, and the one diagnostic must name the missing capability. The control runs
// the same future on the tokio-style reactor, whose task models io_task.
#include <gentask/net/tcp_stream.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>

#include <array>
#include <cstddef>

int main() {
#ifdef GENTASK_COMPILE_FAIL_CONTROL
  gentask::tokio_style::reactor reactor;
#else
  gentask::local::reactor reactor;
#endif
  gentask::net::tcp_stream stream;  // not connected: the control's read fails with EBADF
  std::array<std::byte, 16> buf{};
  auto result = reactor.block_on(stream.read(buf));
  return result.is_failed() ? 0 : 1;
}
