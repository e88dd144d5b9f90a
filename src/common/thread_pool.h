// A fixed set of worker threads running queued tasks in FIFO order, for work that blocks
// (object-store requests) and must stay off the network I/O threads.
//
// Thread safe: Post may be called from any thread, also from a task. The destructor (or
// Shutdown) runs every task already posted, then joins the workers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lm {

class ThreadPool {
 public:
  // Starts `threads` (>= 1) workers.
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task`. After Shutdown the task is run on the calling thread instead, so that
  // work is never silently dropped.
  void Post(std::function<void()> task);

  // Runs the queued tasks, stops and joins the workers. Idempotent.
  void Shutdown();

  // Tasks queued and not yet started.
  size_t queued() const;

 private:
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace lm
