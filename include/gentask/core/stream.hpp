#pragma once
/// @file
/// The `stream` concept and `pollable_stream<S, Task>`: a sequence of items produced over time.
///
/// Concretely, a type `S` satisfies `stream` if `S::stream_concept` names `stream_tag` (or a type
/// derived from it), `S::item_type` and `S::error_type` exist, and `S` is move-constructible.
/// `S` is pollable on `Task` if `s.poll_next(t)` returns exactly
/// `stream_poll_result<item_type_t<S>, error_type_t<S>>`, that is
/// `poll_result<std::optional<T>, E>`:
///   - ready with a value: the next item;
///   - ready with `std::nullopt`: the end of the stream;
///   - pending: as for futures, a wake has been arranged through `t`;
///   - failed: an error, which ends the stream.
///
/// This is futures 0.1's `Poll<Option<T>, E>`. After the end or an error, `poll_next` is not
/// called again; gentask's streams throw `polled_after_completion` if it is. Like futures,
/// streams may be moved between polls.
///
/// @see future, streams/ (the combinators, in namespace `gentask::streams`)

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>

#include <concepts>
#include <optional>
#include <type_traits>

namespace gentask {

/// The opt-in tag: `using stream_concept = gentask::stream_tag;`.
struct stream_tag {};

template <class S>
concept stream =
    std::derived_from<typename std::remove_cvref_t<S>::stream_concept, stream_tag> && requires {
  typename std::remove_cvref_t<S>::item_type;
  typename std::remove_cvref_t<S>::error_type;
} && std::move_constructible<std::remove_cvref_t<S>>;

/// What one `poll_next` says.
template <class T, class E>
using stream_poll_result = poll_result<std::optional<T>, E>;

template <class S, class Task>
concept pollable_stream = stream<S> && task<std::remove_reference_t<Task>> &&
    requires(std::remove_cvref_t<S>& s, std::remove_reference_t<Task>& t) {
  { s.poll_next(t) } -> std::same_as<stream_poll_result<item_type_t<S>, error_type_t<S>>>;
};

}  // namespace gentask
