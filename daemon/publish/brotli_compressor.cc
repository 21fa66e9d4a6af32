#include "daemon/publish/brotli_compressor.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <iterator>

#include <spdlog/spdlog.h>

#include "daemon/publish/resource.h"

namespace feedd::daemon {
namespace {

// Past this many waiting twins (a long stream of rebuilds outpacing the thread),
// those of resources already gone are dropped, then the oldest: they stay gzip.
constexpr size_t kMaxQueued = 4096;

}  // namespace

BrotliCompressor::BrotliCompressor() : thread_([this] { Run(); }) {}

BrotliCompressor::~BrotliCompressor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    jobs_.clear();
  }
  cancel_ = true;
  wake_.notify_all();
  thread_.join();
}

void BrotliCompressor::Add(std::weak_ptr<daemon::Resource> res,
                           std::unique_ptr<daemon::Representation> rep, bool zero_copy) {
  {
    std::lock_guard lock(mu_);
    if (jobs_.size() >= kMaxQueued) {
      std::erase_if(jobs_, [](const Job& j) { return j.res.expired(); });
      while (jobs_.size() >= kMaxQueued) jobs_.pop_front();
    }
    jobs_.push_back(Job{std::move(res), std::move(rep), zero_copy});
  }
  wake_.notify_one();
}

void BrotliCompressor::Drain() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return stop_ || (jobs_.empty() && !busy_); });
}

void BrotliCompressor::Run() {
  // SCHED_IDLE for this thread only (Linux policies are per thread): any other
  // thread that wakes up takes the CPU from it at once, so serving and ingest always
  // come first and the twins use what CPU is left. Nice 19 where that is refused.
  const sched_param param{};
  if (::sched_setscheduler(0, SCHED_IDLE, &param) != 0)
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
    if (stop_) break;
    // The hot resources (feeds, index) first, then the rest; newest first in each.
    auto pick =
        std::find_if(jobs_.rbegin(), jobs_.rend(), [](const Job& j) { return j.zero_copy; });
    if (pick == jobs_.rend()) pick = jobs_.rbegin();
    Job job = std::move(*pick);
    jobs_.erase(std::next(pick).base());
    std::shared_ptr<daemon::Resource> res = job.res.lock();
    if (!res) {  // replaced by a newer build before its turn
      if (jobs_.empty()) idle_.notify_all();
      continue;
    }
    busy_ = true;
    lock.unlock();
    try {
      const auto start = std::chrono::steady_clock::now();
      const size_t size = res->identity.body.size();
      std::unique_ptr<const daemon::Representation> twin =
          CompleteBrotliTwin(*res, std::move(job.rep), job.zero_copy, &cancel_);
      if (!twin) break;  // stopping
      const size_t made = twin->body.size();
      res->SetBrotli(std::move(twin));
      spdlog::debug("brotli twin: {} bytes to {} at quality {} in {} ms", size, made,
                    BrotliQualityFor(size),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count());
    } catch (const std::exception& e) {
      spdlog::warn("brotli twin not made, serving gzip: {}", e.what());
    }
    res.reset();  // the last reference may go here, outside the lock
    lock.lock();
    busy_ = false;
    if (jobs_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

}  // namespace feedd::daemon
