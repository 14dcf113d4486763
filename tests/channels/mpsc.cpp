#include <gentask/channels/mpsc.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "support/alloc_counter.hpp"
#include "support/counted.hpp"
#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace gentask;
using namespace gentask::test;

namespace {

/// Drops a handle now.
template <class T>
void drop(T& handle) {
  [[maybe_unused]] const T dropped = std::move(handle);
}

/// Polls `rx` once and returns the item; fails the test unless an item is ready.
template <class T, class Task>
T next_item(mpsc::receiver<T>& rx, Task& task) {
  auto r = rx.poll_next(task);
  REQUIRE(r.is_ready());
  REQUIRE(r.get_value().has_value());
  return std::move(*r.get_value());
}

/// Sends `count` values 0, 1, ... through `tx`, one send future at a time, then drops `tx`.
class producer {
 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  producer(mpsc::sender<int> tx, int count) : tx_(std::move(tx)), count_(count) {}

  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    for (;;) {
      if (!sending_) {
        if (next_ == count_) {
          tx_ = mpsc::sender<int>();
          return ready_value{};
        }
        sending_.emplace(tx_.send(next_));
      }
      auto r = sending_->poll(task);
      if (r.is_pending()) return pending;
      REQUIRE(r.is_ready());
      sending_.reset();
      ++next_;
    }
  }

 private:
  mpsc::sender<int> tx_;
  std::optional<mpsc::send_future<int>> sending_;
  int count_;
  int next_ = 0;
};

/// Collects a stream's items until its end.
class collector {
 public:
  using future_concept = future_tag;
  using item_type = std::vector<int>;
  using error_type = never;

  explicit collector(mpsc::receiver<int> rx) : rx_(std::move(rx)) {}

  template <task Task>
  poll_result<std::vector<int>, never> poll(Task& task) {
    for (;;) {
      auto r = rx_.poll_next(task);
      if (r.is_pending()) return pending;
      if (!r.get_value().has_value()) return ready_value{std::move(items_)};
      items_.push_back(*r.get_value());
    }
  }

 private:
  mpsc::receiver<int> rx_;
  std::vector<int> items_;
};

}  // namespace

TEST_CASE("mpsc ends have the expected concepts and copy rules", "[channels][mpsc]") {
  using rx_type = mpsc::receiver<int>;
  using tx_type = mpsc::sender<int>;
  using send_type = mpsc::send_future<int>;
  STATIC_REQUIRE(stream<rx_type>);
  STATIC_REQUIRE(pollable_stream<rx_type, archetypes::task>);
  STATIC_REQUIRE(pollable_stream<rx_type, local::reactor::task_type>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<rx_type>, int>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<rx_type>, never>);
  STATIC_REQUIRE(future<send_type>);
  STATIC_REQUIRE(pollable<send_type, archetypes::task>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<send_type>, unit>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<send_type>, mpsc::send_error<int>>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<tx_type&>().send(1)), send_type>);
  STATIC_REQUIRE(
      std::is_same_v<decltype(std::declval<tx_type&>().try_send(1)), std::optional<int>>);
  STATIC_REQUIRE(std::is_copy_constructible_v<tx_type>);
  STATIC_REQUIRE(std::is_nothrow_copy_constructible_v<tx_type>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<rx_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<rx_type>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<send_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<send_type>);
}

TEST_CASE("a channel of capacity 0 is refused with std::invalid_argument", "[channels][mpsc]") {
  CHECK_THROWS_AS(mpsc::channel<int>(0), std::invalid_argument);
  auto [tx, rx] = mpsc::channel<int>(3);
  CHECK(tx.get_capacity() == 3);
  CHECK(rx.get_capacity() == 3);
  CHECK(rx.get_len() == 0);
}

