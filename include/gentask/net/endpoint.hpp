#pragma once
/// @file
/// `net::endpoint`: an IPv4 address and a port, with the conversions to and from the kernel's
/// `sockaddr_in`. Loopback is what the tests and experiments use.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gentask::net {

class endpoint {
 public:
  constexpr endpoint() noexcept = default;
  /// `address` in host byte order (`0x7f000001` is 127.0.0.1).
  constexpr endpoint(std::uint32_t address, std::uint16_t port) noexcept
      : address_(address), port_(port) {}

  /// 127.0.0.1:`port` (0: the kernel picks one when binding).
  [[nodiscard]] static constexpr endpoint loopback(std::uint16_t port = 0) noexcept {
    return {0x7f000001U, port};
  }
  /// "a.b.c.d:port", or `std::nullopt`.
  [[nodiscard]] static std::optional<endpoint> parse(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string host(text.substr(0, colon));
    in_addr a{};
    if (::inet_pton(AF_INET, host.c_str(), &a) != 1) return std::nullopt;
    unsigned port = 0;
    const auto digits = text.substr(colon + 1);
    if (digits.empty() || digits.size() > 5) return std::nullopt;
    for (const char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port > 65535) return std::nullopt;
    return endpoint(ntohl(a.s_addr), static_cast<std::uint16_t>(port));
  }
  [[nodiscard]] static endpoint from_sockaddr(const sockaddr_in& sa) noexcept {
    return {ntohl(sa.sin_addr.s_addr), ntohs(sa.sin_port)};
  }

  [[nodiscard]] sockaddr_in to_sockaddr() const noexcept {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(address_);
    sa.sin_port = htons(port_);
    return sa;
  }
  [[nodiscard]] constexpr std::uint32_t get_address() const noexcept { return address_; }
  [[nodiscard]] constexpr std::uint16_t get_port() const noexcept { return port_; }
  [[nodiscard]] std::string to_string() const {
    return std::to_string(address_ >> 24) + '.' + std::to_string((address_ >> 16) & 0xff) + '.' +
           std::to_string((address_ >> 8) & 0xff) + '.' + std::to_string(address_ & 0xff) + ':' +
           std::to_string(port_);
  }

  friend constexpr bool operator==(endpoint, endpoint) noexcept = default;

 private:
  std::uint32_t address_ = 0;
  std::uint16_t port_ = 0;
};

}  // namespace gentask::net
