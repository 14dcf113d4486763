// io_driver.hpp: the io_driver concept (poll_ready -> bool, clear_ready -> void, deregister ->
// void, on a mutable driver, with a const waker) and io_interest.
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
  bool poll_ready(int fd, io_interest i, const waker& w);
  void clear_ready(int fd, io_interest i);
  void deregister(int fd);
};
struct by_value_waker {  // a copy of the handle is fine
  bool poll_ready(int fd, io_interest i, waker w);
  void clear_ready(int fd, io_interest i);
  void deregister(int fd);
};
struct mutable_waker {  // the concept passes a const waker
  bool poll_ready(int fd, io_interest i, waker& w);
  void clear_ready(int fd, io_interest i);
  void deregister(int fd);
};
struct int_readiness {  // must be exactly bool
  int poll_ready(int fd, io_interest i, const waker& w);
  void clear_ready(int fd, io_interest i);
  void deregister(int fd);
};
struct bool_clear {  // must be exactly void
  bool poll_ready(int fd, io_interest i, const waker& w);
  bool clear_ready(int fd, io_interest i);
  void deregister(int fd);
};
struct no_deregister {
  bool poll_ready(int fd, io_interest i, const waker& w);
  void clear_ready(int fd, io_interest i);
};
struct no_clear {
  bool poll_ready(int fd, io_interest i, const waker& w);
  void deregister(int fd);
};
struct int_interest {  // interest as a plain int: io_interest does not convert to it
  bool poll_ready(int fd, int i, const waker& w);
  void clear_ready(int fd, int i);
  void deregister(int fd);
};
struct const_members {  // const members work on a mutable driver too
  bool poll_ready(int fd, io_interest i, const waker& w) const;
  void clear_ready(int fd, io_interest i) const;
  void deregister(int fd) const;
};

struct task_with_driver : test::counting_task {
  exact& get_io_driver();
};
struct task_with_driver_by_value : test::counting_task {
  exact get_io_driver();
};
struct task_with_bad_driver : test::counting_task {
  no_deregister& get_io_driver();
};

}  // namespace

TEST_CASE("io_driver requires the three operations with exactly their result types",
          "[core][io_driver]") {
  // clang-format off
  STATIC_REQUIRE( io_driver<exact>);
  STATIC_REQUIRE( io_driver<arch::io_driver_archetype>);
  STATIC_REQUIRE( io_driver<by_value_waker>);
  STATIC_REQUIRE( io_driver<const_members>);
  STATIC_REQUIRE( io_driver<const const_members>);
  STATIC_REQUIRE(!io_driver<const exact>);       // the operations change the driver
  STATIC_REQUIRE(!io_driver<mutable_waker>);
  STATIC_REQUIRE(!io_driver<int_readiness>);
  STATIC_REQUIRE(!io_driver<bool_clear>);
  STATIC_REQUIRE(!io_driver<no_deregister>);
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
