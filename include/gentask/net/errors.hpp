#pragma once
/// @file
/// The socket futures' own error codes (`gentask::net::errc`, category "gentask.net"); every
/// other failure is the system's `errno` as a `std::error_code` of the generic category
/// (`ECONNRESET`, `EPIPE`, `ECONNREFUSED`, ...). Errors are values: a socket future fails with
/// one, it never throws for an I/O outcome.

#include <string>
#include <system_error>
#include <type_traits>

namespace gentask::net {

enum class errc : int {
  /// The peer closed before `read_exact` had its bytes (tokio: `UnexpectedEof`).
  unexpected_eof = 1,
  /// The socket can never become ready: its reactor is gone, or it was registered with another
  /// reactor than the one whose task polls it.
  no_reactor = 2,
  /// A zero-length buffer where bytes are required (`write_all` and `read_exact` of nothing
  /// succeed at once; a `write` of nothing is this).
  write_zero = 3,
};

}  // namespace gentask::net

namespace gentask::detail {
class net_category_impl final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "gentask.net"; }
  [[nodiscard]] std::string message(int code) const override {
    switch (static_cast<net::errc>(code)) {
      case net::errc::unexpected_eof:
        return "the peer closed the connection before the expected bytes arrived";
      case net::errc::no_reactor:
        return "the socket's reactor is gone, or a task of another reactor polled it";
      case net::errc::write_zero:
        return "a write of zero bytes";
    }
    return "unknown gentask.net error";
  }
};
}  // namespace gentask::detail

namespace gentask::net {

[[nodiscard]] inline const std::error_category& net_category() noexcept {
  static const gentask::detail::net_category_impl category;
  return category;
}

[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), net_category()};
}

/// `errno` (or `err`) as a `std::error_code` of the generic category.
[[nodiscard]] inline std::error_code system_error_code(int err) noexcept {
  return {err, std::generic_category()};
}

}  // namespace gentask::net

template <>
struct std::is_error_code_enum<gentask::net::errc> : std::true_type {};
