// Polling a folder (or some of its subfolders) without inotify: a stat-only walk
// compared with the previous one. Only files whose size, times or inode changed
// are reported, and only once they stopped changing (the same in two walks in a
// row), so 100,000 files cost a walk, not 100,000 reads. A file that went away and
// one that appeared with its inode, size and time in the same walk are a rename,
// reported together. What an unreadable folder held is kept, never reported gone.
// Not thread-safe; blocking file-system calls.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "watcher/event.h"

namespace feedd::watcher {

class TreePoller {
 public:
  // `progress` (null: none) is counted up for every folder walked.
  explicit TreePoller(std::string root, std::atomic<uint64_t>* progress = nullptr)
      : root_(std::move(root)), progress_(progress) {}

  // Polls `folder` ("" is the whole input folder) from now on. `known`: its files
  // as they are now (walked here) were read by the owner already, so no events for
  // them; else each is reported once it has settled. False when `known` and the
  // input folder could not be listed for that baseline.
  bool Add(const std::string& folder, bool known);
  // Stops polling `folder` and every polled folder under it; forgets their files
  // without events.
  void RemoveUnder(const std::string& folder);
  // Forgets everything (the input folder was replaced).
  void Clear();

  // One walk of every polled folder: the events since the previous walk, removals
  // first, then arrivals oldest first. Returns false (and no events) when the
  // input folder itself cannot be listed.
  bool Poll(std::vector<Event>* events);

  // A second look, by stat alone, at the files the last walks saw new or changed:
  // those unchanged since are reported now, not a whole interval later. Returns
  // false when there is nothing to look at.
  bool Confirm(std::vector<Event>* events);
  bool has_unsettled() const { return !unsettled_.empty(); }

  const std::set<std::string>& folders() const { return folders_; }
  size_t file_count() const { return files_.size(); }
  // The (device, inode) of the input folder at the last walk of all of it; 0 before.
  std::pair<uint64_t, uint64_t> root_identity() const { return root_identity_; }

 private:
  struct Seen {
    int64_t mtime_ns = 0, ctime_ns = 0;
    uint64_t size = 0, inode = 0, device = 0;
    bool reported = false;  // its current state was reported (or known to the owner)
  };
  void Walk(const std::string& folder, bool known, std::vector<Event>* removed,
            std::vector<std::pair<int64_t, Event>>* arrived, bool* root_ok);

  std::string root_;
  std::atomic<uint64_t>* progress_;
  std::set<std::string> folders_;       // none lies under another
  std::map<std::string, Seen> files_;   // by path, sorted: folders are ranges
  std::set<std::string> unsettled_;     // seen new or changed, not reported yet
  std::pair<uint64_t, uint64_t> root_identity_{0, 0};
};

}  // namespace feedd::watcher
