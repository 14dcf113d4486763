#pragma once
/// @file
/// `state_union<Ts...>`: the state of a combinator, one of `Ts...` at a time, selected by
/// index (equal types are fine). Unlike `std::variant`:
///   - `emplace<I>` always destroys the current alternative first and then builds the new one in
///     place (std::variant may build a temporary and move-assign it instead), so a combinator
///     prunes its finished child before making the next;
///   - if building throws, the state is the last alternative, which by convention means
///     "completed" (there is no valueless state);
///   - dispatch on the index is a jump table (visit_index.hpp), and a union of trivially
///     copyable alternatives is itself trivially copyable, so moving a tree of such futures while
///     composing it is a plain copy.

#include <gentask/detail/type_list.hpp>
#include <gentask/detail/visit_index.hpp>

#include <cstddef>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gentask::detail {

/// The alternatives, overlapping in a real union: copying a union copies its object
/// representation and so the active member (a byte array would not: a defaulted copy of
/// `unsigned char[N]` creates no object in the destination, and optimisers rely on that).
/// Trivially copyable when every alternative is; otherwise its destructor does nothing and the
/// state_union destroys the active member itself.
template <bool Trivial, class... Ts>
union alternatives;
template <class T>
union alternatives<true, T> {
  constexpr alternatives() noexcept {}
  T head;
};
template <class T, class... Ts>
union alternatives<true, T, Ts...> {
  constexpr alternatives() noexcept {}
  T head;
  alternatives<true, Ts...> tail;
};
template <class T>
union alternatives<false, T> {
  constexpr alternatives() noexcept {}
  alternatives(const alternatives&) = delete;
  alternatives& operator=(const alternatives&) = delete;
  ~alternatives() {}  // NOLINT(modernize-use-equals-default): must not be trivial here
  T head;
};
template <class T, class... Ts>
union alternatives<false, T, Ts...> {
  constexpr alternatives() noexcept {}
  alternatives(const alternatives&) = delete;
  alternatives& operator=(const alternatives&) = delete;
  ~alternatives() {}  // NOLINT(modernize-use-equals-default): must not be trivial here
  T head;
  alternatives<false, Ts...> tail;
};

template <std::size_t I, class U>
constexpr auto* member_at(U& u) noexcept {
  if constexpr (I == 0) {
    return std::addressof(u.head);
  } else {
    return member_at<I - 1>(u.tail);
  }
}

/// Storage and index; every special member trivial when the alternatives' are.
template <class... Ts>
class state_union_layout {
 public:
  static constexpr std::size_t count = sizeof...(Ts);
  static constexpr std::size_t last = count - 1;
  template <std::size_t I>
  using alternative = pack_element_t<I, Ts...>;

  [[nodiscard]] std::size_t index() const noexcept { return index_; }

  template <std::size_t I>
  [[nodiscard]] alternative<I>& get() noexcept {
    return *ptr<I>();
  }
  template <std::size_t I>
  [[nodiscard]] const alternative<I>& get() const noexcept {
    return *ptr<I>();
  }

  /// Calls `fn.template operator()<I>()` with the current index as a constant.
  template <class Fn>
  decltype(auto) visit_index(Fn&& fn) const {
    return detail::visit_index<count>(index_, fn);
  }

 protected:
  using index_type = std::conditional_t<(count < 255), unsigned char, std::size_t>;

  template <std::size_t I>
  alternative<I>* ptr() noexcept {
    return member_at<I>(storage_);
  }
  template <std::size_t I>
  const alternative<I>* ptr() const noexcept {
    return member_at<I>(storage_);
  }
  void set_index(std::size_t i) noexcept { index_ = static_cast<index_type>(i); }

  void destroy() noexcept {
    if constexpr (!(std::is_trivially_destructible_v<Ts> && ...)) {
      visit_index([&]<std::size_t I>() { std::destroy_at(this->template ptr<I>()); });
    }
  }

 private:
  alternatives<(std::is_trivially_copyable_v<Ts> && ...), Ts...> storage_;
  index_type index_ = static_cast<index_type>(last);
};

/// Trivially copyable alternatives: the layout's trivial members are right as they are.
template <bool Trivial, class... Ts>
class state_union_base : public state_union_layout<Ts...> {};

/// Otherwise: copy, move and destroy the active alternative.
template <class... Ts>
class state_union_base<false, Ts...> : public state_union_layout<Ts...> {
  using layout = state_union_layout<Ts...>;

 public:
  state_union_base() = default;
  state_union_base(state_union_base&& other) noexcept((std::is_nothrow_move_constructible_v<Ts> &&
                                                       ...))
      : layout() {
    other.visit_index([&]<std::size_t I>() {
      std::construct_at(this->template ptr<I>(), std::move(*other.template ptr<I>()));
      this->set_index(I);
    });
  }
  // Used only when every alternative is copyable (see state_union's copy mixin).
  state_union_base(const state_union_base& other) : layout() {
    other.visit_index([&]<std::size_t I>() {
      std::construct_at(this->template ptr<I>(), *other.template ptr<I>());
      this->set_index(I);
    });
  }
  state_union_base& operator=(const state_union_base&) = delete;
  state_union_base& operator=(state_union_base&&) = delete;
  ~state_union_base() { this->destroy(); }
};

/// Makes the union's copy constructor deleted when an alternative cannot be copied.
struct copyable_mixin {};
struct move_only_mixin {
  move_only_mixin() = default;
  move_only_mixin(move_only_mixin&&) = default;
  move_only_mixin(const move_only_mixin&) = delete;
  move_only_mixin& operator=(move_only_mixin&&) = default;
  move_only_mixin& operator=(const move_only_mixin&) = delete;
  ~move_only_mixin() = default;
};

template <class... Ts>
class state_union : public state_union_base<(std::is_trivially_copyable_v<Ts> && ...), Ts...>,
                    private std::conditional_t<(std::is_copy_constructible_v<Ts> && ...),
                                               copyable_mixin, move_only_mixin> {
  static_assert(sizeof...(Ts) > 0);
  using layout = state_union_layout<Ts...>;
  static_assert(
      std::is_nothrow_default_constructible_v<typename layout::template alternative<layout::last>>,
      "the last alternative (completed) must be nothrow default-constructible");

 public:
  /// Starts in alternative `I`, built from `args`.
  template <std::size_t I, class... Args>
  explicit state_union(std::in_place_index_t<I> /*unused*/, Args&&... args) {
    std::construct_at(this->template ptr<I>(), std::forward<Args>(args)...);
    this->set_index(I);
  }

  /// Destroys the current alternative, then builds alternative `I` from `args` in place. If that
  /// throws, the state is the last alternative and the exception propagates.
  template <std::size_t I, class... Args>
  typename layout::template alternative<I>& emplace(Args&&... args) {
    this->destroy();
    this->set_index(layout::last);
    if constexpr (I != layout::last) {
      std::construct_at(this->template ptr<I>(), std::forward<Args>(args)...);
      this->set_index(I);
    }
    return *this->template ptr<I>();
  }
};

}  // namespace gentask::detail
