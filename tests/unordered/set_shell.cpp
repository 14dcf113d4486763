// detail::set_shell: the shell the sets that poll their own children share (moves, destruction,
// the reentrancy check, and the poll guard that takes over the storage when the set is destroyed
// from inside a child's poll), driven here with a storage that records what happens to it. The
// variants' own behaviour under it is in poll_all.cpp, ready_id_set.cpp, per_leaf_notify.cpp and
// shared_suite.cpp.
#include <gentask/unordered/set_shell.hpp>

#include <gentask/unordered/per_leaf_notify.hpp>
#include <gentask/unordered/poll_all.hpp>
#include <gentask/unordered/ready_id_set.hpp>

#include "unordered/scripted_child.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace gentask;

namespace {

/// A storage that holds one "child" (a name) and logs when children are destroyed.
struct logged_storage {
  std::vector<std::string>* log = nullptr;
  std::string child;  // empty: none

  logged_storage() = default;
  logged_storage(logged_storage&& other) noexcept
      : log(other.log), child(std::exchange(other.child, {})) {}
  logged_storage& operator=(logged_storage&& other) noexcept {
    if (this != &other) {
      clear();
      log = other.log;
      child = std::exchange(other.child, {});
    }
    return *this;
  }
  ~logged_storage() { clear(); }

  void clear() noexcept {
    if (!child.empty()) log->push_back("destroy " + std::exchange(child, {}));
  }
};

/// The smallest set on the shell: `poll` runs `during` as its one child's poll, under the guard.
class toy_set : private detail::set_shell<logged_storage> {
  using shell = detail::set_shell<logged_storage>;

 public:
  toy_set(std::vector<std::string>& log, std::string child) {
    s_.log = &log;
    s_.child = std::move(child);
  }
  toy_set(toy_set&&) noexcept = default;
  toy_set& operator=(toy_set&&) noexcept = default;
  ~toy_set() = default;

  [[nodiscard]] const std::string& child() const noexcept { return s_.child; }
  using shell::is_polling;

  /// Returns whether the set survived the child's poll.
  template <class Fn>
  bool poll(Fn&& during) {
    check_not_polling("toy_set::poll: not reentrant");
    guard g(*this);
    during();
    return !g.set_destroyed();
  }

 private:
  struct guard : shell::poll_guard_base {
    explicit guard(toy_set& set) noexcept : shell::poll_guard_base(set), log(set.s_.log) {}
    ~guard() { log->push_back(set_destroyed() ? "guard: set gone" : "guard: set alive"); }
    std::vector<std::string>* log;
  };
};

}  // namespace

TEST_CASE("a set on the shell is move-only and its moves leave the source empty",
          "[unordered][set_shell]") {
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<toy_set>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<toy_set>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<toy_set>);
  STATIC_REQUIRE(!std::is_copy_assignable_v<toy_set>);
  std::vector<std::string> log;
  {
    toy_set a(log, "a");
    toy_set b(std::move(a));
    CHECK(a.child().empty());  // NOLINT(bugprone-use-after-move): moved from on purpose
    CHECK(b.child() == "a");
    toy_set c(log, "c");
    c = std::move(b);  // destroys c's own child first
    CHECK(log == std::vector<std::string>{"destroy c"});
    CHECK(c.child() == "a");
  }
  CHECK(log == std::vector<std::string>{"destroy c", "destroy a"});
}

TEST_CASE("the shell adds nothing to a set but the pointer to the running poll's guard",
          "[unordered][set_shell]") {
  using child = test::baseline_tests::scripted_child;
  STATIC_REQUIRE(sizeof(unordered::poll_all<child>) ==
                 sizeof(detail::pa_storage<child>) + sizeof(void*));
  STATIC_REQUIRE(sizeof(unordered::ready_id_set<child>) ==
                 sizeof(detail::ris_storage<child>) + sizeof(void*));
  STATIC_REQUIRE(sizeof(unordered::per_leaf_notify<child>) ==
                 sizeof(detail::pln_storage<child>) + sizeof(void*));
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<unordered::poll_all<child>>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<unordered::ready_id_set<child>>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<unordered::per_leaf_notify<child>>);
}

TEST_CASE("while a child is polled the set knows it, and a second poll is refused",
          "[unordered][set_shell]") {
  std::vector<std::string> log;
  toy_set set(log, "a");
  CHECK_FALSE(set.is_polling());
  bool refused = false;
  CHECK(set.poll([&] {
    CHECK(set.is_polling());
    CHECK_THROWS_WITH(set.poll([] {}), "toy_set::poll: not reentrant");
    refused = true;
  }));
  CHECK(refused);
  CHECK_FALSE(set.is_polling());
  CHECK(log == std::vector<std::string>{"guard: set alive"});
  CHECK(set.poll([] {}));  // the guard unregistered: polling again is fine
}

TEST_CASE("a set destroyed from inside a child's poll hands its children to the guard",
          "[unordered][set_shell]") {
  std::vector<std::string> log;
  std::optional<toy_set> set;
  set.emplace(log, "a");
  toy_set* raw = &*set;
  CHECK_FALSE(raw->poll([&] {
    set.reset();
    // The children outlive the set until the poll returns.
    CHECK(log.empty());
  }));
  // The variant's guard ran first (it saw the set gone), then the children went.
  CHECK(log == std::vector<std::string>{"guard: set gone", "destroy a"});
}

TEST_CASE("a set assigned to from inside a child's poll hands its old children to the guard",
          "[unordered][set_shell]") {
  std::vector<std::string> log;
  toy_set set(log, "old");
  CHECK_FALSE(set.poll([&] { set = toy_set(log, "new"); }));
  CHECK(log == std::vector<std::string>{"guard: set gone", "destroy old"});
  CHECK(set.child() == "new");
  CHECK_FALSE(set.is_polling());
  CHECK(set.poll([] {}));
}

TEST_CASE("an exception from a child's poll unregisters the guard", "[unordered][set_shell]") {
  std::vector<std::string> log;
  toy_set set(log, "a");
  CHECK_THROWS_AS(set.poll([] { throw std::runtime_error("child"); }), std::runtime_error);
  CHECK_FALSE(set.is_polling());
  CHECK(log == std::vector<std::string>{"guard: set alive"});
}