TEST_CASE("a send future waits while the buffer is full and completes once an item is taken",
          "[channels][mpsc]") {
  counting_task producer_task;
  counting_task consumer_task;
  auto [tx, rx] = mpsc::channel<int>(2);
  auto first = tx.send(1);
  auto second = tx.send(2);
  auto third = tx.send(3);
  CHECK(first.poll(producer_task).is_ready());
  CHECK(second.poll(producer_task).is_ready());
  CHECK(rx.get_len() == 2);
  CHECK(third.poll(producer_task).is_pending());
  for (int i = 0; i < 3; ++i) CHECK(third.poll(producer_task).is_pending());  // spurious polls
  CHECK(producer_task.get_live_handles() == 1);
  CHECK(tx.try_send(4) == std::optional<int>(4));
  CHECK(producer_task.get_wake_count() == 0);

  CHECK(next_item(rx, consumer_task) == 1);
  CHECK(producer_task.get_wake_count() == 1);
  CHECK(producer_task.get_live_handles() == 0);
  CHECK(rx.get_len() == 1);
  CHECK(third.poll(producer_task).is_ready());
  CHECK(rx.get_len() == 2);
  CHECK_THROWS_AS(third.poll(producer_task), polled_after_completion);
  CHECK(next_item(rx, consumer_task) == 2);
  CHECK(next_item(rx, consumer_task) == 3);
  CHECK(rx.poll_next(consumer_task).is_pending());
  CHECK(consumer_task.get_wake_count() == 0);
}

TEST_CASE("waiting senders are admitted in FIFO order and a newcomer cannot overtake them",
          "[channels][mpsc]") {
  counting_task task_a;
  counting_task task_b;
  counting_task task_c;
  counting_task consumer;
  auto [tx, rx] = mpsc::channel<int>(1);
  CHECK_FALSE(tx.try_send(0).has_value());
  auto a = tx.send(1);
  auto b = tx.send(2);
  CHECK(a.poll(task_a).is_pending());
  CHECK(b.poll(task_b).is_pending());
  CHECK(tx.try_send(9) == std::optional<int>(9));  // full

  CHECK(next_item(rx, consumer) == 0);
  CHECK(rx.get_len() == 0);
  CHECK(task_a.get_wake_count() == 1);  // the oldest waiter got the slot
  CHECK(task_b.get_wake_count() == 0);
  CHECK(tx.try_send(9) == std::optional<int>(9));  // the free slot is reserved for a
  auto c = tx.send(3);
  CHECK(c.poll(task_c).is_pending());  // so is a newcomer's send future
  CHECK(b.poll(task_b).is_pending());  // and b waits behind a

  CHECK(a.poll(task_a).is_ready());
  CHECK(next_item(rx, consumer) == 1);
  CHECK(task_b.get_wake_count() == 1);
  CHECK(task_c.get_wake_count() == 0);
  CHECK(b.poll(task_b).is_ready());
  CHECK(next_item(rx, consumer) == 2);
  CHECK(task_c.get_wake_count() == 1);
  CHECK(c.poll(task_c).is_ready());
  CHECK(next_item(rx, consumer) == 3);
  CHECK_FALSE(tx.try_send(4).has_value());  // nobody waits: a newcomer may send
  CHECK(next_item(rx, consumer) == 4);
}

TEST_CASE("a dropped waiting send future does not block the senders behind it",
          "[channels][mpsc]") {
  counting_task task_a;
  counting_task task_b;
  counting_task consumer;
  lifecycle life;
  auto [tx, rx] = mpsc::channel<counted>(1);
  CHECK_FALSE(tx.try_send(counted(life, 0)).has_value());
  auto b = tx.send(counted(life, 2));
  SECTION("dropped while it waits") {
    {
      auto a = tx.send(counted(life, 1));
      CHECK(a.poll(task_a).is_pending());
      CHECK(b.poll(task_b).is_pending());
    }
    CHECK(task_a.get_live_handles() == 0);
    CHECK(next_item(rx, consumer).get_value() == 0);
    CHECK(task_b.get_wake_count() == 1);
  }
  SECTION("dropped after a slot was granted to it") {
    {
      auto a = tx.send(counted(life, 1));
      CHECK(a.poll(task_a).is_pending());
      CHECK(b.poll(task_b).is_pending());
      CHECK(next_item(rx, consumer).get_value() == 0);
      CHECK(task_a.get_wake_count() == 1);
      CHECK(task_b.get_wake_count() == 0);
    }
    CHECK(task_b.get_wake_count() == 1);  // the slot was passed on
  }
  CHECK(b.poll(task_b).is_ready());
  CHECK(next_item(rx, consumer).get_value() == 2);
  CHECK(rx.poll_next(consumer).is_pending());
  CHECK(life.get_alive() == 0);  // a's value went with a
}

