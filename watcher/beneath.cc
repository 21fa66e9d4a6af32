#include "watcher/beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace feedd::watcher {
namespace {

constexpr std::string_view kOutside = "symbolic link to a file outside the input folder";

int Fail(int error, std::string_view why, std::string* err) {
  *err = std::string(why);
  errno = error;
  return -1;
}

int SysOpenat2(int dirfd, const char* path, const open_how* how) {
#ifdef SYS_openat2
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, how, sizeof *how));
#else
  errno = ENOSYS;
  return -1;
#endif
}

// The checked walk: resolve the path once (realpath), refuse it unless it is inside
// the root, then open the resolved path's components one by one with O_NOFOLLOW,
// each relative to the previous one. The resolved path has no links, so a link
// swapped in meanwhile makes the walk fail (ELOOP) instead of leading anywhere.
int Walk(int root_fd, const std::string& root, std::string_view relative_path, int flags,
         std::string* err) {
  char root_buf[PATH_MAX];
  if (::realpath(root.c_str(), root_buf) == nullptr) {
    const int e = errno;
    return Fail(e, std::strerror(e), err);
  }
  const std::string canonical_root(root_buf);
  const std::string joined = canonical_root + "/" + std::string(relative_path);
  char resolved[PATH_MAX];
  if (::realpath(joined.c_str(), resolved) == nullptr) {
    const int e = errno;
    return Fail(e, std::strerror(e), err);
  }
  const std::string_view r(resolved);
  if (r.size() <= canonical_root.size() || r.compare(0, canonical_root.size(), canonical_root) != 0 ||
      (canonical_root != "/" && r[canonical_root.size()] != '/'))
    return Fail(EXDEV, kOutside, err);
  std::string_view rest = r.substr(canonical_root == "/" ? 1 : canonical_root.size() + 1);
  int dir = root_fd;
  auto close_dir = [&] {
    if (dir != root_fd) ::close(dir);
  };
  for (;;) {
    const size_t slash = rest.find('/');
    const std::string part(rest.substr(0, slash));
    if (slash == std::string_view::npos) {
      const int fd = ::openat(dir, part.c_str(), flags | O_NOFOLLOW);
      const int e = errno;
      close_dir();
      if (fd < 0) return e == ELOOP ? Fail(EXDEV, kOutside, err) : Fail(e, std::strerror(e), err);
      return fd;
    }
    const int next = ::openat(dir, part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int e = errno;
    close_dir();
    if (next < 0) return e == ELOOP ? Fail(EXDEV, kOutside, err) : Fail(e, std::strerror(e), err);
    dir = next;
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace

int OpenBeneath(int root_fd, const std::string& root, std::string_view relative_path, int flags,
                std::string* err, BeneathMode mode) {
  if (relative_path.empty() || relative_path.front() == '/')
    return Fail(EINVAL, "not a path inside the input folder", err);
  if (mode == BeneathMode::kAuto) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    const std::string path(relative_path);
    const int fd = SysOpenat2(root_fd, path.c_str(), &how);
    if (fd >= 0) return fd;
    // ENOSYS: an older kernel; EPERM: a seccomp filter that does not know openat2.
    // EXDEV: the path leads out, or through an absolute link, which RESOLVE_BENEATH
    // refuses even when it points inside: the checked walk decides. EAGAIN: a
    // rename raced the lookup. Everything else is the file's own answer.
    if (errno != ENOSYS && errno != EPERM && errno != EXDEV && errno != EAGAIN) {
      const int e = errno;
      return Fail(e, std::strerror(e), err);
    }
  }
  return Walk(root_fd, root, relative_path, flags, err);
}

}  // namespace feedd::watcher
