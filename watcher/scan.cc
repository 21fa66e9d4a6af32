#include "watcher/scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

#include "watcher/beneath.h"
#include "watcher/file_system.h"

namespace feedd::watcher {

namespace {

constexpr std::string_view kOutside = "symbolic link to a file outside the input folder";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

int64_t Nanos(const timespec& t) { return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec; }

// True when the link `path` resolves to a place inside `canonical_root`.
bool Inside(const std::string& canonical_root, const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) return false;
  const std::string_view r(resolved);
  if (canonical_root == "/") return r.size() > 1;
  return r.size() > canonical_root.size() && r.compare(0, canonical_root.size(), canonical_root) == 0 &&
         r[canonical_root.size()] == '/';
}

ScanEntry EntryOf(std::string relative_path, const struct stat& st) {
  return {std::move(relative_path), Nanos(st.st_mtim), Nanos(st.st_ctim),
          static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_ino),
          static_cast<uint64_t>(st.st_dev)};
}

struct Closer {
  int fd;
  ~Closer() {
    if (fd >= 0) ::close(fd);
  }
};

// Lists one folder (open as `fd`, which this takes) into *out; subfolders go on
// *pending. Returns 0, or the errno with which the listing broke off.
int ListFolder(int fd, const std::string& rel, const std::string& canonical_root,
                Listing* out, std::vector<std::string>* pending) {
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    const int e = errno;
    ::close(fd);
    return e;
  }
  int broke_off = 0;
  for (;;) {
    errno = 0;
    const dirent* d = ::readdir(dir);
    if (d == nullptr) {
      if (errno != 0) broke_off = errno;
      break;
    }
    const std::string_view name(d->d_name);
    if (name == "." || name == ".." || IsIgnoredName(name)) continue;
    struct stat st {};
    if (::fstatat(::dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      // Gone since the listing; any other failure (a folder that can be listed but
      // not searched, EIO, ESTALE) leaves its entries unknown, not gone.
      if (errno != ENOENT) broke_off = errno;
      continue;
    }
    const std::string path = Join(rel, name);
    if (S_ISDIR(st.st_mode)) {
      pending->push_back(path);
    } else if (S_ISREG(st.st_mode)) {
      out->files.push_back(EntryOf(path, st));
    } else if (S_ISLNK(st.st_mode)) {
      const std::string absolute = canonical_root + "/" + path;
      if (!Inside(canonical_root, absolute)) {
        if (::stat(absolute.c_str(), &st) == 0 || errno != ENOENT)  // a dangling link is nothing
          out->problems.push_back({ScanProblemKind::kOutsideLink, path, std::string(kOutside)});
        continue;
      }
      // Linked folders are not descended into; linked files count with the target's times.
      if (::stat(absolute.c_str(), &st) != 0) {
        if (errno != ENOENT) broke_off = errno;
      } else if (S_ISREG(st.st_mode)) {
        out->files.push_back(EntryOf(path, st));
      }
    }
  }
  ::closedir(dir);
  return broke_off;
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

bool IsUnder(std::string_view path, std::string_view folder) {
  if (folder.empty()) return true;
  return path.size() >= folder.size() && path.compare(0, folder.size(), folder) == 0 &&
         (path.size() == folder.size() || path[folder.size()] == '/');
}

bool Listing::Covers(std::string_view path) const {
  for (const std::string& u : unreadable) {
    if (IsUnder(path, u)) return false;
  }
  return true;
}

std::optional<Listing> ScanDirectory(const std::string& root, std::string* err,
                                     const std::string& under, std::atomic<uint64_t>* progress) {
  char buf[PATH_MAX];
  if (::realpath(root.c_str(), buf) == nullptr) {
    *err = root + ": " + std::strerror(errno);
    return std::nullopt;
  }
  const std::string canonical_root(buf);
  const int root_fd = ::open(canonical_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    *err = root + ": " + (errno == ENOTDIR ? std::string("not a folder") : std::strerror(errno));
    return std::nullopt;
  }
  Closer root_closer{root_fd};
  Listing out;
  std::vector<std::string> pending{under};
  while (!pending.empty()) {
    const std::string rel = std::move(pending.back());
    pending.pop_back();
    if (progress) progress->fetch_add(1, std::memory_order_relaxed);
    std::string why;
    const int fd = rel.empty() ? ::dup(root_fd)
                               : OpenBeneath(root_fd, canonical_root, rel,
                                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, &why);
    if (fd < 0) {
      const int e = errno;
      // Gone meanwhile, or no folder (now a file or a link): nothing to list there.
      if (e == ENOENT || e == ENOTDIR || e == ELOOP || e == EXDEV) continue;
      out.unreadable.push_back(rel);
      out.problems.push_back({ScanProblemKind::kUnreadableFolder, rel,
                              why.empty() ? std::string(std::strerror(e)) : why});
      continue;
    }
    if (rel == under) {
      struct stat st {};
      if (::fstat(fd, &st) == 0) {
        out.root_device = static_cast<uint64_t>(st.st_dev);
        out.root_inode = static_cast<uint64_t>(st.st_ino);
      }
    }
    out.folders.push_back(rel);
    if (const int e = ListFolder(fd, rel, canonical_root, &out, &pending); e != 0) {
      // Broken off (an I/O error): what it held is unknown, as for a folder not read.
      out.unreadable.push_back(rel);
      out.problems.push_back({ScanProblemKind::kUnreadableFolder, rel, std::strerror(e)});
    }
  }
  std::sort(out.files.begin(), out.files.end(),
            [](const ScanEntry& a, const ScanEntry& b) { return a.relative_path < b.relative_path; });
  std::sort(out.folders.begin(), out.folders.end());
  std::sort(out.unreadable.begin(), out.unreadable.end());
  return out;
}

int WriterAbsent(int fd) {
  // A lease being broken signals its holder (SIGIO, whose default ends the
  // process); the lease here lives for two system calls, and the signal is not
  // wanted at all.
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    struct sigaction old {};
    if (::sigaction(SIGIO, nullptr, &old) == 0 && old.sa_handler == SIG_DFL)
      ::signal(SIGIO, SIG_IGN);
  });
  if (::fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
    ::fcntl(fd, F_SETLEASE, F_UNLCK);
    return 1;
  }
  return errno == EAGAIN ? 0 : -1;
}

