// Writing output files so that readers never see half of one. Blocking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedd::daemon {

// Writes all of `data` to `fd` (short writes and EINTR retried); false on an error
// (errno says which).
bool WriteAll(int fd, std::string_view data);

// Writes `data` to a temporary file in the same folder, fsyncs it, and renames it
// over `path`. Returns false with *err ("PATH: reason") on failure, leaving any
// previous file in place and no temporary behind.
// With `sync` false the data is not fsynced: readers still never see half a file,
// but after a crash the file may be empty (for copies that are made again anyway).
bool WriteFileAtomically(const std::string& path, std::string_view data, std::string* err,
                         bool sync = true);

// Files replaced atomically, in batches, for a folder other programs read (a
// static server, a sync tool, a CDN's origin pull). Each file is written to a
// hidden temporary beside its name (".NAME.feedd-tmp", which servers and sync
// tools skip), given its modification time, and, once per batch, one syncfs(2)
// makes every temporary of the batch durable before each is renamed over its name:
// a reader sees the old file or the new one, never part of one, and after a crash
// a renamed file holds its new bytes, not a hole. One syncfs per batch rather than
// one fsync per file: the first write of 100,000 pages and their twins is a few
// hundred syncs, not 300,000. Not thread-safe.
class FileBatch {
 public:
  // `folder`: any folder on the file system the files are on (for syncfs).
  explicit FileBatch(std::string folder, size_t max_pending = 1024);
  ~FileBatch();  // removes the temporaries of a batch not committed
  FileBatch(const FileBatch&) = delete;
  FileBatch& operator=(const FileBatch&) = delete;

  // Writes `data` for `path`, its modification time `mtime_s` (seconds since the
  // epoch; 0: now). Commits when the batch is full. False with *err on failure.
  bool Write(const std::string& path, std::string_view data, int64_t mtime_s, std::string* err);
  // For a file the caller writes itself (a copy): write TempFor(path), then Stage.
  static std::string TempFor(const std::string& path);
  bool Stage(const std::string& temp, const std::string& path, std::string* err);
  // Makes the batch durable and renames it into place. False with *err (the first
  // failure); the files that could be renamed are.
  bool Commit(std::string* err);
  size_t pending() const { return pending_.size(); }
  // Whether a commit (the one a full batch makes by itself included) failed since
  // the last call: what was staged then is not known to be in place.
  bool TakeFailed();
  // Whether `name` (a file name, no folder) is one of the temporaries.
  static bool IsTemp(std::string_view name);

 private:
  std::string folder_;
  size_t max_pending_;
  std::vector<std::pair<std::string, std::string>> pending_;  // temporary, final
  bool failed_ = false;
};

}  // namespace feedd::daemon
