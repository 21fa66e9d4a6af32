// The input folder on disk: which files are candidates, and reading one safely.
// Blocking file-system calls; call them off the serving threads. Thread-safe.
#pragma once

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

struct ScanEntry {
  std::string relative_path;  // "a.txt", "2026/b.md"
  int64_t mtime_ns = 0;       // of the file (a link's target)
  uint64_t size = 0;
};

// Lists the regular files under `root`, recursively, in sorted order, skipping
// ignored names and hidden folders. Symbolic links are followed only when they
// resolve inside `root`. Problems with single entries (a link pointing outside,
// an unreadable subfolder) are appended to *problems as "PATH: reason". Returns
// std::nullopt with *err set when `root` itself cannot be listed.
std::optional<std::vector<ScanEntry>> ScanDirectory(const std::string& root,
                                                    std::vector<std::string>* problems,
                                                    std::string* err);

struct FileContents {
  std::string bytes;
  int64_t mtime_seconds = 0;
  int64_t mtime_ns = 0;
};

// True when some component of the relative path is an ignored name (".git/x.txt").
bool IsIgnoredPath(std::string_view relative_path);

// Reads root/relative_path if it is a regular file (or a link to one inside root)
// of at most `max_bytes`. Never blocks on FIFOs or devices. On failure returns
// std::nullopt with *err: "too large (N bytes, limit M)", "not a regular file",
// "symbolic link to a file outside the input folder", or the system's reason;
// *gone (when given) is set when the file no longer exists.
std::optional<FileContents> ReadArticleFile(const std::string& root,
                                            const std::string& relative_path,
                                            uint64_t max_bytes, std::string* err,
                                            bool* gone = nullptr);

}  // namespace feedd::watcher