namespace {

// Opens root/relative_path read-only beneath root (never blocking on FIFOs or
// devices) and fstat(2)s it into *st. Returns the descriptor of a regular file, or
// -1 with *error set (with the time and size seen, once the file was opened).
int OpenRegularBeneath(const std::string& root, const std::string& relative_path, struct stat* st,
                       ReadError* error) {
  auto fail = [&](ReadErrorKind kind, std::string message) {
    *error = {kind, std::move(message)};
    return -1;
  };
  // Every component of the path is resolved beneath the root: a link anywhere in it
  // (not only the last component) that leads out of the folder is refused.
  const int root_fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return fail(ReadErrorKind::kUnreadable, std::strerror(errno));
  std::string why;
  const int fd = OpenBeneath(root_fd, root, relative_path,
                             O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, &why);
  const int open_errno = errno;
  ::close(root_fd);
  if (fd < 0) {
    if (open_errno == ENOENT || open_errno == ENOTDIR) return fail(ReadErrorKind::kGone, why);
    if (open_errno == EXDEV) return fail(ReadErrorKind::kOutside, why);
    // Another process holds a write lease (Samba's kernel oplocks): not yet.
    if (open_errno == EWOULDBLOCK) return fail(ReadErrorKind::kBeingWritten, "held by a writer's lease");
    return fail(ReadErrorKind::kUnreadable, why);
  }
  if (::fstat(fd, st) != 0) {
    const int e = errno;
    ::close(fd);
    return fail(ReadErrorKind::kUnreadable, std::strerror(e));
  }
  if (!S_ISREG(st->st_mode)) {
    ::close(fd);
    *error = {ReadErrorKind::kNotRegular, "not a regular file", Nanos(st->st_mtim),
              static_cast<uint64_t>(st->st_size)};
    return -1;
  }
  return fd;
}

}  // namespace

