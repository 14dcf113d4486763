#pragma once
/// @file
/// A FIFO ring buffer of trivially copyable values whose growth is explicit: `push_back` never
/// allocates (the caller reserves room beforehand, off the hot path), so a reactor's wake path
/// can be `noexcept` and allocation-free.

#include <cassert>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace gentask::detail {

template <class T>
class ring_queue {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  ring_queue() = default;

  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  /// Makes room for at least `n` values (allocates; may throw).
  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    std::size_t cap = capacity_ == 0 ? 16 : capacity_;
    while (cap < n) cap *= 2;
    auto fresh = std::make_unique<T[]>(cap);
    for (std::size_t i = 0; i < size_; ++i) fresh[i] = buffer_[(head_ + i) & (capacity_ - 1)];
    buffer_ = std::move(fresh);
    capacity_ = cap;
    head_ = 0;
  }

  /// Appends; the caller guarantees `size() < capacity()`.
  void push_back(T value) noexcept {
    assert(size_ < capacity_);
    buffer_[(head_ + size_) & (capacity_ - 1)] = value;
    ++size_;
  }

  T pop_front() noexcept {
    assert(size_ > 0);
    T value = buffer_[head_];
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
    return value;
  }

  void clear() noexcept {
    head_ = 0;
    size_ = 0;
  }

 private:
  std::unique_ptr<T[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace gentask::detail
