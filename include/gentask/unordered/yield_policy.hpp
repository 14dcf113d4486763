#pragma once
/// @file
/// Yield policies of `per_leaf_notify`: when one `poll_next` of futures 0.3's `FuturesUnordered`
/// stops polling children, wakes its own task and returns `pending` (whether or not children are
/// still queued). Each policy is one historical version of that rule in futures-rs
/// (`futures-util/src/stream/futures_unordered/mod.rs`, `Stream::poll_next`):
///
/// | policy          | rule, after a child poll that returned pending | futures-rs              |
/// |-----------------|------------------------------------------------|-------------------------|
/// | `none`          | never: poll until the queue is empty           | before PR #2049         |
/// | `every_32`      | `polled == 32` (`YIELD_EVERY`)                 | PR #2049 (issue #2047)  |
/// | `yield2_or_len` | `yielded >= 2 \|\| polled == len`              | PR #2551, 0.3.20 on     |
///
/// `polled` counts the child polls of this `poll_next`, `yielded` those of them in which the
/// child woke itself (its `woken` flag), `len` the number of children when `poll_next` began.
/// Between #2049 and #2551 the rule was `polled == len` (PR #2333) and then
/// `polled == min(len, 32)` (PR #2527, issue #2526); those two are not provided.
///
/// `none` livelocks on a child that wakes itself in every poll and stays pending (issue #2047):
/// the child is queued again during its own poll, so the queue never empties. Tests bound it with
/// a child that wakes itself only K times.
///
/// A policy is a type with `static constexpr std::string_view name` and
/// `static constexpr bool should_yield(polled, yielded, len) noexcept`.

#include <concepts>
#include <cstddef>
#include <string_view>

namespace gentask::unordered {

template <class P>
concept yield_policy = requires(std::size_t n) {
  { P::name } -> std::convertible_to<std::string_view>;
  { P::should_yield(n, n, n) } -> std::same_as<bool>;
};

/// Never yield: keep polling until the ready-to-run queue is empty (futures 0.3 before #2049).
struct none {
  static constexpr std::string_view name = "none";
  static constexpr bool should_yield(std::size_t /*polled*/, std::size_t /*yielded*/,
                                     std::size_t /*len*/) noexcept {
    return false;
  }
};

/// Yield after 32 child polls in one `poll_next` (futures-rs #2049's `YIELD_EVERY`).
struct every_32 {
  static constexpr std::string_view name = "every_32";
  static constexpr std::size_t yield_every = 32;
  static constexpr bool should_yield(std::size_t polled, std::size_t /*yielded*/,
                                     std::size_t /*len*/) noexcept {
    return polled == yield_every;
  }
};

/// Yield when two polled children woke themselves, or when as many children have been polled as
/// the set held when `poll_next` began (futures-rs #2551; futures 0.3.20 and later, so 0.3.21).
struct yield2_or_len {
  static constexpr std::string_view name = "yield2_or_len";
  static constexpr bool should_yield(std::size_t polled, std::size_t yielded,
                                     std::size_t len) noexcept {
    return yielded >= 2 || polled == len;
  }
};

static_assert(yield_policy<none> && yield_policy<every_32> && yield_policy<yield2_or_len>);

}  // namespace gentask::unordered
