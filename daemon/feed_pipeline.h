// One feed's pipeline on the ingest thread: the watcher's events, coalesced for a
// few milliseconds, go to the publisher (which reads, parses, asks the identity
// store and re-renders what the change touches); each new snapshot is written to
// the state, then published to the server, then offered to the output folder.
//
//   watcher/ --events--> Publisher (ingest -> store -> publish) --snapshot--> HTTP
//                                                              \--> SiteWriterThread
//
// Runs on the ingest io_context; all methods are called on its thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/publish/publisher.h"
#include "daemon/publish/site_writer.h"
#include "daemon/publish/snapshot.h"
#include "daemon/store/identity_store.h"
#include "watcher/folder_watcher.h"

namespace feedd::daemon {

// The health of every feed, written on the ingest thread; the server reads the two
// summaries (true only when true for every feed).
struct HealthBoard {
  std::atomic<bool> watching_all{false};
  std::atomic<bool> state_all{true};
  void SetWatching(size_t feed, bool v) { Set(&watching_, feed, v, &watching_all); }
  void SetState(size_t feed, bool v) { Set(&state_, feed, v, &state_all); }

 private:
  void Set(std::vector<char>* flags, size_t feed, bool value, std::atomic<bool>* all);
  std::vector<char> watching_, state_;
};

struct PipelineOptions {
  PublisherOptions publisher;
  std::string output_dir;   // empty: none
  std::string state_dir;    // empty: the state lives in memory
  std::string state_file;   // its file name in state_dir
  size_t feed = 0;          // this feed's number on the health board
  watcher::WatchOptions watch;
};

class FeedPipeline {
 public:
  // `on_changed` gets the URLs of the feeds a regeneration changed (WebSub).
  // `cancel` turns true when the daemon stops: a long load returns early.
  FeedPipeline(boost::asio::io_context& ioc, PipelineOptions options, SnapshotHolder& snapshots,
               HealthBoard& health, const std::atomic<bool>* cancel,
               std::function<void(std::vector<std::string>)> on_changed);
  ~FeedPipeline();

  // The remembered state, the first full scan and snapshot; then watching starts.
  void Start();
  void Stop();
  // New settings from a reload: a new folder is watched and read, and everything is
  // rendered again with the new feed settings.
  void Reconfigure(PublisherOptions options, std::string output_dir,
                   watcher::WatchOptions watch);

 private:
  void StartWatcher();
  void OnEvents(std::vector<watcher::Event> events);
  void Flush();
  void SaveState();
  void Publish(size_t event_count);
  void ArmSchedule();
  // Files seen while still being written are read again shortly (their writer's
  // close usually comes first).
  void ArmRetry();
  bool cancelled() const { return cancel_ && cancel_->load(); }

  boost::asio::io_context& ioc_;
  PipelineOptions options_;
  IdentityStore store_;  // before the publisher, which points at it
  Publisher publisher_;
  SnapshotHolder& snapshots_;
  HealthBoard& health_;
  const std::atomic<bool>* cancel_;
  std::function<void(std::vector<std::string>)> on_changed_;
  std::unique_ptr<SiteWriterThread> output_;
  std::unique_ptr<watcher::FolderWatcher> watcher_;
  bool state_ok_ = true;
  boost::asio::steady_timer debounce_;
  boost::asio::steady_timer state_retry_;
  boost::asio::steady_timer schedule_;
  boost::asio::steady_timer retry_;
  bool retry_armed_ = false;
  int64_t scheduled_for_ = 0;
  std::vector<watcher::Event> pending_;
  std::chrono::steady_clock::time_point first_event_;
};

}  // namespace feedd::daemon
