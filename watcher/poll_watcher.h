// Watches the input folder by polling (watcher/tree_poller.h) every poll
// interval: for network and FUSE file systems, where inotify hears nothing of
// what is written from the other side. The events are the ones inotify gives.
#pragma once

#include <memory>
#include <string>

#include "watcher/folder_watcher.h"

namespace feedd::watcher {

class PollWatcher : public FolderWatcher {
 public:
  PollWatcher(boost::asio::io_context& ioc, std::string root, Handler on_events,
              const WatchOptions& options = {});
  ~PollWatcher() override;
  PollWatcher(const PollWatcher&) = delete;
  PollWatcher& operator=(const PollWatcher&) = delete;

  void Start() override;
  void Stop() override;
  bool watching() const override;
  std::string description() const override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace feedd::watcher
