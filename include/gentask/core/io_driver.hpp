#pragma once
/// @file
/// The `io_driver` concept: the readiness interface an `io_task` gives its futures.
///
/// How does the executor know what a future waits on? The leaf tells it, through its task: a
/// socket future registers its file descriptor once (`register_io`), and each time an operation
/// would block it asks `poll_ready` with the task's waker; the driver keeps that waker and wakes
/// it when the kernel reports readiness. Nothing else in the runtime knows about descriptors.
///
/// Concretely, a type `D` satisfies `io_driver` if, for a file descriptor `fd`, a registration
/// `r`, an interest `i`, a readiness `ready` and a wake handle `w`:
///   1. `d.register_io(fd)` returns an `io_registration` for `fd` (throwing `std::system_error`
///      when the kernel refuses); the registration carries a generation, so a registration kept
///      after its descriptor number was reused by another registration sees nothing of it;
///   2. `d.poll_ready(r, i, w)` returns the readiness `r` has for `i` (`readable` with
///      `read_closed` and `error`, or `writable` with `write_closed` and `error`), and, when that
///      is empty, keeps `w` and wakes it when the readiness arrives. A registration that is not
///      this driver's, or whose driver is gone, is reported as `detached` (it can never become
///      ready: the leaf fails instead of waiting);
///   3. `d.clear_ready(r, ready)` forgets `ready`'s readable, writable and error bits after an
///      operation returned `EAGAIN` (or transferred short), so the next `poll_ready` waits for a
///      new edge; the closed bits stay (a closed direction stays closed).
/// Dropping the registration (or `reset()`) removes the descriptor from the driver, before the
/// descriptor is closed; it may outlive its driver (then it does nothing), as timer
/// registrations and join handles do.
///
/// This is the shape of tokio's `Registration::poll_ready` / `clear_readiness`. Single-threaded
/// drivers need no tick to tell a stale readiness from a new one: readiness changes only inside
/// the driver's own wait, never between a leaf's `poll_ready` and its `clear_ready`.
///
/// @see io_task, tokio_style::epoll_driver

#include <gentask/core/waker.hpp>

#include <concepts>
#include <cstdint>
#include <utility>

namespace gentask {

/// What a future waits for on a file descriptor.
enum class io_interest : unsigned char { readable = 1, writable = 2 };

/// The readiness a driver has seen for a registration: a set of bits.
class io_readiness {
 public:
  static constexpr unsigned char readable = 1;
  static constexpr unsigned char writable = 2;
  static constexpr unsigned char read_closed = 4;   ///< the peer will send nothing more (EPOLLRDHUP)
  static constexpr unsigned char write_closed = 8;  ///< nothing more can be sent (EPOLLHUP)
  static constexpr unsigned char error = 16;        ///< an error is pending (EPOLLERR)
  static constexpr unsigned char detached = 32;     ///< not this driver's registration, or its
                                                    ///< driver is gone: never ready

  constexpr io_readiness() noexcept = default;
  constexpr explicit io_readiness(unsigned char bits) noexcept : bits_(bits) {}

  /// The bits that answer `interest` (the other direction's are left out).
  [[nodiscard]] static constexpr unsigned char mask_for(io_interest interest) noexcept {
    return interest == io_interest::readable ? (readable | read_closed | error | detached)
                                             : (writable | write_closed | error | detached);
  }

  [[nodiscard]] constexpr bool is_empty() const noexcept { return bits_ == 0; }
  [[nodiscard]] constexpr bool has(unsigned char bits) const noexcept {
    return (bits_ & bits) != 0;
  }
  [[nodiscard]] constexpr bool is_readable() const noexcept { return has(readable); }
  [[nodiscard]] constexpr bool is_writable() const noexcept { return has(writable); }
  [[nodiscard]] constexpr bool is_read_closed() const noexcept { return has(read_closed); }
  [[nodiscard]] constexpr bool is_write_closed() const noexcept { return has(write_closed); }
  [[nodiscard]] constexpr bool is_error() const noexcept { return has(error); }
  [[nodiscard]] constexpr bool is_detached() const noexcept { return has(detached); }
  [[nodiscard]] constexpr unsigned char get_bits() const noexcept { return bits_; }

  friend constexpr bool operator==(io_readiness, io_readiness) noexcept = default;

 private:
  unsigned char bits_ = 0;
};

/// One registration's address in its driver: an index into the driver's table and the
/// generation the slot had when the registration was made.
struct io_token {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  friend constexpr bool operator==(io_token, io_token) noexcept = default;
};

/// A descriptor's registration with a driver; destroying it (or `reset()`) removes the
/// descriptor from the driver if the driver still exists. Move-only. It does not own the
/// descriptor: the owner drops the registration first, then closes it.
class io_registration {
 public:
  using release_fn = void (*)(void* driver, io_token token) noexcept;

  io_registration() noexcept = default;
  /// Made by a driver: `driver` is what `release` receives (the driver's refcounted anchor).
  io_registration(void* driver, io_token token, release_fn release) noexcept
      : driver_(driver), token_(token), release_(release) {}
  io_registration(io_registration&& other) noexcept
      : driver_(std::exchange(other.driver_, nullptr)),
        token_(other.token_),
        release_(other.release_) {}
  io_registration& operator=(io_registration&& other) noexcept {
    if (this != &other) {
      reset();
      driver_ = std::exchange(other.driver_, nullptr);
      token_ = other.token_;
      release_ = other.release_;
    }
    return *this;
  }
  ~io_registration() { reset(); }

  /// Deregisters (if registered); the registration is then empty.
  void reset() noexcept {
    if (driver_ != nullptr) release_(std::exchange(driver_, nullptr), token_);
  }

  [[nodiscard]] bool is_registered() const noexcept { return driver_ != nullptr; }
  [[nodiscard]] io_token get_token() const noexcept { return token_; }
  /// What identifies the driver that made it (null when empty): a driver checks it is its own.
  [[nodiscard]] const void* get_driver() const noexcept { return driver_; }

 private:
  void* driver_ = nullptr;
  io_token token_{};
  release_fn release_ = nullptr;
};

template <class D>
concept io_driver = requires(D& d, int fd, const io_registration& r, io_interest i,
                             io_readiness ready, const waker& w) {
  { d.register_io(fd) } -> std::same_as<io_registration>;
  { d.poll_ready(r, i, w) } -> std::same_as<io_readiness>;
  { d.clear_ready(r, ready) } -> std::same_as<void>;
};

}  // namespace gentask
