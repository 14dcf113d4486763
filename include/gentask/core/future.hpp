#pragma once
/// @file
/// The `future` concept: a value contract, with no mention of how the future is driven.
///
/// Concretely, a type `F` satisfies `future` if:
///   1. `F::future_concept` names `future_tag` or a type derived from it (explicit opt-in, as
///      stdexec's `sender_concept`);
///   2. `F::item_type` and `F::error_type` name the value on success and the error on failure
///      (`unit` for "nothing", `never` for "cannot happen");
///   3. `F` is move-constructible.
///
/// How a future is driven is a separate relation, `pollable<F, Task>` (pollable.hpp): the same
/// future type may be pollable on some task types and not on others.
///
/// Laws every future in gentask keeps (and the test kit checks):
///   - a future does nothing until it is first polled (`lazy`'s closure runs at the first poll);
///   - after `poll` returned ready or failed, `poll` is not called again (a second call throws
///     `polled_after_completion`; `fuse` turns it into `pending` forever);
///   - a future may be moved between polls: none holds its own address (drivers still keep a
///     polled future in place, so user types that do hold it are safe in gentask's drivers);
///   - a result of `pending` has arranged for the task that polled it to be woken (possibly
///     spuriously) when polling again could make progress.
///
/// @see pollable, stream

#include <concepts>
#include <type_traits>

namespace gentask {

/// The opt-in tag: `using future_concept = gentask::future_tag;`.
struct future_tag {};

template <class F>
concept future =
    std::derived_from<typename std::remove_cvref_t<F>::future_concept, future_tag> && requires {
  typename std::remove_cvref_t<F>::item_type;
  typename std::remove_cvref_t<F>::error_type;
} && std::move_constructible<std::remove_cvref_t<F>>;

/// The item (success value) type of a future or stream. (Not `error_t`: glibc has one.)
template <class F>
using item_type_t = typename std::remove_cvref_t<F>::item_type;

/// The error type of a future or stream.
template <class F>
using error_type_t = typename std::remove_cvref_t<F>::error_type;

}  // namespace gentask
