#pragma once
/// @file
/// `counted`: a value that reports its constructions, copies, moves and destructions to a
/// `lifecycle` record (cppcoro's `counted`), so tests can say "destroyed exactly once, at the
/// transition".

#include <cstddef>

namespace gentask::test {

struct lifecycle {
  std::size_t constructed = 0;
  std::size_t copied = 0;
  std::size_t moved = 0;
  std::size_t destroyed = 0;
  /// Objects alive now (every construction, copy and move makes one).
  [[nodiscard]] std::size_t get_alive() const noexcept {
    return constructed + copied + moved - destroyed;
  }
};

class counted {
 public:
  explicit counted(lifecycle& record, int value = 0) noexcept : record_(&record), value_(value) {
    ++record_->constructed;
  }
  counted(const counted& other) noexcept : record_(other.record_), value_(other.value_) {
    ++record_->copied;
  }
  counted(counted&& other) noexcept : record_(other.record_), value_(other.value_) {
    ++record_->moved;
  }
  counted& operator=(const counted&) = delete;
  counted& operator=(counted&&) = delete;
  ~counted() { ++record_->destroyed; }

  [[nodiscard]] int get_value() const noexcept { return value_; }

 private:
  lifecycle* record_;
  int value_;
};

}  // namespace gentask::test
