// Watches the input folder with inotify, driven by an Asio event loop: no polling
// loop, no thread per watch. Subfolders are watched too, including ones created
// later (their files, maybe still being written, are reported as listed). Reports
// files only when complete: after IN_CLOSE_WRITE (written in place) or IN_MOVED_TO
// (written elsewhere, then renamed in). A lost-event overflow walks the tree again,
// adding every missing watch, then asks for a rescan; so does the folder coming
// back, or being replaced at its path (renamed over, exchanged, a symbolic link
// flipped), which the folder's parent and a check of the path's identity tell.
// Subfolders that cannot be watched (the watch limit; in kAuto, a network or FUSE
// file system mounted below) are polled instead, said once in the log.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "watcher/folder_watcher.h"

namespace feedd::watcher {

// What one inotify record means for a file (not a folder): `act` is false for
// records that carry nothing to act on (IN_CREATE of a file still being written).
// Pure; exposed for tests.
struct Decoded {
  bool act = false;
  EventKind kind = EventKind::kRescan;
};
Decoded DecodeFileEvent(uint32_t mask);

class InotifyWatcher : public FolderWatcher {
 public:
  InotifyWatcher(boost::asio::io_context& ioc, std::string root, Handler on_events,
                 const WatchOptions& options = {});
  ~InotifyWatcher() override;
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;

  void Start() override;
  void Stop() override;
  bool watching() const override;
  std::string description() const override;
  size_t watch_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace feedd::watcher
