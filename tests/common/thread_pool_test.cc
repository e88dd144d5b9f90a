#include "common/thread_pool.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

namespace lm {
namespace {

TEST(ThreadPoolTest, RunsEveryTaskAndDrainsOnShutdown) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(3);
    for (int i = 0; i < 100; ++i) {
      pool.Post([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ran++;
      });
    }
  }  // the destructor waits for the queue
  EXPECT_EQ(ran.load(), 100);
}

TEST(ThreadPoolTest, TasksRunInParallel) {
  std::promise<void> both;
  std::atomic<int> arrived{0};
  std::promise<void> go;
  std::shared_future<void> go_f = go.get_future().share();
  // Declared last so that its threads are joined before the promises die.
  ThreadPool pool(2);
  for (int i = 0; i < 2; ++i) {
    pool.Post([&] {
      if (++arrived == 2) both.set_value();
      go_f.wait();
    });
  }
  EXPECT_EQ(both.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  go.set_value();
}

TEST(ThreadPoolTest, PostAfterShutdownRunsInline) {
  ThreadPool pool(1);
  pool.Shutdown();
  bool ran = false;
  pool.Post([&] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_EQ(pool.queued(), 0u);
}

}  // namespace
}  // namespace lm