TEST_CASE("a moved send future keeps its place in the queue", "[channels][mpsc]") {
  counting_task task;
  counting_task consumer;
  auto [tx, rx] = mpsc::channel<int>(1);
  CHECK_FALSE(tx.try_send(0).has_value());
  auto a = tx.send(1);
  auto b = tx.send(2);
  auto c = tx.send(3);
  CHECK(a.poll(task).is_pending());
  CHECK(b.poll(task).is_pending());
  CHECK(c.poll(task).is_pending());
  // Move the head, the middle and the tail of the queue.
  auto moved_b = std::make_unique<mpsc::send_future<int>>(std::move(b));
  std::optional<mpsc::send_future<int>> moved_a;
  moved_a.emplace(std::move(a));
  auto moved_c = std::move(c);
  CHECK_THROWS_AS(b.poll(task), polled_after_completion);  // NOLINT(bugprone-use-after-move)
  CHECK(task.get_live_handles() == 3);

  std::vector<int> order;
  order.push_back(next_item(rx, consumer));
  CHECK(moved_a->poll(task).is_ready());
  order.push_back(next_item(rx, consumer));
  CHECK(moved_c.poll(task).is_pending());  // still behind b
  CHECK(moved_b->poll(task).is_ready());
  order.push_back(next_item(rx, consumer));
  auto last = std::move(moved_c);  // moved while granted: the grant moves along
  CHECK(last.poll(task).is_ready());
  order.push_back(next_item(rx, consumer));
  CHECK(order == std::vector<int>{0, 1, 2, 3});
  CHECK(task.get_live_handles() == 0);
}

TEST_CASE("dropping the receiver fails waiting senders with their values and wakes them",
          "[channels][mpsc]") {
  counting_task task_a;
  counting_task task_b;
  lifecycle life;
  {
    auto [tx, rx] = mpsc::channel<counted>(1);
    CHECK_FALSE(tx.try_send(counted(life, 0)).has_value());
    auto a = tx.send(counted(life, 1));
    auto b = tx.send(counted(life, 2));
    CHECK(a.poll(task_a).is_pending());
    CHECK(b.poll(task_b).is_pending());
    CHECK(life.get_alive() == 3);
    CHECK_FALSE(tx.is_closed());

    drop(rx);
    CHECK(life.get_alive() == 2);  // the buffered item is destroyed
    CHECK(task_a.get_wake_count() == 1);
    CHECK(task_b.get_wake_count() == 1);
    CHECK(task_a.get_live_handles() == 0);
    CHECK(task_b.get_live_handles() == 0);
    CHECK(tx.is_closed());

    auto ra = a.poll(task_a);
    REQUIRE(ra.is_failed());
    CHECK(ra.get_error().value.get_value() == 1);
    auto rb = b.poll(task_b);
    REQUIRE(rb.is_failed());
    CHECK(rb.get_error().value.get_value() == 2);
    CHECK_THROWS_AS(a.poll(task_a), polled_after_completion);

    // Later sends fail the same way.
    auto back = tx.try_send(counted(life, 3));
    REQUIRE(back.has_value());
    CHECK(back->get_value() == 3);
    auto later = tx.send(counted(life, 4));
    auto rl = later.poll(task_a);
    REQUIRE(rl.is_failed());
    CHECK(rl.get_error().value.get_value() == 4);
  }
  CHECK(life.get_alive() == 0);
  CHECK(life.copied == 0);
}

TEST_CASE("a slot granted to a sender is released when the receiver goes before it is filled",
          "[channels][mpsc]") {
  counting_task task;
  counting_task consumer;
  auto [tx, rx] = mpsc::channel<int>(1);
  CHECK_FALSE(tx.try_send(0).has_value());
  auto a = tx.send(1);
  CHECK(a.poll(task).is_pending());
  CHECK(next_item(rx, consumer) == 0);  // grants the slot to a
  CHECK(task.get_wake_count() == 1);
  drop(rx);
  auto r = a.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error().value == 1);
}

