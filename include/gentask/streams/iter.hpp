#pragma once
/// @file
/// `streams::iter(rng)`: a stream of the elements of a range-v3 range, in order, then the end.
/// It cannot fail (its error is `never`) and needs nothing of its task.
///
/// An lvalue range is referenced (through `views::all`: a `ref_view` of a container, a copy of
/// a view), so it must outlive the stream, and its elements are copied into the items. An
/// rvalue view is stored; an rvalue container is stored (moved in) and its elements are moved
/// out into the items. The item type is the range's value type.
///
/// Like every gentask stream, `iter` may be moved (or copied, or assigned) between polls:
///   - over a borrowed range (`ref_view`, so every lvalue container, `iota_view`, ...),
///     iterators do not depend on the range object, so the iterator is kept across a move;
///   - otherwise (a stored `std::vector`, `std::array`, filter view, ...) the stream counts the
///     elements it has produced, and the first poll after a move re-derives the iterator as
///     `next(begin(range), count)`: O(1) for a random-access range, O(count) otherwise.
/// A single-pass range that is not borrowed cannot be re-derived, so one is rejected when it
/// would be stored: an rvalue one, or a view (`views::all` copies views); iterate
/// `ranges::views::ref(rng)` instead, which is borrowed. An lvalue single-pass container is
/// referenced, and accepted. `begin` is first called at the first poll; the stored range
/// is destroyed at the end. Polled again after the end, it throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>

#include <range/v3/iterator/access.hpp>
#include <range/v3/iterator/operations.hpp>
#include <range/v3/range/access.hpp>
#include <range/v3/range/concepts.hpp>
#include <range/v3/range/traits.hpp>
#include <range/v3/view/all.hpp>

#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>

namespace gentask::detail {

/// What `iter` stores for an argument of type `Rng`: the rvalue range itself...
template <class Rng>
struct iter_storage {
  using type = std::remove_cvref_t<Rng>;
};
/// ...or, for an lvalue or a view, `views::all` of it.
template <class Rng>
requires(std::is_lvalue_reference_v<Rng> ||
         ranges::view_<std::remove_cvref_t<Rng>>) struct iter_storage<Rng> {
  using type = ranges::views::all_t<Rng>;
};
template <class Rng>
using iter_storage_t = typename iter_storage<Rng>::type;

/// True when `R` is stored by an `iter_stream` that owns the elements (moves them out).
template <class R>
inline constexpr bool iter_owns_elements = !ranges::view_<R> && !ranges::borrowed_range<R>;

/// A range type that `iter_stream` can store and keep correct across moves.
template <class R>
concept iter_storable =
    std::is_object_v<R> && !std::is_const_v<R> && std::move_constructible<R> &&
    ranges::input_range<R> &&
    (ranges::borrowed_range<R> ||
     ranges::forward_range<R>)&&std::move_constructible<ranges::range_value_t<R>> &&
    (iter_owns_elements<R>
         ? std::constructible_from<ranges::range_value_t<R>, ranges::range_rvalue_reference_t<R>>
         : std::constructible_from<ranges::range_value_t<R>, ranges::range_reference_t<R>>);

/// An argument `iter` accepts: what it stores is `iter_storable`, and an rvalue container can be
/// moved (or copied) in.
template <class Rng>
concept iterable = iter_storable<iter_storage_t<Rng>> &&
    (std::is_lvalue_reference_v<Rng> || ranges::view_<std::remove_cvref_t<Rng>> ||
     std::constructible_from<std::remove_cvref_t<Rng>, Rng>);

}  // namespace gentask::detail

namespace gentask::streams {

template <class R>
requires detail::iter_storable<R>
class iter_stream {
  static constexpr bool keeps_iterator = ranges::borrowed_range<R>;

  struct position {
    ranges::iterator_t<R> it;
    ranges::sentinel_t<R> end;
  };

 public:
  using stream_concept = stream_tag;
  using item_type = ranges::range_value_t<R>;
  using error_type = never;

  explicit iter_stream(R range) : range_(std::in_place, std::move(range)) {}

  /// A copy starts where `other` is; over a range that is not borrowed it re-derives its
  /// iterator from its own copy of the range at its next poll.
  iter_stream(const iter_stream& other) requires std::copy_constructible<R>
      : range_(other.range_), position_(kept(other.position_)), consumed_(other.consumed_) {}
  /// As the copy, but moves the range.
  iter_stream(iter_stream&& other) noexcept(std::is_nothrow_move_constructible_v<R>)
      : range_(std::move(other.range_)),
        position_(kept(std::move(other.position_))),
        consumed_(other.consumed_) {}
  /// Assignments, likewise (an implicit one would copy iterators into another range).
  iter_stream& operator=(const iter_stream& other) requires std::copyable<R> {
    if (this != &other) {
      position_.reset();
      range_ = other.range_;
      position_ = kept(other.position_);
      consumed_ = other.consumed_;
    }
    return *this;
  }
  iter_stream& operator=(iter_stream&& other) noexcept(
      std::is_nothrow_move_assignable_v<R>&& std::is_nothrow_move_constructible_v<R>) requires
      std::movable<R> {
    if (this != &other) {
      position_.reset();
      range_ = std::move(other.range_);
      position_ = kept(std::move(other.position_));
      consumed_ = other.consumed_;
    }
    return *this;
  }
  ~iter_stream() = default;

  template <task Task>
  stream_poll_result<item_type, error_type> poll_next(Task& /*task*/) {
    if (!range_) detail::throw_polled_after_completion("streams::iter: polled after completion");
    if (!position_) {
      // First poll, or first poll after a move of a range that is not borrowed.
      position_.emplace(
          position{ranges::next(ranges::begin(*range_), consumed_), ranges::end(*range_)});
    }
    auto& [it, end] = *position_;
    if (it == end) {
      position_.reset();
      range_.reset();
      return ready_value{std::optional<item_type>()};
    }
    std::optional<item_type> item = read(it);
    ++it;
    ++consumed_;
    return ready_value{std::move(item)};
  }

 private:
  template <class Position>
  static std::optional<position> kept(Position&& other) {
    if constexpr (keeps_iterator) {
      return std::forward<Position>(other);
    } else {
      return std::nullopt;
    }
  }

  static std::optional<item_type> read(const ranges::iterator_t<R>& it) {
    if constexpr (detail::iter_owns_elements<R>) {
      return std::optional<item_type>(std::in_place, ranges::iter_move(it));
    } else {
      return std::optional<item_type>(std::in_place, *it);
    }
  }

  std::optional<R> range_;
  std::optional<position> position_;
  ranges::range_difference_t<R> consumed_ = 0;
};

struct iter_fn {
  template <class Rng>
  requires detail::iterable<Rng>
  auto operator()(Rng&& rng) const {
    using stored = detail::iter_storage_t<Rng>;
    if constexpr (std::is_lvalue_reference_v<Rng> || ranges::view_<std::remove_cvref_t<Rng>>) {
      return iter_stream<stored>(ranges::views::all(std::forward<Rng>(rng)));
    } else {
      return iter_stream<stored>(stored(std::forward<Rng>(rng)));
    }
  }
};
inline constexpr iter_fn iter{};

}  // namespace gentask::streams
