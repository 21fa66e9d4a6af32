// The input folder on disk: which files are candidates, and reading one safely.
// Blocking file-system calls; call them off the serving threads. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::watcher {

// Editor and temporary files that are never articles: hidden files (".x"), backups
// ("x~"), swap and temporary files (".swp", ".swx", ".tmp", ".part", ".crdownload"),
// and Emacs lock and autosave files ("#x#", ".#x").
bool IsIgnoredName(std::string_view file_name);

// True when some component of the relative path is an ignored name (".git/x.txt").
bool IsIgnoredPath(std::string_view relative_path);

// True when `path` is `folder` or lies under it ("" holds everything).
bool IsUnder(std::string_view path, std::string_view folder);

struct ScanEntry {
  std::string relative_path;  // "a.txt", "2026/b.md"
  int64_t mtime_ns = 0;       // of the file (a link's target)
  int64_t ctime_ns = 0;
  uint64_t size = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
};

enum class ScanProblemKind {
  kUnreadableFolder,  // a folder that cannot be listed (permissions, I/O): skipped
  kOutsideLink,       // a symbolic link that leads out of the folder: not followed
};

struct ScanProblem {
  ScanProblemKind kind;
  std::string relative_path;
  std::string message;  // "Permission denied", "symbolic link to a file outside ..."
};

// A walk of the folder. A folder that cannot be listed is skipped, the walk goes
// on, and it is named in `unreadable`: what it held is unknown, not gone.
struct Listing {
  std::vector<ScanEntry> files;          // regular files (and links to them), by path
  std::vector<std::string> folders;      // every folder listed, "" (the root) first
  std::vector<std::string> unreadable;   // folders that could not be listed
  std::vector<ScanProblem> problems;     // one per unreadable folder or outside link
  uint64_t root_device = 0, root_inode = 0;  // of the folder walked (after links)

  // False when `path` lies in a folder that could not be listed: a listing that
  // does not show it says nothing about it.
  bool Covers(std::string_view path) const;
};

// Lists the regular files under `root` (or only under its subfolder `under`),
// recursively, in sorted order, skipping ignored names and hidden folders.
// Symbolic links are followed only when they resolve inside `root`; linked
// folders are not descended into. Returns std::nullopt with *err set when the
// folder walked cannot be listed at all.
// `progress` (null: none) is counted up for every folder listed: a long walk shows
// it still moves.
std::optional<Listing> ScanDirectory(const std::string& root, std::string* err,
                                     const std::string& under = "",
                                     std::atomic<uint64_t>* progress = nullptr);

struct FileContents {
  std::string bytes;
  int64_t mtime_seconds = 0;
  int64_t mtime_ns = 0;
};

enum class ReadErrorKind {
  kGone,          // the file no longer exists
  kTooLarge,      // larger than the limit
  kNotRegular,    // a folder, FIFO or device
  kOutside,       // a symbolic link that leads out of the folder
  kBeingWritten,  // a writer still has it open, or it changed a moment ago: not yet
  kUnreadable,    // the system's reason (permissions, I/O)
};

struct ReadError {
  ReadErrorKind kind = ReadErrorKind::kUnreadable;
  // "too large (N bytes, limit M)", "not a regular file", "symbolic link to a file
  // outside the input folder", "still being written", or the system's reason.
  std::string message;
  // The file's time and size when it was refused (0 when it could not be opened).
  int64_t mtime_ns = 0;
  uint64_t size = 0;
};

// Whether a file is complete. A read that follows the writer's close (or a rename
// into the folder) needs no more; a file seen by a listing may still be open.
struct Completeness {
  // Refuse the file (kBeingWritten) while a writer has it open: told exactly by a
  // read lease (F_SETLEASE), which the kernel refuses while the file is open for
  // writing anywhere.
  bool check_writers = true;
  // Where the lease cannot tell (a file of another user without CAP_LEASE, a
  // network or FUSE file system): a listed file must be unchanged (mtime and
  // ctime) for this long. 0: no such wait.
  int64_t settle_ns = 0;
  // Instead, by the caller's own clock: it saw the file with this time and size
  // at least settle_ns ago, so it has settled if it still has them (-1: not so).
  // A file time in the future (a server's clock ahead) then settles too.
  int64_t unchanged_since_mtime_ns = -1;
  uint64_t unchanged_since_size = 0;
};

// Reads root/relative_path if it is a regular file (or a link to one inside root)
// of at most `max_bytes`, and complete by `completeness`. Never blocks on FIFOs or
// devices. On failure returns std::nullopt with *error set.
std::optional<FileContents> ReadArticleFile(const std::string& root,
                                            const std::string& relative_path,
                                            uint64_t max_bytes, ReadError* error,
                                            const Completeness& completeness = {});

// A regular file opened for reading beneath the folder, with what fstat(2) said of
// it. The caller owns `fd`.
struct OpenedFile {
  int fd = -1;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
};

// Opens root/relative_path read-only (links resolved beneath root, as
// ReadArticleFile) if it is a regular file; never blocks on FIFOs or devices. On
// failure returns std::nullopt with *error set (kGone, kOutside, kNotRegular,
// kUnreadable). Whether it is complete is not asked: what is on disk now.
std::optional<OpenedFile> OpenFileBeneath(const std::string& root, const std::string& relative_path,
                                          ReadError* error);

// 1 when no process has the open file `fd` (read-only) open for writing, 0 when
// one has, -1 when this cannot be told here (no lease on this file system or for
// this user).
int WriterAbsent(int fd);

}  // namespace feedd::watcher
