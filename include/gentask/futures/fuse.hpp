#pragma once
/// @file
/// `fuse(f)` / `f | fuse()`: like `f`, but once `f` has completed, further polls return
/// `pending` forever (and arrange no wake) instead of throwing `polled_after_completion`.
/// `f` is destroyed when it completes. `is_terminated()` says whether it has.

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/detail/pipeable.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace gentask {

template <future F>
class fuse_future {
 public:
  using future_concept = future_tag;
  using item_type = item_type_t<F>;
  using error_type = error_type_t<F>;

  explicit fuse_future(F f) : inner_(std::move(f)) {}

  template <task Task>
  requires pollable<F, Task> poll_result<item_type, error_type> poll(Task& task) {
    if (!inner_) return pending;
    auto result = inner_->poll(task);
    if (result.is_complete()) inner_.reset();
    return result;
  }

  [[nodiscard]] bool is_terminated() const noexcept { return !inner_.has_value(); }

 private:
  std::optional<F> inner_;
};

struct fuse_fn {
  template <future F>
  auto operator()(F&& f) const {
    return fuse_future<std::remove_cvref_t<F>>(std::forward<F>(f));
  }
  constexpr auto operator()() const { return detail::make_pipe_closure<fuse_fn>(); }
};
inline constexpr fuse_fn fuse{};

}  // namespace gentask
