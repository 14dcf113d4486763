// Experiment 05's harness for the TCP echo and HTTP servers (binary `exp05_io_reactor`): each
// case starts a server program as a process of its own (README.md, "Servers": the contract every
// server follows), drives it from this process, and reports through Google Benchmark's JSON as
// the experiments' contract says (experiments/common/harness.hpp,
// experiments/peers/WORKLOADS.md). Setup (the server's start, the connections, the warm-up) and
// teardown are outside the timed loop; the timed loop (wall clock, UseRealTime) is the measured
// phase, once per iteration (one iteration in practice: the manifest's min_time is below any
// phase). Every figure is over all iterations.
//
//   tcp_echo/<variant>/conns=N           the load generator (loadgen.hpp) on N connections,
//                                        64-byte messages, a closed loop per connection: a
//                                        warm-up of max(500, 16 N) requests, then a measured
//                                        phase of 5000 requests (each phase bounded in time).
//                                        units = requests, so ns_per_request = the phase's wall
//                                        time / requests. Extra metrics:
//                                        server_cpu_ns_per_request (the server's
//                                        /proc/<pid>/task/*/schedstat, every thread, read just
//                                        before and just after the phase), requests_per_second,
//                                        latency_p50_ns and latency_p99_ns (nearest rank over
//                                        the phase's requests); allocs_per_request from the
//                                        server's own count (SIGUSR1 just before and just after
//                                        the phase: steady state, the connections made and warm).
//   tcp_echo_syscalls/<variant>/conns=N  untimed: the server under `strace -c -f`, driven as
//                                        above with a warm-up of max(200, 4 N) requests and a
//                                        phase of 1000 requests, then again (a fresh server)
//                                        with a phase of 3000; syscalls_per_request = the
//                                        difference of the two `total` call counts over 2000
//                                        (start-up, connections and warm-up cancel).
//   http/<variant>/conns=N               one run of `wrk -t 1 -c N -d 1s --latency --timeout 2s`
//                                        against GET / of the server's HTTP program:
//                                        requests_per_second, latency_p50_ns and latency_p99_ns
//                                        as wrk reports them; units = wrk's request count, so
//                                        ns_per_request = wrk's wall time (its start and
//                                        connections included) / requests;
//                                        server_cpu_ns_per_request (schedstat across the wrk
//                                        run) and allocs_per_request (across the wrk run, whose
//                                        connections are made and closed inside it).
//
// Variants: one_trip and two_trip (gentask's tokio-style reactor, `--dispatch one_trip|two_trip`),
// tokio (current_thread), asio (one io_context) and epoll_floor (a bare epoll loop). The server
// is pinned to the first CPU this process may use and the load (this thread, or wrk) to the
// second, when there are two. A server whose program is missing, or that breaks the contract,
// makes its cases fail (SkipWithError) with the reason; the other cases run. Nothing here runs
// under callgrind (the work is in another process): `--gentask-list` lists no case.
#include "../common/harness.hpp"
#include "../common/latency.hpp"
#include "loadgen.hpp"
#include "server_process.hpp"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#ifndef GENTASK_EXP05_GENTASK_ECHO
#define GENTASK_EXP05_GENTASK_ECHO ""
#endif
#ifndef GENTASK_EXP05_GENTASK_HTTP
#define GENTASK_EXP05_GENTASK_HTTP ""
#endif
#ifndef GENTASK_EXP05_TOKIO_ECHO
#define GENTASK_EXP05_TOKIO_ECHO ""
#endif
#ifndef GENTASK_EXP05_TOKIO_HTTP
#define GENTASK_EXP05_TOKIO_HTTP ""
#endif
#ifndef GENTASK_EXP05_ASIO_ECHO
#define GENTASK_EXP05_ASIO_ECHO ""
#endif
#ifndef GENTASK_EXP05_ASIO_HTTP
#define GENTASK_EXP05_ASIO_HTTP ""
#endif
#ifndef GENTASK_EXP05_FLOOR_ECHO
#define GENTASK_EXP05_FLOOR_ECHO ""
#endif
#ifndef GENTASK_EXP05_FLOOR_HTTP
#define GENTASK_EXP05_FLOOR_HTTP ""
#endif

