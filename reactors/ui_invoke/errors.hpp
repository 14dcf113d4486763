#pragma once
/// @file
/// The UI-invoke reactor's errors: `ui_invoke::errc::stopped` (the reactor has shut down, so a
/// post, an invoke or a spawn from another thread is refused), its `std::error_category`, and
/// `stopped_error`, what `invoke` throws then (a `std::system_error` holding that code).

#include <string>
#include <system_error>
#include <type_traits>

namespace gentask::ui_invoke {

enum class errc : int {
  stopped = 1,  ///< the reactor has shut down: nothing posted to it will ever run
};

/// The category of `ui_invoke::errc` ("gentask.ui_invoke").
[[nodiscard]] inline const std::error_category& get_error_category() noexcept {
  struct category final : std::error_category {
    [[nodiscard]] const char* name() const noexcept override { return "gentask.ui_invoke"; }
    [[nodiscard]] std::string message(int e) const override {
      return e == static_cast<int>(errc::stopped) ? "the UI reactor has stopped"
                                                  : "unknown ui_invoke error";
    }
  };
  static const category c;
  return c;
}

[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), get_error_category()};
}

/// What `invoke` throws when the reactor has stopped (before or while the call waited).
class stopped_error : public std::system_error {
 public:
  explicit stopped_error(const char* what) : std::system_error(make_error_code(errc::stopped), what) {}
};

}  // namespace gentask::ui_invoke

template <>
struct std::is_error_code_enum<gentask::ui_invoke::errc> : std::true_type {};
