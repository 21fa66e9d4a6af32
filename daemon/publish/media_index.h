// The media files of one input folder (feed/media.h): path -> type, size, time and
// inode, kept current from the watcher's events and reconciled with each scan. The
// snapshot serves from it (/media/PATH) and the feeds' enclosures and images read
// their lengths and types from it. One stat(2) per event; a scan costs nothing more
// than the listing it already made.
//
// Not thread-safe: one owner (the publisher, on the ingest thread). The table it
// hands out is an immutable persistent map, shared with the snapshots.
#pragma once

#include <set>
#include <string>
#include <utility>

#include "daemon/publish/snapshot.h"
#include "watcher/scan.h"

namespace feedd::daemon {

class MediaIndex {
 public:
  // Whether `relative_path` names a media file the index keeps: a media extension,
  // no hidden or temporary component.
  static bool IsMediaPath(const std::string& relative_path);

  void SetRoot(std::string root);  // the input folder; a new one forgets every file
  // The file at `relative_path` as it is now: listed, changed or gone. True when the
  // table changed.
  bool Refresh(const std::string& relative_path);
  bool Remove(const std::string& relative_path);
  bool RemoveUnder(const std::string& folder);
  // Exactly the media files `listing` shows; what a folder it could not read held
  // stays as it was. True when the table changed.
  bool Reconcile(const watcher::Listing& listing);

  const MediaMap& files() const { return files_; }
  const MediaFile* Find(const std::string& relative_path) const {
    const MediaFilePtr* f = files_.Find(relative_path);
    return f ? f->get() : nullptr;
  }
  // The paths added, changed or removed since the last call.
  std::set<std::string> TakeChanged() { return std::exchange(changed_, {}); }

 private:
  bool Put(const std::string& relative_path, MediaFile file);

  std::string root_;
  MediaMap files_;
  std::set<std::string> changed_;
};

}  // namespace feedd::daemon
