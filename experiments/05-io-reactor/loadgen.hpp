#pragma once
/// @file
/// Experiment 05's TCP echo load generator, written once and used against every server (the
/// gentask servers, tokio, Asio and the bare epoll floor): N connections to 127.0.0.1:port, each
/// a closed loop (send one message of `message_size` bytes, wait until all of its echo is back,
/// send the next), all driven by one thread through one epoll set (level-triggered), so the
/// generator's own cost does not depend on the server. A phase issues exactly `requests`
/// messages spread over the connections (each connection starts one, and each echo that comes
/// back starts the next on its connection until the phase has issued them all) and ends when
/// every echo is back, so the connections are idle between phases: a phase boundary is a
/// quiescent point of the server. Every echo is checked byte for byte (the message carries its
/// connection and sequence number). Per request it can record the latency: the time from just
/// before the `write` of the message to just after the `read` that completed its echo
/// (steady_clock). Nothing here allocates during a phase (the sample vector is reserved by the
/// caller).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gentask::exp05 {

struct phase_result {
  std::uint64_t completed = 0;  ///< requests whose echo came back
  std::chrono::nanoseconds elapsed{0};
  bool ok = false;
  std::string error;  ///< why not ok: the deadline passed, a wrong echo, a closed connection
};

class echo_load {
 public:
  /// Connects `connections` sockets (blocking connect, then non-blocking, TCP_NODELAY). Check
  /// `error()` afterwards.
  echo_load(std::uint16_t port, int connections, std::size_t message_size);
  echo_load(const echo_load&) = delete;
  echo_load& operator=(const echo_load&) = delete;
  ~echo_load();

  [[nodiscard]] const std::string& error() const { return error_; }

  /// Runs one phase of `requests` requests; gives up (ok = false) after `limit`. With
  /// `latencies`, appends one sample (ns) per completed request (reserve it beforehand).
  phase_result run(std::uint64_t requests, std::chrono::nanoseconds limit,
                   std::vector<std::int64_t>* latencies);

 private:
  struct connection {
    int fd = -1;
    std::size_t received = 0;  ///< bytes of the current echo read so far
    std::uint64_t sequence = 0;
    std::chrono::steady_clock::time_point sent;
    bool busy = false;
  };
  bool send(std::size_t index);

  int epoll_fd_ = -1;
  std::size_t message_size_;
  std::vector<connection> connections_;
  std::vector<unsigned char> out_;  ///< the message being sent
  std::vector<unsigned char> in_;   ///< echo bytes, message_size_ per connection
  std::string error_;
};

}  // namespace gentask::exp05
