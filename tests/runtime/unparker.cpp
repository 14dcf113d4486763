#include <gentask/runtime/unparker.hpp>

#include <gentask/runtime/condvar_unparker.hpp>

#include <catch2/catch.hpp>

#include <optional>

using namespace gentask;

namespace {

struct only_unpark {
  void unpark() noexcept {}
};
struct throwing_unpark {
  void unpark() {}
  runtime::park_result park(runtime::basic_remote_inbox<throwing_unpark>&,
                            std::optional<time_point>) {
    return runtime::park_result::woken;
  }
};
struct spin_unparker {
  void unpark() noexcept {}
  runtime::park_result park(runtime::basic_remote_inbox<spin_unparker>& in,
                            std::optional<time_point>) {
    while (!in.is_nonempty() && !in.is_last_reference()) {
    }
    return in.is_nonempty() ? runtime::park_result::woken : runtime::park_result::stalled;
  }
};

}  // namespace

TEST_CASE("unparker holds for types that unpark without throwing and park on an inbox",
          "[runtime][unparker][concepts]") {
  STATIC_REQUIRE(runtime::unparker<runtime::condvar_unparker>);
  STATIC_REQUIRE(runtime::unparker<spin_unparker>);
  STATIC_REQUIRE_FALSE(runtime::unparker<only_unpark>);      // cannot park
  STATIC_REQUIRE_FALSE(runtime::unparker<throwing_unpark>);  // unpark may throw
  STATIC_REQUIRE_FALSE(runtime::unparker<int>);
}

TEST_CASE("a user-defined unparker drives park through the inbox", "[runtime][unparker]") {
  auto* in = new runtime::basic_remote_inbox<spin_unparker>;
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::stalled);
  in->post_wake(1);
  CHECK(in->get_unparker().park(*in, std::nullopt) == runtime::park_result::woken);
  in->release();
}
