#include "daemon/publish/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>
#include <cstring>

namespace feedd::daemon {

namespace {
constexpr std::string_view kTempSuffix = ".feedd-tmp";
}

bool WriteAll(int fd, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool WriteFileAtomically(const std::string& path, std::string_view data, std::string* err,
                         bool sync) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *err = tmp + ": " + std::strerror(errno);
    return false;
  }
  auto fail = [&](const std::string& what) {
    *err = what + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };
  if (!WriteAll(fd, data)) return fail(tmp);
  if (sync && ::fsync(fd) != 0) return fail(tmp);
  if (::close(fd) != 0) {
    *err = tmp + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *err = path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

FileBatch::FileBatch(std::string folder, size_t max_pending)
    : folder_(std::move(folder)), max_pending_(std::max<size_t>(max_pending, 1)) {}

FileBatch::~FileBatch() {
  for (const auto& [temp, path] : pending_) ::unlink(temp.c_str());
}

std::string FileBatch::TempFor(const std::string& path) {
  const size_t slash = path.rfind('/');
  const size_t name = slash == std::string::npos ? 0 : slash + 1;
  return path.substr(0, name) + "." + path.substr(name) + std::string(kTempSuffix);
}

bool FileBatch::IsTemp(std::string_view name) {
  return name.size() > kTempSuffix.size() + 1 && name.front() == '.' &&
         name.substr(name.size() - kTempSuffix.size()) == kTempSuffix;
}

bool FileBatch::Write(const std::string& path, std::string_view data, int64_t mtime_s,
                      std::string* err) {
  const std::string temp = TempFor(path);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *err = temp + ": " + std::strerror(errno);
    return false;
  }
  bool ok = WriteAll(fd, data);
  if (ok && mtime_s > 0) {
    const timespec times[2] = {{mtime_s, 0}, {mtime_s, 0}};
    ok = ::futimens(fd, times) == 0;
  }
  const int saved = errno;
  if (::close(fd) != 0 && ok) ok = false;
  if (!ok) {
    *err = temp + ": " + std::strerror(saved ? saved : errno);
    ::unlink(temp.c_str());
    return false;
  }
  return Stage(temp, path, err);
}

bool FileBatch::TakeFailed() {
  const bool failed = failed_;
  failed_ = false;
  return failed;
}

bool FileBatch::Stage(const std::string& temp, const std::string& path, std::string* err) {
  pending_.emplace_back(temp, path);
  return pending_.size() < max_pending_ || Commit(err);
}

bool FileBatch::Commit(std::string* err) {
  if (pending_.empty()) return true;
  std::vector<std::pair<std::string, std::string>> batch;
  batch.swap(pending_);
  bool ok = true;
  const int dir = ::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || ::syncfs(dir) != 0) {
    *err = folder_ + ": cannot sync: " + std::strerror(errno);
    ok = false;
  }
  if (dir >= 0) ::close(dir);
  for (const auto& [temp, path] : batch) {
    if (ok && ::rename(temp.c_str(), path.c_str()) == 0) continue;
    if (ok) *err = path + ": " + std::strerror(errno);
    ok = false;
    ::unlink(temp.c_str());
  }
  if (!ok) failed_ = true;
  return ok;
}

}  // namespace feedd::daemon
