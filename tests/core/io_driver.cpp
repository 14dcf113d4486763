// io_driver.hpp: the io_driver concept (register_io -> io_registration, poll_ready ->
// io_readiness, clear_ready -> void, on a mutable driver, with a const waker), io_interest,
// io_readiness and io_registration.
#include <gentask/core/io_driver.hpp>

#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/core/waker.hpp>

#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <type_traits>

using namespace gentask;
namespace arch = gentask::archetypes;

namespace {

/// The exact shape the concept's doc names.
struct exact {
  io_registration register_io(int fd);
  io_readiness poll_ready(const io_registration& r, io_interest i, const waker& w);
  void clear_ready(const io_registration& r, io_readiness ready);
};
struct by_value_waker {  // a copy of the handle is fine
  io_registration register_io(int fd);
  io_readiness poll_ready(const io_registration& r, io_interest i, waker w);
  void clear_ready(const io_registration& r, io_readiness ready);
};
struct mutable_waker {  // the concept passes a const waker
  io_registration register_io(int fd);
  io_readiness poll_ready(const io_registration& r, io_interest i, waker& w);
  void clear_ready(const io_registration& r, io_readiness ready);
};
struct bool_readiness {  // must be exactly io_readiness: a bool cannot say closed or error
  io_registration register_io(int fd);
  bool poll_ready(const io_registration& r, io_interest i, const waker& w);
  void clear_ready(const io_registration& r, io_readiness ready);
};
struct bool_clear {  // must be exactly void
  io_registration register_io(int fd);
  io_readiness poll_ready(const io_registration& r, io_interest i, const waker& w);
  bool clear_ready(const io_registration& r, io_readiness ready);
};
struct keyed_by_fd {  // the old shape: a reused descriptor number would get a stale event
  bool poll_ready(int fd, io_interest i, const waker& w);
  void clear_ready(int fd, io_interest i);
  void deregister(int fd);
};
struct no_register {
  io_readiness poll_ready(const io_registration& r, io_interest i, const waker& w);
  void clear_ready(const io_registration& r, io_readiness ready);
};
struct no_clear {
  io_registration register_io(int fd);
  io_readiness poll_ready(const io_registration& r, io_interest i, const waker& w);
};
struct int_interest {  // interest as a plain int: io_interest does not convert to it
  io_registration register_io(int fd);
  io_readiness poll_ready(const io_registration& r, int i, const waker& w);
  void clear_ready(const io_registration& r, io_readiness ready);
};
struct const_members {  // const members work on a mutable driver too
  io_registration register_io(int fd) const;
  io_readiness poll_ready(const io_registration& r, io_interest i, const waker& w) const;
  void clear_ready(const io_registration& r, io_readiness ready) const;
};

struct task_with_driver : test::counting_task {
  exact& get_io_driver();
};
struct task_with_driver_by_value : test::counting_task {
  exact get_io_driver();
};
struct task_with_bad_driver : test::counting_task {
  no_register& get_io_driver();
};

}  // namespace

TEST_CASE("io_driver requires register, poll and clear with exactly their result types",
          "[core][io_driver]") {
  // clang-format off
  STATIC_REQUIRE( io_driver<exact>);
  STATIC_REQUIRE( io_driver<arch::io_driver_archetype>);
  STATIC_REQUIRE( io_driver<by_value_waker>);
  STATIC_REQUIRE( io_driver<const_members>);
  STATIC_REQUIRE( io_driver<const const_members>);
  STATIC_REQUIRE(!io_driver<const exact>);       // the operations change the driver
  STATIC_REQUIRE(!io_driver<mutable_waker>);
  STATIC_REQUIRE(!io_driver<bool_readiness>);
  STATIC_REQUIRE(!io_driver<bool_clear>);
  STATIC_REQUIRE(!io_driver<keyed_by_fd>);
  STATIC_REQUIRE(!io_driver<no_register>);
  STATIC_REQUIRE(!io_driver<no_clear>);
  STATIC_REQUIRE(!io_driver<int_interest>);
  STATIC_REQUIRE(!io_driver<int>);
  STATIC_REQUIRE(!io_driver<arch::timer_driver_archetype>);
  // clang-format on
}

TEST_CASE("io_task is a task whose get_io_driver gives an io_driver", "[core][io_driver]") {
  STATIC_REQUIRE(io_task<task_with_driver>);
  STATIC_REQUIRE(io_task<task_with_driver_by_value>);  // the driver may be a handle
  STATIC_REQUIRE(!io_task<task_with_bad_driver>);
  STATIC_REQUIRE(!io_task<test::counting_task>);
}

TEST_CASE("io_interest has the two interests as distinct bits", "[core][io_driver]") {
  STATIC_REQUIRE(std::is_same_v<std::underlying_type_t<io_interest>, unsigned char>);
  STATIC_REQUIRE(static_cast<unsigned>(io_interest::readable) == 1U);
  STATIC_REQUIRE(static_cast<unsigned>(io_interest::writable) == 2U);
  STATIC_REQUIRE((static_cast<unsigned>(io_interest::readable) &
                  static_cast<unsigned>(io_interest::writable)) == 0U);
  STATIC_REQUIRE(!std::is_convertible_v<io_interest, int>);  // scoped
}

TEST_CASE("io_readiness answers each interest with its own direction's bits",
          "[core][io_driver]") {
  using r = io_readiness;
  STATIC_REQUIRE(r::mask_for(io_interest::readable) ==
                 (r::readable | r::read_closed | r::error | r::detached));
  STATIC_REQUIRE(r::mask_for(io_interest::writable) ==
                 (r::writable | r::write_closed | r::error | r::detached));
  constexpr io_readiness both(r::readable | r::writable);
  STATIC_REQUIRE(both.is_readable() && both.is_writable() && !both.is_error());
  STATIC_REQUIRE(io_readiness().is_empty());
  STATIC_REQUIRE(io_readiness(r::error).is_error());
  STATIC_REQUIRE(io_readiness(r::detached).is_detached() && !io_readiness(r::detached).is_error());
}

namespace {
struct release_log {
  int calls = 0;
  io_token last{};
};
io_registration make_logged(release_log& log, io_token t) {
  return {&log, t, [](void* d, io_token token) noexcept {
            auto* l = static_cast<release_log*>(d);
            ++l->calls;
            l->last = token;
          }};
}
}  // namespace

TEST_CASE("io_registration releases once, on reset, assignment or destruction, not when moved from",
          "[core][io_driver]") {
  release_log log;
  {
    io_registration a = make_logged(log, {3, 7});
    REQUIRE(a.is_registered());
    REQUIRE(a.get_token() == io_token{3, 7});
    REQUIRE(a.get_driver() == &log);
    io_registration b = std::move(a);
    REQUIRE_FALSE(a.is_registered());  // NOLINT(bugprone-use-after-move): the moved-from state
    REQUIRE(log.calls == 0);
    b = make_logged(log, {4, 1});  // the first registration is released
    REQUIRE(log.calls == 1);
    REQUIRE(log.last == io_token{3, 7});
    b.reset();
    REQUIRE(log.calls == 2);
    b.reset();  // empty: nothing
    REQUIRE(log.calls == 2);
    io_registration c = make_logged(log, {9, 9});
  }
  REQUIRE(log.calls == 3);
  REQUIRE(log.last == io_token{9, 9});
  STATIC_REQUIRE(!std::is_copy_constructible_v<io_registration>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<io_registration>);
}
