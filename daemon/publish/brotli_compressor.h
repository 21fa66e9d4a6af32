// Makes the brotli twins of published resources on one background thread at the
// lowest CPU priority, so the densest quality costs neither the drop-to-feed
// latency nor serving time: until its twin is made, a resource is served as gzip.
// The hot resources (those with a body file: feeds and index) first, newest first; a
// resource no longer referenced by its turn is skipped. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "daemon/publish/snapshot.h"

namespace feedd::daemon {

class BrotliCompressor {
 public:
  BrotliCompressor();
  // Abandons the body being compressed (within about 0.1 s) and the rest.
  ~BrotliCompressor();
  BrotliCompressor(const BrotliCompressor&) = delete;
  BrotliCompressor& operator=(const BrotliCompressor&) = delete;

  // Queues the twin of `res`: `rep` holds its header fields (see MakeResource).
  void Add(std::weak_ptr<daemon::Resource> res, std::unique_ptr<daemon::Representation> rep,
           bool zero_copy);

  // Blocks until everything queued so far has been made or skipped.
  void Drain();

 private:
  struct Job {
    std::weak_ptr<daemon::Resource> res;
    std::unique_ptr<daemon::Representation> rep;
    bool zero_copy = false;
  };
  void Run();

  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<Job> jobs_;  // guarded by mu_
  bool busy_ = false;     // guarded by mu_
  bool stop_ = false;     // guarded by mu_
  std::atomic<bool> cancel_{false};  // stop_, read without the lock while compressing
  std::thread thread_;
};

}  // namespace feedd::daemon
