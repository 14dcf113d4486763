#pragma once
/// @file
/// The harness's side of experiment 05's server contract (README.md, "Servers"): start a server
/// program pinned to one CPU with its stdout on a pipe, wait for `listening <port>`, ask it for
/// `allocations <n>` (SIGUSR1), read its CPU time from /proc/<pid>/task/*/schedstat (every
/// thread, nanoseconds), and stop it with SIGTERM (it must exit 0 promptly). Also: run a
/// command to completion with its output captured (wrk), and pin the calling thread.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gentask::exp05 {

/// The CPUs this process may run on (sched_getaffinity), in order.
std::vector<int> allowed_cpus();

/// Pins the calling thread to `cpu` for its lifetime and restores the previous mask after; does
/// nothing when `cpu` < 0.
class thread_pin {
 public:
  explicit thread_pin(int cpu);
  thread_pin(const thread_pin&) = delete;
  thread_pin& operator=(const thread_pin&) = delete;
  ~thread_pin();

 private:
  bool pinned_ = false;
  std::vector<unsigned char> saved_;  ///< the previous cpu_set_t
};

class server_process {
 public:
  /// Starts `argv` (argv[0] a path) pinned to `cpu` (< 0: not pinned), stdout on a pipe,
  /// stderr inherited. Check `error()`.
  server_process(const std::vector<std::string>& argv, int cpu);
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  /// Kills it (SIGKILL) if it still runs.
  ~server_process();

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

  /// Waits for `listening <port>`; nullopt (and error()) on timeout, exit, or another line.
  std::optional<std::uint16_t> wait_listening(std::chrono::milliseconds timeout);
  /// SIGUSR1 to `target` (default: the process itself), then waits for `allocations <n>`.
  std::optional<std::uint64_t> allocations(std::chrono::milliseconds timeout, pid_t target = 0);
  /// CPU time of every thread of `target` (default: the process itself), from schedstat.
  [[nodiscard]] std::optional<std::uint64_t> cpu_ns(pid_t target = 0) const;
  /// SIGTERM to `target` (default: the process itself), then waits for the process to exit.
  /// Returns true when it exited with status 0 in time; otherwise kills it and says why in
  /// error().
  bool stop(std::chrono::milliseconds timeout, pid_t target = 0);
  /// The one child of the process (for a server started under strace): nullopt if none.
  [[nodiscard]] std::optional<pid_t> only_child(std::chrono::milliseconds timeout) const;

 private:
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool reaped_ = false;
  std::string pending_;  ///< bytes read past the last line
  std::string error_;
};

/// Runs `argv` to completion pinned to `cpu`, with stdout and stderr captured; kills it after
/// `timeout`. Returns the exit status (-1: did not exit in time or could not start).
int run_captured(const std::vector<std::string>& argv, int cpu, std::chrono::milliseconds timeout,
                 std::string& output);

/// The path of `name` on PATH, or empty.
std::string find_on_path(const std::string& name);

}  // namespace gentask::exp05
