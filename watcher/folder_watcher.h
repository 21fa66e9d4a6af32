// Watching the input folder: inotify where its events can be trusted, polling
// where they cannot (a network or FUSE file system, a subtree past the inotify
// watch limit). Both report the same events (watcher/event.h) to the same
// handler, on the thread running the io_context given.
//
// Not thread-safe: construct, Start() and Stop() on that thread. The handler may
// get an empty batch: watching() changed.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "watcher/event.h"

namespace boost::asio {
class io_context;
}

namespace feedd::watcher {

enum class WatchMode {
  kAuto,     // inotify on local file systems, polling where events cannot be trusted
  kInotify,  // inotify everywhere (past the watch limit, polling all the same)
  kPoll,     // a stat-only walk every poll interval
};

// Shared with /metrics; moved by every watcher.
struct WatchCounters {
  std::atomic<int64_t> polled_folders{0};  // folders (subtrees) watched by polling now
  std::atomic<uint64_t> fallbacks{0};      // folders polled because inotify ran out of watches
};

struct WatchOptions {
  WatchMode mode = WatchMode::kAuto;
  std::chrono::milliseconds poll_interval{2000};
  // While the input folder is missing, how often to look for it again; as often,
  // whether the folder at its path is still the one watched.
  std::chrono::milliseconds retry{500};
  WatchCounters* counters = nullptr;
  // Counted up for every folder a walk lists (null: none): the watchdog's sign that
  // a long walk on the ingest thread still moves.
  std::atomic<uint64_t>* progress = nullptr;

  // A file a walk saw new or changed is looked at again (by stat) this long after,
  // and reported if it did not change: half an interval, at most a second.
  std::chrono::milliseconds confirm_after() const {
    return std::min(poll_interval / 2, std::chrono::milliseconds(1000));
  }
};

class FolderWatcher {
 public:
  using Handler = std::function<void(std::vector<Event>)>;
  virtual ~FolderWatcher() = default;
  // Starts watching. A missing folder is logged and looked for again; when it
  // appears (or is replaced) the handler gets a rescan.
  virtual void Start() = 0;
  virtual void Stop() = 0;
  // True while the folder is being watched (false while it is missing).
  virtual bool watching() const = 0;
  // "inotify", "poll", or "inotify, polling N folders".
  virtual std::string description() const = 0;
};

// The watcher `options.mode` asks for; for kAuto, chosen from the file system
// under `root`, with one log line saying which and why.
std::unique_ptr<FolderWatcher> MakeFolderWatcher(boost::asio::io_context& ioc, std::string root,
                                                 const WatchOptions& options,
                                                 FolderWatcher::Handler on_events);

const char* WatchModeName(WatchMode mode);

}  // namespace feedd::watcher
