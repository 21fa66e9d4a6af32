#include "watcher/tree_poller.h"

#include <algorithm>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "watcher/scan.h"

namespace feedd::watcher {

namespace {

// The files of `files` under `folder`: [begin, end).
template <typename Map>
std::pair<typename Map::iterator, typename Map::iterator> RangeUnder(Map& files,
                                                                    const std::string& folder) {
  if (folder.empty()) return {files.begin(), files.end()};
  const std::string prefix = folder + "/";
  auto begin = files.lower_bound(prefix);
  auto end = begin;
  while (end != files.end() && end->first.compare(0, prefix.size(), prefix) == 0) ++end;
  return {begin, end};
}

}  // namespace

void TreePoller::Add(const std::string& folder, bool known) {
  for (const std::string& f : folders_) {
    if (IsUnder(folder, f)) return;  // polled already
  }
  RemoveUnder(folder);  // polled subfolders are now part of it
  folders_.insert(folder);
  if (known) {  // the baseline is what is there now, not at the first poll
    std::vector<Event> removed;
    std::vector<std::pair<int64_t, Event>> arrived;
    bool root_ok = true;
    Walk(folder, true, &removed, &arrived, &root_ok);
  }
}

void TreePoller::RemoveUnder(const std::string& folder) {
  for (auto it = folders_.begin(); it != folders_.end();) {
    if (IsUnder(*it, folder)) {
      it = folders_.erase(it);
    } else {
      ++it;
    }
  }
  auto [begin, end] = RangeUnder(files_, folder);
  files_.erase(begin, end);
}

void TreePoller::Clear() {
  folders_.clear();
  files_.clear();
}

bool TreePoller::Poll(std::vector<Event>* events) {
  std::vector<Event> removed;
  std::vector<std::pair<int64_t, Event>> arrived;
  bool root_ok = true;
  const std::vector<std::string> folders(folders_.begin(), folders_.end());
  for (const std::string& folder : folders) {
    Walk(folder, false, &removed, &arrived, &root_ok);
    if (!root_ok) return false;
  }
  std::stable_sort(arrived.begin(), arrived.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (Event& e : removed) events->push_back(std::move(e));
  for (auto& [when, e] : arrived) events->push_back(std::move(e));
  return true;
}

void TreePoller::Walk(const std::string& folder, bool known, std::vector<Event>* removed,
                      std::vector<std::pair<int64_t, Event>>* arrived, bool* root_ok) {
  std::string err;
  std::optional<Listing> listing = ScanDirectory(root_, &err, folder);
  if (!listing) {
    *root_ok = false;
    return;
  }
  if (folder.empty()) root_identity_ = {listing->root_device, listing->root_inode};
  // What went away, by inode: a file that appears with the same inode, size and
  // time is the same file renamed.
  auto [begin, end] = RangeUnder(files_, folder);
  std::unordered_map<std::string_view, const ScanEntry*> now;
  now.reserve(listing->files.size());
  for (const ScanEntry& e : listing->files) now.emplace(e.relative_path, &e);
  std::vector<std::string> gone;
  for (auto it = begin; it != end; ++it) {
    if (!now.count(it->first) && listing->Covers(it->first)) gone.push_back(it->first);
  }
  std::unordered_map<uint64_t, std::string> gone_by_inode;
  for (const std::string& path : gone) {
    const Seen& s = files_[path];
    if (s.reported) gone_by_inode.emplace(s.inode ^ (s.device << 32), path);
  }
  for (const ScanEntry& e : listing->files) {
    auto [it, added] = files_.try_emplace(e.relative_path);
    Seen& s = it->second;
    const bool same = !added && s.size == e.size && s.mtime_ns == e.mtime_ns &&
                      s.ctime_ns == e.ctime_ns && s.inode == e.inode && s.device == e.device;
    if (same) {
      if (!s.reported) {
        s.reported = true;
        arrived->push_back({e.mtime_ns, {EventKind::kChanged, e.relative_path, true}});
      }
      continue;
    }
    s = Seen{e.mtime_ns, e.ctime_ns, e.size, e.inode, e.device, known};
    if (known || !added) continue;  // a change: reported once it settled
    auto renamed = gone_by_inode.find(e.inode ^ (e.device << 32));
    if (renamed != gone_by_inode.end()) {
      const Seen& old = files_[renamed->second];
      if (old.size == e.size && old.mtime_ns == e.mtime_ns) {
        // Moved, not written: it was complete before, so it is reported with its
        // removal and keeps its identity without a gap.
        s.reported = true;
        arrived->push_back({e.mtime_ns, {EventKind::kChanged, e.relative_path, true}});
      }
    }
  }
  for (const std::string& path : gone) {
    removed->push_back({EventKind::kRemoved, path, false});
    files_.erase(path);
  }
}

}  // namespace feedd::watcher
