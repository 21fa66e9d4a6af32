// What the watcher reports about the input folder. Plain values, no Asio.
#pragma once

#include <string>

namespace feedd::watcher {

enum class EventKind {
  kChanged,     // a file was written and closed, or moved in: read it
  kRemoved,     // a file was deleted or moved away
  kRemovedDir,  // a folder was deleted or moved away: everything under it is gone
  kRescan,      // events were lost or the folder came back: reconcile with a full scan
};

struct Event {
  EventKind kind = EventKind::kRescan;
  std::string path;  // relative to the input folder; empty for kRescan
  // kChanged only: the file was seen by a listing (a new folder's, a poll's), not
  // by its writer's close, so it may still be being written.
  bool listed = false;
};

}  // namespace feedd::watcher
