#include <gentask/detail/ready_list.hpp>

#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

using namespace gentask;

TEST_CASE("a ready list queues each woken child once, in wake order, and wakes the parent",
          "[detail][ready_list]") {
  test::counting_task parent;
  auto* list = detail::ready_list::make(4, false);
  list->register_parent(parent.get_waker());
  waker w0 = list->make_waker(0);
  waker w2 = list->make_waker(2);
  CHECK_FALSE(list->pop().has_value());
  w2.wake();
  w0.wake();
  w2.wake();
  CHECK(parent.get_wake_count() == 3);
  CHECK(list->get_queued_count() == 2);
  CHECK(list->pop() == 2U);
  CHECK(list->pop() == 0U);
  CHECK_FALSE(list->pop().has_value());
  w2.wake();  // popped: queued again
  CHECK(list->pop() == 2U);
  list->requeue(3);  // without a wake
  CHECK(parent.get_wake_count() == 4);
  CHECK(list->pop() == 3U);
  list->close();
  w0.wake();  // the owner is gone: nothing (the wakers keep the list alive)
  CHECK(parent.get_wake_count() == 4);
}

TEST_CASE("a ready list made all queued yields every child once, in order",
          "[detail][ready_list]") {
  auto* list = detail::ready_list::make(3, true);
  CHECK(list->pop() == 0U);
  CHECK(list->pop() == 1U);
  CHECK(list->pop() == 2U);
  CHECK_FALSE(list->pop().has_value());
  list->close();  // the last reference: freed (ASan checks)
}