TEST_CASE("the stream ends once every sender is dropped and the buffer is drained",
          "[channels][mpsc]") {
  counting_task consumer;
  auto [tx, rx] = mpsc::channel<int>(4);
  auto tx2 = tx;
  CHECK_FALSE(tx.try_send(1).has_value());
  CHECK_FALSE(tx2.try_send(2).has_value());
  drop(tx);
  CHECK(next_item(rx, consumer) == 1);
  CHECK(rx.poll_next(consumer).is_ready());    // 2
  CHECK(rx.poll_next(consumer).is_pending());  // tx2 is alive
  CHECK(consumer.get_live_handles() == 1);
  CHECK(consumer.get_wake_count() == 0);
  drop(tx2);
  CHECK(consumer.get_wake_count() == 1);
  CHECK(consumer.get_live_handles() == 0);
  auto end = rx.poll_next(consumer);
  REQUIRE(end.is_ready());
  CHECK_FALSE(end.get_value().has_value());
  CHECK_THROWS_AS(rx.poll_next(consumer), polled_after_completion);
  CHECK(rx.get_capacity() == 0);
}

TEST_CASE("a pending send future counts as a sender until it completes", "[channels][mpsc]") {
  counting_task producer_task;
  counting_task consumer;
  auto [tx, rx] = mpsc::channel<int>(1);
  CHECK_FALSE(tx.try_send(1).has_value());
  auto f = tx.send(2);
  drop(tx);
  CHECK(f.poll(producer_task).is_pending());
  CHECK(next_item(rx, consumer) == 1);
  CHECK(rx.poll_next(consumer).is_pending());  // f still holds a sender
  CHECK(f.poll(producer_task).is_ready());
  CHECK(consumer.get_wake_count() == 1);
  CHECK(next_item(rx, consumer) == 2);
  auto end = rx.poll_next(consumer);
  REQUIRE(end.is_ready());
  CHECK_FALSE(end.get_value().has_value());
}

TEST_CASE("items from several senders arrive in the order they were sent", "[channels][mpsc]") {
  counting_task task;
  auto [tx, rx] = mpsc::channel<int>(16);
  std::vector<mpsc::sender<int>> senders{tx, tx, tx};
  drop(tx);
  std::vector<int> sent;
  for (int i = 0; i < 12; ++i) {
    const auto which = static_cast<std::size_t>((i * 7) % 3);
    if (i % 2 == 0) {
      CHECK_FALSE(senders[which].try_send(i).has_value());
    } else {
      auto f = senders[which].send(i);
      CHECK(f.poll(task).is_ready());
    }
    sent.push_back(i);
  }
  CHECK(rx.get_len() == 12);
  senders.clear();
  std::vector<int> received;
  for (;;) {
    auto r = rx.poll_next(task);
    REQUIRE(r.is_ready());
    if (!r.get_value().has_value()) break;
    received.push_back(*r.get_value());
  }
  CHECK(received == sent);
}

TEST_CASE("the receiver is woken once per wait and keeps one handle across spurious polls",
          "[channels][mpsc]") {
  counting_task consumer;
  auto [tx, rx] = mpsc::channel<int>(4);
  for (int i = 0; i < 4; ++i) CHECK(rx.poll_next(consumer).is_pending());
  CHECK(consumer.get_live_handles() == 1);
  CHECK_FALSE(tx.try_send(1).has_value());
  CHECK_FALSE(tx.try_send(2).has_value());  // no second wake before the receiver polls again
  CHECK(consumer.get_wake_count() == 1);
  CHECK(next_item(rx, consumer) == 1);
  CHECK(next_item(rx, consumer) == 2);
  CHECK(rx.poll_next(consumer).is_pending());
  CHECK_FALSE(tx.try_send(3).has_value());
  CHECK(consumer.get_wake_count() == 2);
}

