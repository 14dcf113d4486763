#include <gentask/runtime/remote_inbox.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

using namespace gentask;

namespace {

/// Counts its unparks.
struct counting_unparker {
  std::atomic<int>* count = nullptr;
  void unpark() noexcept {
    if (count != nullptr) ++*count;
  }
};

using inbox = runtime::basic_remote_inbox<counting_unparker>;

struct recorded_request final : runtime::remote_request {
  std::vector<int>* log;
  int id;
  recorded_request(std::vector<int>* l, int i) : log(l), id(i) {}
  void execute(void*) noexcept override {
    log->push_back(id);
    delete this;
  }
  void discard() noexcept override {
    log->push_back(-id);
    delete this;
  }
};

}  // namespace

TEST_CASE("a remote inbox hands over everything posted since the last take, once",
          "[runtime][remote_inbox]") {
  std::atomic<int> unparks{0};
  auto* in = new inbox;
  in->get_unparker().count = &unparks;
  runtime::remote_batch batch;
  CHECK_FALSE(in->is_nonempty());
  CHECK_FALSE(in->take(batch));

  in->post_wake(7);
  in->post_wake(9);
  CHECK(in->post([](runtime::remote_batch& b) { b.cancels.push_back(task_id(1, 2, 3)); }));
  CHECK(unparks == 3);
  CHECK(in->is_nonempty());
  REQUIRE(in->take(batch));
  CHECK(batch.tokens == std::vector<std::uint64_t>{7, 9});
  CHECK(batch.cancels == std::vector<task_id>{task_id(1, 2, 3)});
  CHECK_FALSE(batch.wake_all);
  CHECK_FALSE(in->is_nonempty());
  batch.tokens.clear();
  batch.cancels.clear();
  CHECK_FALSE(in->take(batch));
  in->release();
}

TEST_CASE("a closed remote inbox refuses posts and gives its queued requests back to discard",
          "[runtime][remote_inbox]") {
  std::atomic<int> unparks{0};
  auto* in = new inbox;
  in->get_unparker().count = &unparks;
  std::vector<int> log;
  CHECK(in->post(
      [&](runtime::remote_batch& b) { b.requests.push_back(new recorded_request(&log, 1)); }));
  in->post_wake(5);
  auto pending = in->close();
  REQUIRE(pending.size() == 1);
  for (auto* r : pending) r->discard();
  CHECK(log == std::vector<int>{-1});
  auto* late = new recorded_request(&log, 2);
  CHECK_FALSE(in->post([&](runtime::remote_batch& b) { b.requests.push_back(late); }));
  delete late;       // refused: still the poster's
  in->post_wake(6);  // dropped, no unpark
  CHECK(unparks == 2);
  runtime::remote_batch batch;
  CHECK_FALSE(in->take(batch));
  in->release();
}

TEST_CASE("releasing down to the reactor's own reference unparks it: the stall signal",
          "[runtime][remote_inbox]") {
  std::atomic<int> unparks{0};
  auto* in = new inbox;
  in->get_unparker().count = &unparks;
  in->retain();
  in->retain();
  CHECK(in->get_reference_count() == 3);
  in->release();  // two holders left: a plain decrement
  CHECK(unparks == 0);
  CHECK_FALSE(in->is_last_reference());
  in->release();  // the reactor's is the last: signalled
  CHECK(unparks == 1);
  CHECK(in->is_last_reference());
  in->release();  // freed (ASan checks that nothing leaks or is touched after)
}

TEST_CASE("remote wakes posted from many threads all arrive", "[runtime][remote_inbox][threads]") {
  auto* in = new inbox;
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  std::vector<std::thread> posters;
  for (int t = 0; t < threads; ++t) {
    in->retain();
    posters.emplace_back([in, t] {
      for (int i = 0; i < per_thread; ++i)
        in->post_wake(static_cast<std::uint64_t>(t * per_thread + i));
      in->release();
    });
  }
  std::vector<std::uint64_t> seen;
  runtime::remote_batch batch;
  while (seen.size() < threads * per_thread) {
    if (in->take(batch)) {
      seen.insert(seen.end(), batch.tokens.begin(), batch.tokens.end());
      batch.tokens.clear();
    } else {
      std::this_thread::yield();
    }
  }
  for (auto& p : posters) p.join();
  std::sort(seen.begin(), seen.end());
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == i);
  in->release();
}
