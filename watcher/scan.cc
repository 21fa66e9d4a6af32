#include "watcher/scan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "watcher/beneath.h"

namespace feedd::watcher {
namespace fs = std::filesystem;

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// True when `path` resolves to a place inside `root` (both canonical).
bool Inside(const fs::path& root, const fs::path& path) {
  std::error_code ec;
  const fs::path target = fs::canonical(path, ec);
  if (ec) return false;
  auto r = root.begin();
  auto t = target.begin();
  for (; r != root.end(); ++r, ++t) {
    if (t == target.end() || *r != *t) return false;
  }
  return t != target.end();
}

}  // namespace

bool IsIgnoredName(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '~') return true;
  if (name.front() == '#' && name.back() == '#') return true;
  for (std::string_view ext : {".swp", ".swx", ".tmp", ".part", ".crdownload", ".bak"}) {
    if (EndsWith(name, ext)) return true;
  }
  return false;
}

bool IsIgnoredPath(std::string_view relative_path) {
  size_t start = 0;
  while (start <= relative_path.size()) {
    size_t end = relative_path.find('/', start);
    if (end == std::string_view::npos) end = relative_path.size();
    if (IsIgnoredName(relative_path.substr(start, end - start))) return true;
    start = end + 1;
  }
  return false;
}

std::optional<std::vector<ScanEntry>> ScanDirectory(const std::string& root,
                                                    std::vector<std::string>* problems,
                                                    std::string* err) {
  std::error_code ec;
  const fs::path canonical_root = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical_root, ec)) {
    *err = root + ": " + (ec ? ec.message() : "not a folder");
    return std::nullopt;
  }
  std::vector<ScanEntry> entries;
  fs::recursive_directory_iterator it(canonical_root, fs::directory_options::none, ec);
  if (ec) {
    *err = root + ": " + ec.message();
    return std::nullopt;
  }
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      problems->push_back(it->path().string() + ": " + ec.message());
      ec.clear();
      continue;
    }
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    const fs::path relative = path.lexically_relative(canonical_root);
    if (IsIgnoredName(name)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    const fs::file_status link_status = it->symlink_status(ec);
    if (fs::is_symlink(link_status)) {
      if (!Inside(canonical_root, path)) {
        problems->push_back(relative.string() + ": symbolic link to a file outside the input folder");
        continue;
      }
      if (fs::is_directory(path, ec)) continue;  // linked folders are not descended into
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      entries.push_back({relative.string(),
                         int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec,
                         static_cast<uint64_t>(st.st_size)});
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const ScanEntry& a, const ScanEntry& b) { return a.relative_path < b.relative_path; });
  return entries;
}

std::optional<FileContents> ReadArticleFile(const std::string& root,
                                            const std::string& relative_path,
                                            uint64_t max_bytes, std::string* err,
                                            bool* gone) {
  if (gone) *gone = false;
  // Every component of the path is resolved beneath the root: a link anywhere in it
  // (not only the last component) that leads out of the folder is refused.
  const int root_fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    *err = std::strerror(errno);
    return std::nullopt;
  }
  const int fd = OpenBeneath(root_fd, root, relative_path,
                             O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, err);
  const int open_errno = errno;
  ::close(root_fd);
  if (fd < 0) {
    if (gone) *gone = open_errno == ENOENT || open_errno == ENOTDIR;
    return std::nullopt;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *err = std::strerror(errno);
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    *err = "not a regular file";
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    *err = "too large (" + std::to_string(st.st_size) + " bytes, limit " +
           std::to_string(max_bytes) + ")";
    return std::nullopt;
  }
  FileContents out;
  out.mtime_seconds = st.st_mtim.tv_sec;
  out.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  out.bytes.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  // Read one byte past the size seen, so a file that grew meanwhile is still capped.
  while (true) {
    if (got == out.bytes.size()) {
      if (got > max_bytes) {
        *err = "too large (over " + std::to_string(max_bytes) + " bytes while reading)";
        return std::nullopt;
      }
      out.bytes.resize(got + 4096);
    }
    const ssize_t n = ::read(fd, out.bytes.data() + got, out.bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > max_bytes) {
    *err = "too large (over " + std::to_string(max_bytes) + " bytes while reading)";
    return std::nullopt;
  }
  out.bytes.resize(got);
  return out;
}

}  // namespace feedd::watcher
