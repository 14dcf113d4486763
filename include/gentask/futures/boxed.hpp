#pragma once
/// @file
/// `boxed<Task, T, E>`: a type-erased future of item `T` and error `E`, pollable on exactly
/// `Task`. Holding any future pollable on `Task` costs one heap allocation and one indirect call
/// per poll. The inner future is destroyed when it completes; a second poll (or a poll of a
/// moved-from box) throws `polled_after_completion`. `box<Task>(f)` deduces `T` and `E`.
///
/// **Depth limit.** A box polls its inner future through a virtual call, so a chain of boxes
/// (a recursive `and_then` that boxes its continuation, say) polls recursively: one stack frame
/// per level, as Rust's nested `Box<dyn Future>` does. The depth that fits depends on the frame
/// size and the thread's stack: reported for issue 14 on these machines (8 MiB stacks), a chain
/// of 1e5 `and_then` built through `boxed` ran in Release and overflowed at 2e5, and overflowed
/// at 1e5 under ASan and TSan, whose frames are larger. For unbounded loops, keep the state in
/// one future (a loop in `poll`, or `poll_fn`) instead of a growing chain.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>

#include <concepts>
#include <memory>
#include <type_traits>
#include <utility>

namespace gentask {

template <task Task, class T, class E>
class boxed {
  struct concept_t {
    concept_t() = default;
    concept_t(const concept_t&) = delete;
    concept_t& operator=(const concept_t&) = delete;
    virtual ~concept_t() = default;
    virtual poll_result<T, E> poll(Task& task) = 0;
  };
  template <class F>
  struct model_t final : concept_t {
    explicit model_t(F f) : future(std::move(f)) {}
    poll_result<T, E> poll(Task& task) override { return poll_result<T, E>(future.poll(task)); }
    F future;
  };

 public:
  using future_concept = future_tag;
  using item_type = T;
  using error_type = E;

  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, boxed>) &&
      future<F>&& pollable<F, Task>&& std::constructible_from<
          poll_result<T, E>, poll_result_t<F>&&> boxed(F&& f)  // NOLINT(google-explicit-constructor):
                                                               // boxing is a conversion
      : impl_(std::make_unique<model_t<std::remove_cvref_t<F>>>(std::forward<F>(f))) {}

  poll_result<T, E> poll(Task& task) {
    if (!impl_)
      detail::throw_polled_after_completion("boxed: polled after completion or when empty");
    auto result = impl_->poll(task);
    if (result.is_complete()) impl_.reset();
    return result;
  }

 private:
  std::unique_ptr<concept_t> impl_;
};

template <task Task, future F>
requires pollable<F, Task> boxed<Task, item_type_t<F>, error_type_t<F>> box(F&& f) {
  return boxed<Task, item_type_t<F>, error_type_t<F>>(std::forward<F>(f));
}

}  // namespace gentask
