#pragma once
/// @file
/// `detail::ready_list`: the ready queue behind `join_all`, `try_join_all` and `select_all` on
/// more than a few children. One block per combinator, sized for its `n` children at once: a
/// FIFO ring of child indices, a queued flag per child (a child woken twice is queued once) and
/// the parent's waker, in one allocation (the header, then the ring, then the flags). A child's
/// waker (`make_waker(i)`) queues `i` and wakes the parent: O(1), never allocating. Same-thread
/// only (its reference count is plain), as the wakers `child_task` hands out.

#include <gentask/core/thread_check.hpp>
#include <gentask/core/waker.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <thread>

namespace gentask::detail {

class ready_list {
 public:
  /// A list for `n` children: all queued (every child is polled once first), or none.
  static ready_list* make(std::size_t n, bool all_queued) {
    void* block = ::operator new(sizeof(ready_list) + n * (sizeof(std::uint32_t) + sizeof(bool)));
    return ::new (block) ready_list(n, all_queued);
  }

  ready_list(const ready_list&) = delete;
  ready_list& operator=(const ready_list&) = delete;

  /// A waker for child `i` (holds a reference to the list).
  [[nodiscard]] waker make_waker(std::uint32_t i) noexcept {
    ++refs_;
    return waker::from_raw(&vtable, this, i);
  }
  /// Keeps the parent's waker (replaced only when it would wake another task).
  void register_parent(waker w) noexcept {
    if (!w.will_wake(parent_)) parent_ = std::move(w);
  }
  /// The next queued child, unqueued (a wake from now on queues it again).
  std::optional<std::uint32_t> pop() noexcept {
    if (count_ == 0) return std::nullopt;
    const std::uint32_t i = ring_[head_];
    head_ = head_ + 1 == n_ ? 0 : head_ + 1;
    --count_;
    queued_[i] = false;
    return i;
  }
  [[nodiscard]] std::size_t get_queued_count() const noexcept { return count_; }
  /// The owner lets go: later wakes only drop their references.
  void close() noexcept {
    closed_ = true;
    parent_ = waker();
    release();
  }

 private:
  // The ring and the flags follow the header in its block (`make`): an array of `n` indices,
  // then `n` flags; the header's size is a multiple of its alignment, which is the indices'.
  ready_list(std::size_t n, bool all_queued)
      : n_(n),
        ring_(reinterpret_cast<std::uint32_t*>(this + 1)),
        queued_(reinterpret_cast<bool*>(ring_ + n)) {
    for (std::size_t i = 0; i < n; ++i) {
      ring_[i] = static_cast<std::uint32_t>(i);
      queued_[i] = all_queued;
    }
    count_ = all_queued ? n : 0;
  }
  ~ready_list() = default;

  void wake(std::uint32_t i) noexcept {
    if (closed_) return;
    requeue(i);
    parent_.wake();
  }

 public:
  /// Queues child `i` (if it is not) without waking the parent.
  void requeue(std::uint32_t i) noexcept {
    if (queued_[i]) return;
    queued_[i] = true;
    std::size_t tail = head_ + count_;
    if (tail >= n_) tail -= n_;
    ring_[tail] = i;
    ++count_;
  }

 private:
  void release() noexcept {
    if (--refs_ == 0) {
      this->~ready_list();
      ::operator delete(static_cast<void*>(this));
    }
  }

  // A child's waker is same-thread: checked against the thread that made the list (the
  // parent's first poll) when GENTASK_THREAD_CHECKS is on.
  void check_thread() const noexcept {
    check_owner_thread(owner_, "a child's waker of join_all, try_join_all or select_all",
                       "wake, copy and drop it on its reactor's thread; across threads use "
                       "task.get_remote_waker()");
  }
  static void on_wake(void* data, std::uint64_t token) noexcept {
    static_cast<ready_list*>(data)->check_thread();
    static_cast<ready_list*>(data)->wake(static_cast<std::uint32_t>(token));
  }
  static void on_retain(void* data) noexcept {
    auto* list = static_cast<ready_list*>(data);
    list->check_thread();
    ++list->refs_;
  }
  static void on_release(void* data) noexcept {
    auto* list = static_cast<ready_list*>(data);
    list->check_thread();
    list->release();
  }
  static const waker_vtable vtable;

  std::size_t n_;
  std::uint32_t* ring_;
  bool* queued_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::size_t refs_ = 1;  // the owner's
  std::thread::id owner_ = std::this_thread::get_id();
  waker parent_;
  bool closed_ = false;
};

static_assert(sizeof(ready_list) % alignof(std::uint32_t) == 0,
              "ready_list: the ring that follows the header must be aligned");

inline const waker_vtable ready_list::vtable = {&ready_list::on_wake, &ready_list::on_retain,
                                                &ready_list::on_release};

}  // namespace gentask::detail