TEST_CASE("mpsc values are destroyed exactly once on every path", "[channels][mpsc]") {
  counting_task task;
  lifecycle life;
  {
    auto [tx, rx] = mpsc::channel<counted>(2);
    CHECK_FALSE(tx.try_send(counted(life, 1)).has_value());  // received
    {
      auto f = tx.send(counted(life, 2));  // buffered, never received
      CHECK(f.poll(task).is_ready());
    }
    auto full = tx.try_send(counted(life, 3));  // given back: full
    REQUIRE(full.has_value());
    {
      auto never_polled = tx.send(counted(life, 4));  // dropped before its first poll
    }
    {
      auto waiting = tx.send(counted(life, 5));  // dropped while it waits
      CHECK(waiting.poll(task).is_pending());
    }
    {
      const counted got = next_item(rx, task);
      CHECK(got.get_value() == 1);
    }
    CHECK(life.get_alive() == 2);  // 2 in the buffer, 3 in `full`
  }
  CHECK(life.get_alive() == 0);
  CHECK(life.constructed == 5);
  CHECK(life.copied == 0);
}

TEST_CASE("a steady-state send and receive loop that never waits allocates nothing",
          "[channels][mpsc]") {
  counting_task producer_task;
  counting_task consumer;
  auto [tx, rx] = mpsc::channel<std::string>(2);
  const std::string text = "a string too long for the small buffer optimisation";
  auto message = text;  // made before counting
  int failures = 0;     // no Catch assertions inside the counted loop
  {
    allocation_counter allocs;
    for (int i = 0; i < 1000; ++i) {
      if (!rx.poll_next(consumer).is_pending()) ++failures;  // waits: keeps the handle
      auto f = tx.send(std::move(message));
      if (!f.poll(producer_task).is_ready()) ++failures;  // wakes the receiver
      auto r = rx.poll_next(consumer);
      if (!r.is_ready() || !r.get_value().has_value()) {
        ++failures;
        break;
      }
      message = std::move(*r.get_value());
      if (tx.try_send(std::move(message)).has_value()) ++failures;
      auto again = rx.poll_next(consumer);
      if (!again.is_ready() || !again.get_value().has_value()) {
        ++failures;
        break;
      }
      message = std::move(*again.get_value());
    }
    CHECK(allocs.get_count() == 0);
  }
  CHECK(failures == 0);
  CHECK(message == text);
  CHECK(consumer.get_wake_count() == 1000);  // once a wait
  CHECK(producer_task.get_wake_count() == 0);
}

TEST_CASE("a send future waiting for a slot allocates nothing either", "[channels][mpsc]") {
  counting_task producer_task;
  counting_task consumer;
  auto [tx, rx] = mpsc::channel<int>(1);
  int failures = 0;  // no Catch assertions inside the counted loop
  std::vector<int> received;
  received.reserve(200);
  {
    allocation_counter allocs;
    for (int i = 0; i < 100; ++i) {
      if (tx.try_send(2 * i).has_value()) ++failures;
      auto f = tx.send(2 * i + 1);
      if (!f.poll(producer_task).is_pending()) ++failures;  // full: waits in the queue
      auto r = rx.poll_next(consumer);                      // grants the slot to f
      if (r.is_ready() && r.get_value().has_value()) received.push_back(*r.get_value());
      auto moved = std::move(f);
      if (!moved.poll(producer_task).is_ready()) ++failures;
      auto r2 = rx.poll_next(consumer);
      if (r2.is_ready() && r2.get_value().has_value()) received.push_back(*r2.get_value());
    }
    CHECK(allocs.get_count() == 0);
  }
  CHECK(failures == 0);
  REQUIRE(received.size() == 200);
  for (std::size_t i = 0; i < received.size(); ++i) CHECK(received[i] == static_cast<int>(i));
  CHECK(producer_task.get_wake_count() == 100);
}

