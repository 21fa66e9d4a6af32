// Parsing on every core: a few ParseWorkers (parse_worker.h), each with its own
// child and a thread that drives it. Batches of files queue up and go to the next
// idle worker, so a folder's groups of files are parsed in parallel while each file
// keeps the worker's guarantees (the budget, a crash or a timeout skips that file
// alone, the child is replaced).
//
// Thread-safe: Submit may be called from any thread. Destroy it only once every
// batch submitted has been waited for.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/ingest/parse_worker.h"

namespace feedd::daemon {

class ParsePool {
 public:
  // `workers` children and threads; 0: one per core (std::thread::hardware_concurrency(),
  // at least 1). Children start on their first batch. `executable` and `budget` are
  // as for ParseWorker.
  ParsePool(std::string executable, std::chrono::milliseconds budget, size_t workers = 0);
  ~ParsePool();  // stops the threads; their children are killed
  ParsePool(const ParsePool&) = delete;
  ParsePool& operator=(const ParsePool&) = delete;

  // Queues `jobs` for the next idle worker and returns at once; the future gives one
  // result per job, in order (ParseWorker::ParseMany). The jobs' views must stay
  // valid until the future is ready. When `*cancel` (null: never) turns true, the
  // batch ends within ParseWorker::kCancelPoll and the files not parsed get
  // kCancelled.
  std::future<std::vector<ParseResult>> Submit(std::vector<ParseJob> jobs,
                                               const std::atomic<bool>* cancel = nullptr);

  size_t size() const { return threads_.size(); }
  // For the batches that start from now on (ParseWorker::set_progress).
  void set_progress(std::atomic<uint64_t>* progress) { progress_.store(progress); }
  // For the batches that start from now on.
  void set_budget(std::chrono::milliseconds budget) { budget_ms_.store(budget.count()); }
  std::chrono::milliseconds budget() const { return std::chrono::milliseconds(budget_ms_.load()); }
  // Each worker's child (0: none runs), for tests; only while no batch is queued or
  // running (the futures' results are a barrier).
  std::vector<pid_t> child_pids() const;

 private:
  struct Batch {
    std::vector<ParseJob> jobs;
    const std::atomic<bool>* cancel = nullptr;
    std::promise<std::vector<ParseResult>> done;
  };
  void Run(ParseWorker* worker);

  std::atomic<int64_t> budget_ms_;
  std::atomic<std::atomic<uint64_t>*> progress_{nullptr};
  std::vector<std::unique_ptr<ParseWorker>> workers_;
  std::mutex mu_;  // guards queue_ and stopping_
  std::condition_variable ready_;
  std::deque<Batch> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace feedd::daemon
