#pragma once
/// @file
/// `tokio_style::epoll_driver`: the tokio-style reactor's I/O driver, an `io_driver` on one
/// edge-triggered epoll set.
///
/// - **Registration**: `register_io(fd)` adds `fd` for readable, writable and peer-closed
///   (`EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET`) once, and returns a registration whose token
///   is a slot index and the slot's generation; the event's data carries both, so an event
///   for a slot that was freed and reused (a new socket on the same descriptor number, or on the
///   same slot) is recognised as stale and dropped. A new registration starts *ready* in both
///   directions: the leaf tries its system call first and waits only after `EAGAIN` (one wait
///   for the registration's first edge saved, as the floor loop does).
/// - **Readiness**: each event ORs its bits into the slot (`EPOLLIN` readable, `EPOLLOUT`
///   writable, `EPOLLRDHUP` read-closed and readable, `EPOLLHUP` both closed and both
///   directions ready, `EPOLLERR` error and both directions ready) and wakes the slot's reader
///   and/or writer. A leaf clears readable, writable and error after `EAGAIN` or a short
///   transfer (`clear_ready`), as tokio does; the closed bits stay.
/// - **Dispatch** (`dispatch`, the reactor's parameter): `one_trip` wakes a waiter as its event
///   is applied, so the reactor polls the task in the same turn; `two_trip` (tokio-core, 2017)
///   queues the wake as a notification that the next `wait` delivers after its own
///   `epoll_wait`, so the task is polled one trip through the kernel later (`has_deferred`).
/// - **Descriptor reuse**: a descriptor closed while still registered leaves epoll by itself;
///   if its number is registered again before the old registration is dropped, the old slot is
///   orphaned (its waiters woken with `error`) and dropping it later does not remove the new
///   descriptor from the set.
/// - **Lifetime**: registrations hold a refcounted anchor; when the driver is destroyed every
///   waiter is woken, and a registration polled afterwards is `detached` (dropping it does
///   nothing); so is one polled through another reactor's driver.
/// - The remote unparker's eventfd is in the same set under a reserved token
///   (`set_wakeup_fd`); its event is consumed here.
///
/// @par Thread Safety
/// Single-threaded: the reactor's thread only.