TEST_CASE("a sender and a receiver that alternate never lose a wake", "[channels][mpsc]") {
  // Two tasks polled only when woken (as a reactor does): a lost wake leaves both pending with
  // no wake outstanding, which the loop reports instead of spinning.
  counting_task producer_task;
  counting_task consumer;
  constexpr int count = 200;
  auto [tx, rx] = mpsc::channel<int>(1);
  std::optional<mpsc::send_future<int>> sending;
  int next = 0;
  std::vector<int> received;
  bool producer_ready = true;
  bool consumer_ready = true;
  bool ended = false;
  std::size_t producer_seen = 0;
  std::size_t consumer_seen = 0;
  std::size_t polls = 0;
  while (!ended) {
    REQUIRE((producer_ready || consumer_ready));  // otherwise a wake was lost
    REQUIRE(++polls < 10 * count);
    if (producer_ready) {
      producer_ready = false;
      for (;;) {
        if (!sending) {
          if (next == count) {
            drop(tx);
            break;
          }
          sending.emplace(tx.send(next));
        }
        if (sending->poll(producer_task).is_pending()) break;
        sending.reset();
        ++next;
      }
    }
    if (consumer_ready) {
      consumer_ready = false;
      for (;;) {
        auto r = rx.poll_next(consumer);
        if (r.is_pending()) break;
        if (!r.get_value().has_value()) {
          ended = true;
          break;
        }
        received.push_back(*r.get_value());
      }
    }
    // Deliver the wakes.
    if (producer_task.get_wake_count() != producer_seen) {
      producer_seen = producer_task.get_wake_count();
      producer_ready = true;
    }
    if (consumer.get_wake_count() != consumer_seen) {
      consumer_seen = consumer.get_wake_count();
      consumer_ready = true;
    }
  }
  REQUIRE(received.size() == static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) CHECK(received[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("a producer task feeds a consumer through a capacity-1 channel on the local reactor",
          "[channels][mpsc][reactor]") {
  constexpr int count = 500;
  local::reactor reactor;
  auto [tx, rx] = mpsc::channel<int>(1);
  reactor.spawn_detached(producer(std::move(tx), count));
  auto r = reactor.block_on(collector(std::move(rx)));
  REQUIRE(r.is_ready());
  const auto& items = r.get_value();
  REQUIRE(items.size() == static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) CHECK(items[static_cast<std::size_t>(i)] == i);
  CHECK(reactor.get_task_count() == 0);
}

TEST_CASE("several producer tasks on the local reactor deliver every item through one channel",
          "[channels][mpsc][reactor]") {
  constexpr int count = 100;
  local::reactor reactor;
  auto [tx, rx] = mpsc::channel<int>(2);
  for (int p = 0; p < 3; ++p) reactor.spawn_detached(producer(tx, count));
  drop(tx);
  auto r = reactor.block_on(collector(std::move(rx)));
  REQUIRE(r.is_ready());
  auto items = r.get_value();
  REQUIRE(items.size() == static_cast<std::size_t>(3 * count));
  std::vector<int> per_value(count, 0);
  for (int v : items) ++per_value[static_cast<std::size_t>(v)];
  for (int n : per_value) CHECK(n == 3);
}

TEST_CASE("a send future can be move-assigned, idle or waiting, and one slot reused for sends",
          "[channels][mpsc]") {
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<mpsc::send_future<int>>);
  counting_task producer;
  counting_task consumer;
  auto [tx, rx] = mpsc::channel<int>(1);
  std::optional<mpsc::send_future<int>> slot;
  slot.emplace(tx.send(1));
  CHECK(slot->poll(producer).is_ready());
  *slot = tx.send(2);                        // the completed send is replaced by a fresh one
  CHECK(slot->poll(producer).is_pending());  // the buffer is full: it waits, queued
  auto waiting_behind = tx.send(3);
  CHECK(waiting_behind.poll(producer).is_pending());
  // Assigning over a waiting send gives its place up: the next in line moves up.
  *slot = tx.send(4);
  CHECK(next_item(rx, consumer) == 1);
  CHECK(waiting_behind.poll(producer).is_ready());  // 3 took the freed slot, not the dropped 2
  CHECK(next_item(rx, consumer) == 3);
  CHECK(slot->poll(producer).is_ready());
  CHECK(next_item(rx, consumer) == 4);
  // Assigning a waiting send moves its place in the queue with it.
  auto fill = tx.send(5);
  CHECK(fill.poll(producer).is_ready());
  auto queued = tx.send(6);
  CHECK(queued.poll(producer).is_pending());
  *slot = std::move(queued);
  CHECK(next_item(rx, consumer) == 5);
  CHECK(slot->poll(producer).is_ready());
  CHECK(next_item(rx, consumer) == 6);
  CHECK(producer.get_live_handles() == 0);
}