namespace gentask::exp05 {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t message_size = 64;
constexpr std::uint64_t measured_requests = 5000;
constexpr std::uint64_t syscall_short = 1000;
constexpr std::uint64_t syscall_long = 3000;
constexpr int connection_counts[] = {1, 16, 64};
constexpr const char* wrk_duration = "1s";

/// One side of the comparison: where its echo and HTTP programs are and what they need.
struct server_spec {
  const char* variant;
  const char* echo;  ///< path of the echo program ("" when this build has none)
  const char* http;  ///< path of the HTTP program ("" when this build has none)
  std::vector<std::string> args;
  const char* how_to_build;
};

const std::vector<server_spec>& servers() {
  static const std::vector<server_spec> list = {
      {"one_trip", GENTASK_EXP05_GENTASK_ECHO, GENTASK_EXP05_GENTASK_HTTP,
       {"--dispatch", "one_trip"},
       "gentask's servers are the CMake targets gentask_echo_server and gentask_http_server "
       "(reactors/tokio_style/examples/); this build has none: configure again once they "
       "exist, then build exp05_io_reactor"},
      {"two_trip", GENTASK_EXP05_GENTASK_ECHO, GENTASK_EXP05_GENTASK_HTTP,
       {"--dispatch", "two_trip"},
       "gentask's servers are the CMake targets gentask_echo_server and gentask_http_server "
       "(reactors/tokio_style/examples/); this build has none: configure again once they "
       "exist, then build exp05_io_reactor"},
      {"tokio", GENTASK_EXP05_TOKIO_ECHO, GENTASK_EXP05_TOKIO_HTTP, {},
       "build the Rust peers with experiments/peers/rust/build.sh (the 05 manifest's `prepare` "
       "step runs it; it needs cargo and Debian's librust-*-dev crates, librust-httparse-dev "
       "among them)"},
      {"asio", GENTASK_EXP05_ASIO_ECHO, GENTASK_EXP05_ASIO_HTTP, {},
       "the Asio servers are CMake targets of experiments/peers/asio (exp05_asio_echo_server, "
       "and exp05_asio_http_server when libhttp-parser-dev was installed at configure time)"},
      {"epoll_floor", GENTASK_EXP05_FLOOR_ECHO, GENTASK_EXP05_FLOOR_HTTP, {},
       "the floors are CMake targets of experiments/05-io-reactor (echo.cmake)"},
  };
  return list;
}

struct cpu_plan {
  int server = -1;
  int load = -1;
};

cpu_plan plan_cpus() {
  const auto cpus = allowed_cpus();
  if (cpus.size() < 2) return {};
  return {cpus[0], cpus[1]};
}

/// The program of `spec` for `kind`, or an error naming how to get it.
std::optional<std::string> program(const server_spec& spec, bool http, std::string& error) {
  const std::string path = http ? spec.http : spec.echo;
  const char* what = http ? "HTTP" : "echo";
  if (path.empty()) {
    error = std::string(spec.variant) + ": no " + what + " server in this build: " +
            spec.how_to_build;
    return std::nullopt;
  }
  if (::access(path.c_str(), X_OK) != 0) {
    error = std::string(spec.variant) + ": the " + what + " server " + path +
            " does not exist: " + spec.how_to_build;
    return std::nullopt;
  }
  return path;
}

std::vector<std::string> command(const std::string& path, const server_spec& spec) {
  std::vector<std::string> argv = {path, "--port", "0"};
  argv.insert(argv.end(), spec.args.begin(), spec.args.end());
  return argv;
}

std::uint64_t warmup_requests(int conns) {
  return std::max<std::uint64_t>(500, 16 * static_cast<std::uint64_t>(conns));
}

// ------------------------------------------------------------------------------------------
// tcp_echo

void tcp_echo(benchmark::State& state, const server_spec& spec, int conns) {
  std::string error;
  const auto path = program(spec, false, error);
  if (!path) {
    state.SkipWithError(error.c_str());
    for (auto _ : state) {
    }
    return;
  }
  const cpu_plan cpus = plan_cpus();
  server_process server(command(*path, spec), cpus.server);
  std::vector<std::int64_t> latencies;
  latencies.reserve(measured_requests);
  std::optional<echo_load> load;
  std::optional<std::uint64_t> allocs_before, cpu_before;
  {
    const auto port = server.wait_listening(10s);
    if (port) {
      thread_pin pin(cpus.load);
      load.emplace(*port, conns, message_size);
      const auto warm = load->run(warmup_requests(conns), 20s, nullptr);
      if (!warm.ok) error = "warm-up: " + warm.error;
    } else {
      error = server.error();
    }
  }
  if (error.empty()) {
    allocs_before = server.allocations(5s);
    cpu_before = server.cpu_ns();
    if (!allocs_before) error = server.error();
    if (!cpu_before) error = "no /proc/<pid>/task/*/schedstat for the server";
  }
  if (!error.empty()) state.SkipWithError(error.c_str());
  std::uint64_t completed = 0;
  const auto started = std::chrono::steady_clock::now();
  {
    thread_pin pin(cpus.load);
    for (auto _ : state) {  // the measured phase (timed: wall clock)
      const auto phase = load->run(measured_requests, 30s, &latencies);
      completed += phase.completed;
      if (!phase.ok) {
        error = "measured phase: " + phase.error;
        state.SkipWithError(error.c_str());
        break;
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!error.empty()) return;
  const auto cpu_after = server.cpu_ns();
  const auto allocs_after = server.allocations(5s);
  if (!allocs_after || !cpu_after || !server.stop(5s)) {
    error = cpu_after ? server.error() : "no /proc/<pid>/task/*/schedstat for the server";
    state.SkipWithError(error.c_str());
    return;
  }
  const double n = static_cast<double>(completed);
  std::sort(latencies.begin(), latencies.end());
  state.counters["units"] = n / static_cast<double>(state.iterations());
  state.counters["allocs_per_unit"] = static_cast<double>(*allocs_after - *allocs_before) / n;
  state.counters["metric:server_cpu_ns_per_request:ns"] =
      static_cast<double>(*cpu_after - *cpu_before) / n;
  state.counters["metric:requests_per_second:requests/s"] = n / seconds;
  state.counters["metric:latency_p50_ns:ns"] = bench::nearest_rank(latencies, 0.50);
  state.counters["metric:latency_p99_ns:ns"] = bench::nearest_rank(latencies, 0.99);
}

// ------------------------------------------------------------------------------------------
// tcp_echo_syscalls

/// The `total` row's call count of `strace -c` output.
std::optional<double> strace_total(const std::string& file) {
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    // % time, seconds, usecs/call, calls, [errors,] "total"
    if (words.size() >= 5 && words.back() == "total") return std::strtod(words[3].c_str(), nullptr);
  }
  return std::nullopt;
}

/// One traced server: warm-up, a phase of `requests`, stop; the total system calls.
std::optional<double> traced_run(const std::string& strace, const std::string& path,
                                 const server_spec& spec, int conns, std::uint64_t requests,
                                 std::string& error) {
  char file[] = "/tmp/gentask-exp05-strace-XXXXXX";
  const int fd = ::mkstemp(file);
  if (fd < 0) {
    error = "mkstemp failed";
    return std::nullopt;
  }
  ::close(fd);
  std::vector<std::string> argv = {strace, "-c", "-f", "-o", file, "--"};
  for (auto& a : command(path, spec)) argv.push_back(a);
  const cpu_plan cpus = plan_cpus();
  std::optional<double> total;
  {
    server_process traced(argv, cpus.server);
    [&] {
      const auto port = traced.wait_listening(20s);
      if (!port) return void(error = traced.error());
      const auto child = traced.only_child(2s);
      if (!child) return void(error = "no traced server process under strace");
      thread_pin pin(cpus.load);
      echo_load load(*port, conns, message_size);
      if (!load.error().empty()) return void(error = load.error());
      const auto warm = load.run(std::max<std::uint64_t>(200, 4 * static_cast<std::uint64_t>(conns)),
                                 30s, nullptr);
      if (!warm.ok) return void(error = "warm-up under strace: " + warm.error);
      const auto phase = load.run(requests, 60s, nullptr);
      if (!phase.ok) return void(error = "phase under strace: " + phase.error);
      if (!traced.stop(10s, *child)) return void(error = "under strace: " + traced.error());
      total = strace_total(file);
      if (!total) error = "no `total` row in strace's summary";
    }();
  }
  ::unlink(file);
  return total;
}

void tcp_echo_syscalls(benchmark::State& state, const server_spec& spec, int conns) {
  std::string error;
  const auto path = program(spec, false, error);
  const std::string strace = find_on_path("strace");
  if (path && strace.empty()) error = "strace is not installed (apt-get install strace)";
  if (!error.empty()) state.SkipWithError(error.c_str());
  double total = 0;
  for (auto _ : state) {  // untimed workload: the time is not reported
    const auto lo = traced_run(strace, *path, spec, conns, syscall_short, error);
    const auto hi = lo ? traced_run(strace, *path, spec, conns, syscall_long, error) : lo;
    if (!lo || !hi) {
      state.SkipWithError(error.c_str());
      break;
    }
    total += *hi - *lo;
  }
  if (!error.empty()) return;
  const double n = static_cast<double>(syscall_long - syscall_short);
  state.counters["units"] = n;
  state.counters["metric:syscalls_per_request:syscalls"] =
      total / (n * static_cast<double>(state.iterations()));
}

// ------------------------------------------------------------------------------------------
// http

/// wrk's latency figure ("110.00us", "1.23ms", "2.00s") in ns.
std::optional<double> wrk_time_ns(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const std::string unit = end;
  if (unit == "us") return v * 1e3;
  if (unit == "ms") return v * 1e6;
  if (unit == "s") return v * 1e9;
  if (unit == "ns") return v;
  return std::nullopt;
}

struct wrk_figures {
  double requests = 0;
  double rps = 0;
  std::optional<double> p50, p99;
};

std::optional<wrk_figures> parse_wrk(const std::string& out, std::string& error) {
  wrk_figures r;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.size() >= 3 && w[1] == "requests" && w[2] == "in") r.requests = std::strtod(w[0].c_str(), nullptr);
    if (w.size() == 2 && w[0] == "Requests/sec:") r.rps = std::strtod(w[1].c_str(), nullptr);
    if (w.size() == 2 && w[0] == "50%") r.p50 = wrk_time_ns(w[1]);
    if (w.size() == 2 && w[0] == "99%") r.p99 = wrk_time_ns(w[1]);
    if (line.find("Non-2xx") != std::string::npos || line.find("Socket errors") != std::string::npos) {
      error = "wrk: " + line.substr(line.find_first_not_of(' '));
      return std::nullopt;
    }
  }
  if (r.requests <= 0 || r.rps <= 0 || !r.p50 || !r.p99) {
    error = "could not read wrk's output: " + out.substr(0, 600);
    return std::nullopt;
  }
  return r;
}

