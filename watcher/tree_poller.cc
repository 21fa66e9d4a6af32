#include "watcher/tree_poller.h"

#include <sys/stat.h>

#include <algorithm>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "watcher/scan.h"

namespace feedd::watcher {

namespace {

const std::string& KeyOf(const std::string& key) { return key; }
template <typename V>
const std::string& KeyOf(const std::pair<const std::string, V>& entry) {
  return entry.first;
}

// The entries of `files` (a sorted map or set by path) under `folder`: [begin, end).
template <typename Map>
std::pair<typename Map::iterator, typename Map::iterator> RangeUnder(Map& files,
                                                                    const std::string& folder) {
  if (folder.empty()) return {files.begin(), files.end()};
  const std::string prefix = folder + "/";
  auto begin = files.lower_bound(prefix);
  auto end = begin;
  while (end != files.end() && KeyOf(*end).compare(0, prefix.size(), prefix) == 0) ++end;
  return {begin, end};
}

}  // namespace

bool TreePoller::Add(const std::string& folder, bool known) {
  for (const std::string& f : folders_) {
    if (IsUnder(folder, f)) return true;  // polled already
  }
  RemoveUnder(folder);  // polled subfolders are now part of it
  folders_.insert(folder);
  bool root_ok = true;
  if (known) {  // the baseline is what is there now, not at the first poll
    std::vector<Event> removed;
    std::vector<std::pair<int64_t, Event>> arrived;
    Walk(folder, true, &removed, &arrived, &root_ok);
  }
  return root_ok;
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
  auto [ubegin, uend] = RangeUnder(unsettled_, folder);
  unsettled_.erase(ubegin, uend);
}

void TreePoller::Clear() {
  folders_.clear();
  files_.clear();
  unsettled_.clear();
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
  std::optional<Listing> listing = ScanDirectory(root_, &err, folder, progress_);
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
  std::map<std::pair<uint64_t, uint64_t>, std::string> gone_by_inode;
  for (const std::string& path : gone) {
    const Seen& s = files_[path];
    if (s.reported) gone_by_inode.emplace(std::pair{s.device, s.inode}, path);
  }
  for (const ScanEntry& e : listing->files) {
    auto [it, added] = files_.try_emplace(e.relative_path);
    Seen& s = it->second;
    const bool same = !added && s.size == e.size && s.mtime_ns == e.mtime_ns &&
                      s.ctime_ns == e.ctime_ns && s.inode == e.inode && s.device == e.device;
    if (same) {
      if (!s.reported) {
        s.reported = true;
        unsettled_.erase(e.relative_path);
        arrived->push_back({e.mtime_ns, {EventKind::kChanged, e.relative_path, true}});
      }
      continue;
    }
    s = Seen{e.mtime_ns, e.ctime_ns, e.size, e.inode, e.device, known};
    if (known) continue;
    unsettled_.insert(e.relative_path);  // new or changed: reported once it settled
    // ... unless it is a file that went away elsewhere in this walk (moved here,
    // perhaps over another file).
    auto renamed = gone_by_inode.find(std::pair{e.device, e.inode});
    if (renamed != gone_by_inode.end()) {
      const Seen& old = files_[renamed->second];
      if (old.size == e.size && old.mtime_ns == e.mtime_ns) {
        // Moved, not written: it was complete before, so it is reported with its
        // removal and keeps its identity without a gap.
        s.reported = true;
        unsettled_.erase(e.relative_path);
        arrived->push_back({e.mtime_ns, {EventKind::kChanged, e.relative_path, true}});
      }
    }
  }
  for (const std::string& path : gone) {
    removed->push_back({EventKind::kRemoved, path, false});
    files_.erase(path);
    unsettled_.erase(path);
  }
}

bool TreePoller::Confirm(std::vector<Event>* events) {
  if (unsettled_.empty()) return false;
  std::vector<std::pair<int64_t, std::string>> settled;
  for (auto it = unsettled_.begin(); it != unsettled_.end();) {
    auto seen = files_.find(*it);
    struct stat st {};
    // A link counts with its target's times, as in the listing.
    if (seen == files_.end() || ::stat((root_ + "/" + *it).c_str(), &st) != 0) {
      ++it;  // gone: the next walk says so
      continue;
    }
    Seen& s = seen->second;
    const int64_t mtime = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    const int64_t ctime = int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec;
    if (s.size == static_cast<uint64_t>(st.st_size) && s.mtime_ns == mtime && s.ctime_ns == ctime &&
        s.inode == static_cast<uint64_t>(st.st_ino)) {
      s.reported = true;
      settled.push_back({mtime, *it});
      it = unsettled_.erase(it);
    } else {
      s = Seen{mtime, ctime, static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_ino),
               static_cast<uint64_t>(st.st_dev), false};
      ++it;
    }
  }
  std::sort(settled.begin(), settled.end());
  for (auto& [when, path] : settled) events->push_back({EventKind::kChanged, std::move(path), true});
  return true;
}

}  // namespace feedd::watcher
