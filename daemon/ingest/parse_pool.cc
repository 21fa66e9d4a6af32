#include "daemon/ingest/parse_pool.h"

#include <algorithm>

namespace feedd::daemon {

ParsePool::ParsePool(std::string executable, std::chrono::milliseconds budget, size_t workers)
    : budget_ms_(budget.count()) {
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < workers; ++i)
    workers_.push_back(std::make_unique<ParseWorker>(executable, budget));
  for (size_t i = 0; i < workers; ++i)
    threads_.emplace_back([this, w = workers_[i].get()] { Run(w); });
}

ParsePool::~ParsePool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
  // workers_ go after the threads: each kills and reaps its child.
}

std::future<std::vector<ParseResult>> ParsePool::Submit(std::vector<ParseJob> jobs,
                                                        const std::atomic<bool>* cancel) {
  std::promise<std::vector<ParseResult>> done;
  std::future<std::vector<ParseResult>> result = done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(Batch{std::move(jobs), cancel, std::move(done)});
  }
  ready_.notify_one();
  return result;
}

std::vector<pid_t> ParsePool::child_pids() const {
  std::vector<pid_t> pids;
  for (const std::unique_ptr<ParseWorker>& w : workers_) pids.push_back(w->child_pid());
  return pids;
}

void ParsePool::Run(ParseWorker* worker) {
  for (;;) {
    Batch batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to answer
      batch = std::move(queue_.front());
      queue_.pop_front();
    }
    worker->set_budget(budget());
    worker->set_progress(progress_.load());
    // ParseMany catches what the child does; only allocation can throw here.
    try {
      batch.done.set_value(worker->ParseMany(batch.jobs, batch.cancel));
    } catch (...) {
      batch.done.set_exception(std::current_exception());
    }
  }
}

}  // namespace feedd::daemon