std::optional<OpenedFile> OpenFileBeneath(const std::string& root, const std::string& relative_path,
                                          ReadError* error) {
  struct stat st {};
  const int fd = OpenRegularBeneath(root, relative_path, &st, error);
  if (fd < 0) return std::nullopt;
  return OpenedFile{fd, static_cast<uint64_t>(st.st_size), Nanos(st.st_mtim),
                    static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_dev)};
}

std::optional<FileContents> ReadArticleFile(const std::string& root,
                                            const std::string& relative_path,
                                            uint64_t max_bytes, ReadError* error,
                                            const Completeness& completeness) {
  auto fail = [&](ReadErrorKind kind, std::string message) -> std::optional<FileContents> {
    *error = {kind, std::move(message)};
    return std::nullopt;
  };
  struct stat st {};
  const int fd = OpenRegularBeneath(root, relative_path, &st, error);
  if (fd < 0) return std::nullopt;
  Closer closer{fd};
  error->mtime_ns = Nanos(st.st_mtim);  // from here on, every refusal says what it saw
  error->size = static_cast<uint64_t>(st.st_size);
  auto refuse = [&](ReadErrorKind kind, std::string message) -> std::optional<FileContents> {
    error->kind = kind;
    error->message = std::move(message);
    return std::nullopt;
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return refuse(ReadErrorKind::kTooLarge, "too large (" + std::to_string(st.st_size) +
                                                " bytes, limit " + std::to_string(max_bytes) + ")");
  }
  if (completeness.check_writers || completeness.settle_ns > 0) {
    // On network and FUSE file systems a lease says nothing of writers elsewhere
    // (and NFSv4 and SMB refuse one without a delegation, writer or not).
    struct statfs fs {};
    const bool local = ::fstatfs(fd, &fs) != 0 ||
                       KindOfFileSystem(static_cast<int64_t>(fs.f_type)).events_trusted;
    const int absent = completeness.check_writers && local ? WriterAbsent(fd) : -1;
    auto not_yet = [&](const char* why) {
      *error = {ReadErrorKind::kBeingWritten, why, Nanos(st.st_mtim),
                static_cast<uint64_t>(st.st_size)};
      return std::nullopt;
    };
    if (absent == 0) return not_yet("still being written");
    if (absent < 0 && completeness.settle_ns > 0) {
      if (completeness.unchanged_since_mtime_ns >= 0) {
        if (Nanos(st.st_mtim) != completeness.unchanged_since_mtime_ns ||
            static_cast<uint64_t>(st.st_size) != completeness.unchanged_since_size)
          return not_yet("changed a moment ago; waiting for it to settle");
      } else {
        timespec now{};
        ::clock_gettime(CLOCK_REALTIME, &now);
        const int64_t last = std::max(Nanos(st.st_mtim), Nanos(st.st_ctim));
        if (Nanos(now) - last < completeness.settle_ns)
          return not_yet("changed a moment ago; waiting for it to settle");
      }
    }
  }
  FileContents out;
  out.mtime_seconds = st.st_mtim.tv_sec;
  out.mtime_ns = Nanos(st.st_mtim);
  out.bytes.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  const std::string too_large = "too large (over " + std::to_string(max_bytes) + " bytes while reading)";
  // Read one byte past the size seen, so a file that grew meanwhile is still capped.
  while (true) {
    if (got == out.bytes.size()) {
      if (got > max_bytes) return fail(ReadErrorKind::kTooLarge, too_large);
      out.bytes.resize(got + 4096);
    }
    const ssize_t n = ::read(fd, out.bytes.data() + got, out.bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ReadErrorKind::kUnreadable, std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > max_bytes) return fail(ReadErrorKind::kTooLarge, too_large);
  out.bytes.resize(got);
  return out;
}

}  // namespace feedd::watcher
