#include "server_process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace gentask::exp05 {

namespace {

using clock_type = std::chrono::steady_clock;

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

/// fork + exec with stdout (and, when `capture_stderr`, stderr) on a new pipe, pinned to `cpu`.
/// Only async-signal-safe calls between fork and exec.
pid_t spawn(const std::vector<std::string>& argv, int cpu, bool capture_stderr, int& read_fd,
            std::string& error) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("pipe2: ") + std::strerror(errno);
    return -1;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu >= 0) CPU_SET(cpu, &set);
  auto args = c_argv(argv);
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a harness that dies takes its server with it
    if (cpu >= 0) ::sched_setaffinity(0, sizeof set, &set);
    ::dup2(fds[1], 1);
    if (capture_stderr) ::dup2(fds[1], 2);
    ::execv(args[0], args.data());
    const char msg[] = "exec failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(fds[1]);
  read_fd = fds[0];
  return pid;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

/// waitpid with a timeout (polling every millisecond). Returns the status, or nullopt.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (clock_type::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> out;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return out;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) out.push_back(c);
  }
  return out;
}

thread_pin::thread_pin(int cpu) {
  if (cpu < 0) return;
  saved_.resize(sizeof(cpu_set_t));
  auto* old = reinterpret_cast<cpu_set_t*>(saved_.data());
  if (::sched_getaffinity(0, sizeof(cpu_set_t), old) != 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pinned_ = ::sched_setaffinity(0, sizeof set, &set) == 0;
}

thread_pin::~thread_pin() {
  if (pinned_) {
    ::sched_setaffinity(0, sizeof(cpu_set_t), reinterpret_cast<cpu_set_t*>(saved_.data()));
  }
}

server_process::server_process(const std::vector<std::string>& argv, int cpu) {
  if (argv.empty() || ::access(argv[0].c_str(), X_OK) != 0) {
    error_ = (argv.empty() ? std::string("no program") : argv[0]) + " is not an executable";
    return;
  }
  pid_ = spawn(argv, cpu, false, out_fd_, error_);
}

server_process::~server_process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

std::optional<std::string> server_process::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    const auto nl = pending_.find('\n');
    if (nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                            clock_type::now());
    if (left.count() <= 0) {
      error_ = "no line on the server's stdout within " + std::to_string(timeout.count()) + " ms";
      return std::nullopt;
    }
    pollfd p{out_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[512];
    const ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int status = 0;
      if (::waitpid(pid_, &status, 0) == pid_) {
        reaped_ = true;
        error_ = "the server closed its stdout and " + describe_status(status);
      } else {
        error_ = "the server closed its stdout";
      }
      return std::nullopt;
    }
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

std::optional<std::uint16_t> server_process::wait_listening(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  auto line = read_line(timeout);
  if (!line) return std::nullopt;
  unsigned port = 0;
  char rest = 0;
  if (std::sscanf(line->c_str(), "listening %u%c", &port, &rest) != 1 || port == 0 ||
      port > 65535) {
    error_ = "expected `listening <port>` from the server, got `" + *line + "`";
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(port);
}

std::optional<std::uint64_t> server_process::allocations(std::chrono::milliseconds timeout,
                                                         pid_t target) {
  if (pid_ <= 0 || reaped_) return std::nullopt;
  ::kill(target > 0 ? target : pid_, SIGUSR1);
  auto line = read_line(timeout);
  if (!line) return std::nullopt;
  unsigned long long n = 0;
  char rest = 0;
  if (std::sscanf(line->c_str(), "allocations %llu%c", &n, &rest) != 1) {
    error_ = "expected `allocations <n>` from the server, got `" + *line + "`";
    return std::nullopt;
  }
  return n;
}

std::optional<std::uint64_t> server_process::cpu_ns(pid_t target) const {
  const std::string task_dir = "/proc/" + std::to_string(target > 0 ? target : pid_) + "/task";
  DIR* dir = ::opendir(task_dir.c_str());
  if (dir == nullptr) return std::nullopt;
  std::uint64_t total = 0;
  bool any = false;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(task_dir + "/" + e->d_name + "/schedstat");
    unsigned long long on_cpu = 0;
    if (f >> on_cpu) {  // first field: time spent on the CPU, ns
      total += on_cpu;
      any = true;
    }
  }
  ::closedir(dir);
  if (!any) return std::nullopt;
  return total;
}

bool server_process::stop(std::chrono::milliseconds timeout, pid_t target) {
  if (pid_ <= 0 || reaped_) return false;
  ::kill(target > 0 ? target : pid_, SIGTERM);
  auto status = wait_for(pid_, timeout);
  if (!status) {
    ::kill(pid_, SIGKILL);
    int s = 0;
    ::waitpid(pid_, &s, 0);
    reaped_ = true;
    error_ = "the server did not exit within " + std::to_string(timeout.count()) +
             " ms of SIGTERM (killed)";
    return false;
  }
  reaped_ = true;
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    error_ = "the server " + describe_status(*status) + " after SIGTERM (the contract: exit 0)";
    return false;
  }
  return true;
}

std::optional<pid_t> server_process::only_child(std::chrono::milliseconds timeout) const {
  const auto deadline = clock_type::now() + timeout;
  do {
    DIR* dir = ::opendir("/proc");
    std::optional<pid_t> found;
    while (const dirent* e = dir ? ::readdir(dir) : nullptr) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::ifstream f(std::string("/proc/") + e->d_name + "/stat");
      std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      const auto close_paren = stat.rfind(')');  // the command name may hold spaces
      if (close_paren == std::string::npos) continue;
      std::istringstream fields(stat.substr(close_paren + 1));
      char state = 0;
      pid_t ppid = 0;
      if (fields >> state >> ppid && ppid == pid_) found = std::atoi(e->d_name);
    }
    if (dir) ::closedir(dir);
    if (found) return found;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  } while (clock_type::now() < deadline);
  return std::nullopt;
}

int run_captured(const std::vector<std::string>& argv, int cpu, std::chrono::milliseconds timeout,
                 std::string& output) {
  std::string error;
  int fd = -1;
  const pid_t pid = spawn(argv, cpu, true, fd, error);
  if (pid < 0) {
    output = error;
    return -1;
  }
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                            clock_type::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      int s = 0;
      ::waitpid(pid, &s, 0);
      ::close(fd);
      output += "\n(killed after " + std::to_string(timeout.count()) + " ms)";
      return -1;
    }
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = dirs.find(':', start);
    const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos
                                                                         : end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

}  // namespace gentask::exp05