void http(benchmark::State& state, const server_spec& spec, int conns) {
  std::string error;
  const auto path = program(spec, true, error);
  const std::string wrk = find_on_path("wrk");
  if (path && wrk.empty()) error = "wrk is not installed (apt-get install wrk)";
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    for (auto _ : state) {
    }
    return;
  }
  const cpu_plan cpus = plan_cpus();
  server_process server(command(*path, spec), cpus.server);
  const auto port = server.wait_listening(10s);
  std::optional<std::uint64_t> allocs_before, cpu_before;
  if (port) {
    allocs_before = server.allocations(5s);
    cpu_before = server.cpu_ns();
    if (!allocs_before) error = server.error();
    if (!cpu_before) error = "no /proc/<pid>/task/*/schedstat for the server";
  } else {
    error = server.error();
  }
  if (!error.empty()) state.SkipWithError(error.c_str());
  double requests = 0, rps = 0, p50 = 0, p99 = 0;
  for (auto _ : state) {  // one wrk run (timed: wall clock, wrk's start and connections included)
    const std::vector<std::string> argv = {
        wrk, "-t", "1", "-c", std::to_string(conns), "-d", wrk_duration, "--latency",
        "--timeout", "2s", "http://127.0.0.1:" + std::to_string(*port) + "/"};
    std::string out;
    const int status = run_captured(argv, cpus.load, 30s, out);
    const auto figures = status == 0 ? parse_wrk(out, error) : std::nullopt;
    if (status != 0) error = "wrk failed: " + out.substr(0, 600);
    if (!figures) {
      state.SkipWithError(error.c_str());
      break;
    }
    requests += figures->requests;
    rps = figures->rps;  // one iteration in practice (see the manifest's min_time); the last
    p50 = *figures->p50;
    p99 = *figures->p99;
  }
  if (!error.empty()) return;
  const auto cpu_after = server.cpu_ns();
  const auto allocs_after = server.allocations(5s);
  if (!allocs_after || !cpu_after || !server.stop(5s)) {
    error = cpu_after ? server.error() : "no /proc/<pid>/task/*/schedstat for the server";
    state.SkipWithError(error.c_str());
    return;
  }
  state.counters["units"] = requests / static_cast<double>(state.iterations());
  state.counters["allocs_per_unit"] =
      static_cast<double>(*allocs_after - *allocs_before) / requests;
  state.counters["metric:server_cpu_ns_per_request:ns"] =
      static_cast<double>(*cpu_after - *cpu_before) / requests;
  state.counters["metric:requests_per_second:requests/s"] = rps;
  state.counters["metric:latency_p50_ns:ns"] = p50;
  state.counters["metric:latency_p99_ns:ns"] = p99;
}

// ------------------------------------------------------------------------------------------

void register_all() {
  for (const auto& spec : servers()) {
    for (const int conns : connection_counts) {
      const std::string param = "/conns=" + std::to_string(conns);
      const std::string v = spec.variant;
      benchmark::RegisterBenchmark(("tcp_echo/" + v + param).c_str(),
                                   [&spec, conns](benchmark::State& s) { tcp_echo(s, spec, conns); })
          ->UseRealTime();
      benchmark::RegisterBenchmark(
          ("tcp_echo_syscalls/" + v + param).c_str(),
          [&spec, conns](benchmark::State& s) { tcp_echo_syscalls(s, spec, conns); })
          ->UseRealTime();
      benchmark::RegisterBenchmark(("http/" + v + param).c_str(),
                                   [&spec, conns](benchmark::State& s) { http(s, spec, conns); })
          ->UseRealTime();
    }
  }
}

const bool registered = (register_all(), true);

}  // namespace
}  // namespace gentask::exp05
