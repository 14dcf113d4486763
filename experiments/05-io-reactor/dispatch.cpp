// Experiment 05, one trip against two (README.md, "One trip against two"): the same futures on
// the tokio-style reactor with one-trip dispatch (a readiness event re-polls its task in the same
// turn) and two-trip dispatch (tokio-core, 2017: the event's notification waits for the next
// epoll_wait), in one process, so the difference is the dispatch and nothing else.
//
//   readiness_ping_pong  two tasks on one reactor and a connected Unix stream socket pair: A
//                        writes one byte to its end and reads one back; B reads the byte at the
//                        other end and writes it back. N round trips per iteration, each two
//                        readiness events, each on the critical path, so the time per event is
//                        the latency from an event's arrival to the poll of the task it wakes.
//                        Param `busy=0|1;n=N`: with busy=1 a third task never returns pending
//                        on its own (it spins on `poll_proceed`, which yields only when the
//                        cooperative budget of 128 units is spent), so the pair's events are
//                        seen only when the reactor polls the driver between batches (every 61
//                        task polls): the cost of fairness to a busy task. Metrics:
//                        `ns_per_event`, `epoll_waits_per_event` and `polls_per_event` (task
//                        polls: the driver's and the reactor's own counters, over the untimed
//                        pass), and instructions per event under callgrind (busy=0).
//
// Both sides use the same `tcp_stream` futures (a stream socket of another family works the
// same way: recv and send); the sockets and the reactor live across iterations (warm).
#include "../common/harness.hpp"

#include <gentask/core/budget.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/futures/poll_fn.hpp>
#include <gentask/net/tcp_stream.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>
#include <gentask/spawn/join_handle.hpp>

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gentask::bench::exp05 {
namespace {

using tokio_style::dispatch;

/// Writes a byte, reads it back, `n` times (A).
class pinger {
 public:
  using future_concept = future_tag;
  using item_type = std::size_t;
  using error_type = std::error_code;

  pinger(net::tcp_stream* s, std::size_t n) noexcept : stream_(s), left_(n) {}

  template <io_task Task>
  poll_result<std::size_t, std::error_code> poll(Task& task) {
    for (;;) {
      if (!read_) {
        if (left_ == 0) return ready_value{done_};
        auto w = stream_->write(out_).poll(task);  // one byte into an empty buffer: ready
        if (!w.is_ready()) std::abort();
        read_.emplace(stream_->read(in_));
      }
      auto r = read_->poll(task);
      if (r.is_pending()) return pending;
      read_.reset();
      if (r.is_failed()) return failed_value{r.get_error()};
      if (r.get_value() != 1) std::abort();  // the peer closed: a broken case
      --left_;
      ++done_;
    }
  }

 private:
  net::tcp_stream* stream_;
  std::size_t left_;
  std::size_t done_ = 0;
  std::array<std::byte, 1> out_{std::byte{42}};
  std::array<std::byte, 1> in_{};
  std::optional<net::read_future> read_;
};

/// Reads a byte and writes it back, `n` times (B).
class ponger {
 public:
  using future_concept = future_tag;
  using item_type = std::size_t;
  using error_type = std::error_code;

  ponger(net::tcp_stream* s, std::size_t n) noexcept : stream_(s), left_(n) {}

  template <io_task Task>
  poll_result<std::size_t, std::error_code> poll(Task& task) {
    while (left_ > 0) {
      if (!read_) read_.emplace(stream_->read(buf_));
      auto r = read_->poll(task);
      if (r.is_pending()) return pending;
      read_.reset();
      if (r.is_failed()) return failed_value{r.get_error()};
      if (r.get_value() != 1) std::abort();
      auto w = stream_->write(buf_).poll(task);
      if (!w.is_ready()) std::abort();
      --left_;
    }
    return ready_value{std::size_t{0}};
  }

 private:
  net::tcp_stream* stream_;
  std::size_t left_;
  std::array<std::byte, 1> buf_{};
  std::optional<net::read_future> read_;
};

/// Never pending by itself: yields only when the budget is spent. Stops when `*stop`.
struct busy_task {
  using future_concept = future_tag;
  using item_type = std::uint64_t;
  using error_type = never;
  const bool* stop;
  std::uint64_t spins = 0;
  template <budgeted_task Task>
  poll_result<std::uint64_t, never> poll(Task& task) {
    while (!*stop) {
      if (!poll_proceed(task)) return pending;
      ++spins;
    }
    return ready_value{spins};
  }
};

template <dispatch D>
struct fixture {
  tokio_style::basic_reactor<open_map_storage, D> reactor;
  net::tcp_stream a;
  net::tcp_stream b;
  fixture() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
      std::abort();
    }
    a = net::tcp_stream(fds[0]);
    b = net::tcp_stream(fds[1]);
  }

  /// N round trips (2N events), with or without a busy task beside the pair.
  void run(std::size_t n, bool busy) {
    bool stop = false;
    auto result = reactor.block_on(poll_fn<std::size_t, std::error_code>(
        [&, started = false, pong = std::optional<join_handle<std::size_t, std::error_code>>(),
         spin = std::optional<join_handle<std::uint64_t, never>>(),
         ping = std::optional<pinger>()](auto& task) mutable
        -> poll_result<std::size_t, std::error_code> {
          if (!started) {
            started = true;
            pong.emplace(task.spawn(ponger(&b, n)));
            if (busy) spin.emplace(task.spawn(busy_task{&stop}));
            ping.emplace(&a, n);
          }
          auto r = ping->poll(task);
          if (r.is_pending()) return pending;
          stop = true;
          return r;
        }));
    if (!result.is_ready() || result.get_value() != n) std::abort();
    reactor.run_until_idle();  // the ponger and the busy task end
  }
};

template <dispatch D>
void register_dispatch(const char* variant) {
  for (const std::size_t n : {std::size_t{1000}}) {
    for (const bool busy : {false, true}) {
      auto f = std::make_shared<fixture<D>>();
      const std::string param =
          std::string("busy=") + (busy ? "1" : "0") + ";n=" + std::to_string(n);
      case_options options;
      options.callgrind = !busy;
      options.probe_iterations = 8;
      options.extra_metrics = [f, n, busy] {
        auto& driver = f->reactor.get_io_driver();
        const std::uint64_t waits = driver.get_wait_count();
        const std::uint64_t polls = f->reactor.get_poll_count();
        constexpr std::size_t rounds = 4;
        for (std::size_t i = 0; i < rounds; ++i) f->run(n, busy);
        const double events = static_cast<double>(2 * n * rounds);
        return std::vector<extra_metric>{
            {"epoll_waits_per_event", "waits",
             static_cast<double>(driver.get_wait_count() - waits) / events},
            {"polls_per_event", "polls",
             static_cast<double>(f->reactor.get_poll_count() - polls) / events}};
      };
      register_case("readiness_ping_pong", variant, param, static_cast<double>(2 * n),
                    [f, n, busy] { f->run(n, busy); }, options);
    }
  }
}

const bool registered = [] {
  register_dispatch<dispatch::one_trip>("one_trip");
  register_dispatch<dispatch::two_trip>("two_trip");
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp05
