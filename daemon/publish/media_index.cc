#include "daemon/publish/media_index.h"

#include <unistd.h>

#include <unordered_set>
#include <utility>
#include <vector>

#include "feed/media.h"

namespace feedd::daemon {

bool MediaIndex::IsMediaPath(const std::string& relative_path) {
  return feed::MediaTypeOf(relative_path) && !watcher::IsIgnoredPath(relative_path);
}

void MediaIndex::SetRoot(std::string root) {
  if (root == root_) return;
  root_ = std::move(root);
  for (const auto& [path, file] : files_) changed_.insert(path);
  files_ = {};
}

bool MediaIndex::Put(const std::string& relative_path, MediaFile file) {
  if (const MediaFile* old = Find(relative_path); old && *old == file) return false;
  files_ = files_.Set(relative_path, std::make_shared<const MediaFile>(std::move(file)));
  changed_.insert(relative_path);
  return true;
}

bool MediaIndex::Refresh(const std::string& relative_path) {
  if (!IsMediaPath(relative_path)) return false;
  watcher::ReadError error;
  std::optional<watcher::OpenedFile> f = watcher::OpenFileBeneath(root_, relative_path, &error);
  if (!f) return Remove(relative_path);  // gone, a folder now, a link out, unreadable
  ::close(f->fd);
  return Put(relative_path,
             {std::string(feed::MediaTypeOf(relative_path)->mime), f->size, f->mtime_ns, f->inode});
}

bool MediaIndex::Remove(const std::string& relative_path) {
  if (!files_.Find(relative_path)) return false;
  files_ = files_.Erase(relative_path);
  changed_.insert(relative_path);
  return true;
}

bool MediaIndex::RemoveUnder(const std::string& folder) {
  const std::string prefix = folder + "/";
  std::vector<std::string> gone;
  for (auto it = files_.LowerBound(prefix);
       it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    gone.push_back(it->first);
  for (const std::string& p : gone) Remove(p);
  return !gone.empty();
}

bool MediaIndex::Reconcile(const watcher::Listing& listing) {
  bool changed = false;
  std::unordered_set<std::string_view> present;
  for (const watcher::ScanEntry& e : listing.files) {
    if (!IsMediaPath(e.relative_path)) continue;
    present.insert(e.relative_path);
    changed |= Put(e.relative_path, {std::string(feed::MediaTypeOf(e.relative_path)->mime), e.size,
                                     e.mtime_ns, e.inode});
  }
  std::vector<std::string> gone;
  for (const auto& [path, file] : files_) {
    if (!present.count(path) && listing.Covers(path)) gone.push_back(path);
  }
  for (const std::string& p : gone) changed |= Remove(p);
  return changed;
}

}  // namespace feedd::daemon