#include <gentask/core/io_driver.hpp>
#include <gentask/core/thread_check.hpp>
#include <gentask/core/waker.hpp>

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <initializer_list>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace gentask::tokio_style {

/// How a readiness event reaches the task that waits for it.
enum class dispatch : unsigned char {
  one_trip,  ///< the event wakes the task, which is polled in the same turn
  two_trip,  ///< the event queues a notification, delivered after the next epoll_wait
};

class epoll_driver {
 public:
  explicit epoll_driver(dispatch mode = dispatch::one_trip)
      : mode_(mode), epfd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    try {
      anchor_ = new anchor{1, this, std::this_thread::get_id()};
    } catch (...) {
      ::close(epfd_);
      throw;
    }
  }
  epoll_driver(const epoll_driver&) = delete;
  epoll_driver& operator=(const epoll_driver&) = delete;
  /// Wakes every waiter (a later poll of its registration sees `detached`), makes every
  /// registration inert, closes the epoll set.
  ~epoll_driver() {
    anchor_->driver = nullptr;
    anchor_->release();
    for (slot& s : slots_) {
      if (!s.used) continue;
      wake_both(s);
    }
    for (waker& w : deferred_) w.wake();
    deferred_.clear();
    ::close(epfd_);
  }

  // ---- io_driver -------------------------------------------------------------------------

  /// Adds `fd` to the set (readable, writable, peer-closed; edge-triggered).
  [[nodiscard]] io_registration register_io(int fd) {
    if (fd < 0) throw std::system_error(EBADF, std::generic_category(), "register_io");
    std::uint32_t index = 0;
    if (!free_.empty()) {
      index = free_.back();
    } else {
      if (slots_.size() >= max_slots) {
        throw std::system_error(ENOSPC, std::generic_category(), "register_io: too many");
      }
      slots_.emplace_back();
      index = static_cast<std::uint32_t>(slots_.size() - 1);
      free_.push_back(index);  // popped below, once the registration succeeded
    }
    slot& s = slots_[index];
    // The descriptor number is registered already: its old descriptor was closed while still
    // registered (epoll dropped it then). Orphan the old slot so that dropping it later does
    // not remove this new descriptor.
    if (static_cast<std::size_t>(fd) < fd_owner_.size() && fd_owner_[fd] != 0) {
      slot& old = slots_[fd_owner_[fd] - 1];
      old.fd = -1;
      wake_both(old);  // its waiters find it closed: the descriptor is gone
      old.ready |= io_readiness::read_closed | io_readiness::write_closed | io_readiness::error;
      fd_owner_[fd] = 0;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = pack(index, s.generation);
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      throw std::system_error(errno, std::generic_category(), "epoll_ctl(EPOLL_CTL_ADD)");
    }
    if (static_cast<std::size_t>(fd) >= fd_owner_.size()) {
      try {
        fd_owner_.resize(static_cast<std::size_t>(fd) + 1, 0);
      } catch (...) {
        ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
        throw;
      }
    }
    if (mode_ == dispatch::two_trip) {
      // Room for every waiter's notification in both queues, so applying an event never
      // allocates (an edge that could not be queued would be lost for good).
      try {
        const std::size_t room = 2 * (registered_ + 1);
        deferred_.reserve(room);
        delivering_.reserve(room);
      } catch (...) {
        ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
        throw;
      }
    }
    free_.pop_back();
    fd_owner_[fd] = index + 1;
    s.fd = fd;
    s.used = true;
    s.ready = io_readiness::readable | io_readiness::writable;  // try first, wait after EAGAIN
    ++anchor_->refs;
    ++registered_;
    return {anchor_, io_token{index, s.generation}, &release_registration};
  }

  /// The readiness `r` has for `interest`; when none, keeps `w` to wake when it comes.
  [[nodiscard]] io_readiness poll_ready(const io_registration& r, io_interest interest,
                                        const waker& w) {
    slot* s = find(r);
    if (s == nullptr) return io_readiness(io_readiness::detached);
    const unsigned char bits = s->ready & io_readiness::mask_for(interest);
    if (bits != 0) return io_readiness(bits);
    waker& waiter = interest == io_interest::readable ? s->reader : s->writer;
    if (waiter.is_noop()) ++waiters_;
    if (!waiter.will_wake(w)) waiter = w;
    return {};
  }

  /// Forgets `ready`'s readable, writable and error bits (the closed bits stay).
  void clear_ready(const io_registration& r, io_readiness ready) {
    slot* s = find(r);
    if (s == nullptr) return;
    const unsigned char clearable =
        ready.get_bits() & (io_readiness::readable | io_readiness::writable | io_readiness::error);
    s->ready = static_cast<unsigned char>(s->ready & ~clearable);
  }

  // ---- the reactor's side ----------------------------------------------------------------

  /// Waits at most `timeout_ms` (-1: without limit; 0: not at all) for events and applies
  /// them; returns how many events arrived (the unparker's included). Two-trip dispatch: the
  /// notifications queued by the previous `wait` are delivered by this one (their second trip),
  /// those of this wait's events by the next.
  std::size_t wait(int timeout_ms) {
    ++wait_count_;
    delivering_.swap(deferred_);  // empty unless two-trip
    const int n = ::epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()),
                               timeout_ms);
    const int saved_errno = errno;
    for (int i = 0; i < n; ++i) apply(events_[static_cast<std::size_t>(i)]);
    const bool delivered = !delivering_.empty();
    for (waker& w : delivering_) w.wake();
    delivering_.clear();
    if (n < 0) {
      if (saved_errno == EINTR) return delivered ? 1 : 0;
      throw std::system_error(saved_errno, std::generic_category(), "epoll_wait");
    }
    event_count_ += static_cast<std::uint64_t>(n);
    return static_cast<std::size_t>(n) + (delivered ? 1U : 0U);
  }

  /// Two-trip dispatch: whether notifications wait for the next `wait`.
  [[nodiscard]] bool has_deferred() const noexcept { return !deferred_.empty(); }

  /// Puts the remote unparker's eventfd in the set (level-triggered, reserved token); its
  /// events are consumed here.
  void set_wakeup_fd(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = wakeup_token;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      throw std::system_error(errno, std::generic_category(), "epoll_ctl(wakeup eventfd)");
    }
    wakeup_fd_ = fd;
  }

  /// How many registrations have a task waiting (a parked reactor with none, no timer and no
  /// remote handle is stalled).
  [[nodiscard]] std::size_t get_waiter_count() const noexcept { return waiters_; }
  [[nodiscard]] std::size_t get_registration_count() const noexcept { return registered_; }
  [[nodiscard]] dispatch get_dispatch() const noexcept { return mode_; }
  /// `epoll_wait` calls made, and events they returned (for the one-trip/two-trip comparison).
  [[nodiscard]] std::uint64_t get_wait_count() const noexcept { return wait_count_; }
  [[nodiscard]] std::uint64_t get_event_count() const noexcept { return event_count_; }

 private:
  static constexpr std::uint64_t wakeup_token = ~std::uint64_t{0};
  static constexpr std::size_t max_slots = std::size_t{1} << 31;

  struct slot {
    int fd = -1;                 // -1 when orphaned (closed while registered, number reused)
    std::uint32_t generation = 0;
    unsigned char ready = 0;
    bool used = false;
    waker reader;
    waker writer;
  };

  /// What registrations point at: the driver while it exists. Refcounted (single-threaded).
  struct anchor {
    std::size_t refs;
    epoll_driver* driver;
    std::thread::id owner;
    void release() noexcept {
      if (--refs == 0) delete this;
    }
  };

  static std::uint64_t pack(std::uint32_t index, std::uint32_t generation) noexcept {
    return (std::uint64_t{generation} << 32) | index;
  }

  static void release_registration(void* driver, io_token token) noexcept {
    auto* a = static_cast<anchor*>(driver);
    gentask::detail::check_owner_thread(a->owner, "an io_registration (a socket of the tokio-style reactor)",
                       "drop sockets on their reactor's thread");
    if (a->driver != nullptr) a->driver->deregister(token);
    a->release();
  }

  [[nodiscard]] slot* find(const io_registration& r) noexcept {
    if (r.get_driver() != anchor_) return nullptr;  // empty, or another driver's
    const io_token t = r.get_token();
    if (t.index >= slots_.size()) return nullptr;
    slot& s = slots_[t.index];
    return s.used && s.generation == t.generation ? &s : nullptr;
  }

  void deregister(io_token token) noexcept {
    slot& s = slots_[token.index];
    if (!s.used || s.generation != token.generation) return;
    if (s.fd >= 0) {
      // The descriptor may be closed already (then epoll dropped it: EBADF or ENOENT, fine).
      ::epoll_ctl(epfd_, EPOLL_CTL_DEL, s.fd, nullptr);
      if (static_cast<std::size_t>(s.fd) < fd_owner_.size() && fd_owner_[s.fd] == token.index + 1)
        fd_owner_[s.fd] = 0;
    }
    wake_both(s);  // a waiter polling it again finds it gone (`detached`; its source, EBADF)
    s.used = false;
    s.fd = -1;
    s.ready = 0;
    ++s.generation;  // events still queued for it, and its registration, are now stale
    --registered_;
    try {
      free_.push_back(token.index);
    } catch (...) {
      // The slot stays unused and unreachable: a leak of one slot, not an error.
    }
  }

  void apply(const epoll_event& ev) {
    if (ev.data.u64 == wakeup_token) {
      std::uint64_t count = 0;
      while (::read(wakeup_fd_, &count, sizeof count) > 0) {
      }
      return;
    }
    const auto index = static_cast<std::uint32_t>(ev.data.u64 & 0xffffffffU);
    const auto generation = static_cast<std::uint32_t>(ev.data.u64 >> 32);
    if (index >= slots_.size()) return;
    slot& s = slots_[index];
    if (!s.used || s.generation != generation) return;  // stale: the slot was freed or reused
    unsigned char bits = 0;
    if ((ev.events & EPOLLIN) != 0) bits |= io_readiness::readable;
    if ((ev.events & EPOLLOUT) != 0) bits |= io_readiness::writable;
    if ((ev.events & EPOLLRDHUP) != 0) bits |= io_readiness::readable | io_readiness::read_closed;
    if ((ev.events & EPOLLHUP) != 0) {
      bits |= io_readiness::readable | io_readiness::writable | io_readiness::read_closed |
              io_readiness::write_closed;
    }
    if ((ev.events & EPOLLERR) != 0) {
      bits |= io_readiness::readable | io_readiness::writable | io_readiness::error;
    }
    s.ready |= bits;
    if ((bits & io_readiness::mask_for(io_interest::readable)) != 0) notify(s.reader);
    if ((bits & io_readiness::mask_for(io_interest::writable)) != 0) notify(s.writer);
  }

  /// Wakes (one trip) or queues the wake (two trips) of a waiter, and forgets it: the task
  /// registers again when it finds no readiness.
  void notify(waker& w) {
    if (w.is_noop()) return;
    --waiters_;
    if (mode_ == dispatch::one_trip) {
      std::exchange(w, waker()).wake();
    } else {
      deferred_.push_back(std::exchange(w, waker()));
    }
  }

  void wake_both(slot& s) noexcept {
    for (waker* w : {&s.reader, &s.writer}) {
      if (w->is_noop()) continue;
      --waiters_;
      std::exchange(*w, waker()).wake();
    }
  }

  dispatch mode_;
  int epfd_;
  int wakeup_fd_ = -1;
  anchor* anchor_ = nullptr;
  std::vector<slot> slots_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint32_t> fd_owner_;  // descriptor number -> slot index + 1 (0: none)
  std::vector<waker> deferred_;
  std::vector<waker> delivering_;
  std::array<epoll_event, 256> events_{};
  std::size_t registered_ = 0;
  std::size_t waiters_ = 0;  // readers and writers kept
  std::uint64_t wait_count_ = 0;
  std::uint64_t event_count_ = 0;
};

static_assert(io_driver<epoll_driver>);

}  // namespace gentask::tokio_style
