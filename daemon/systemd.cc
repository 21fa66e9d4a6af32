#include "daemon/systemd.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace feedd::daemon {
namespace {

bool ParseUnsigned(const char* text, uint64_t* out) {
  if (!text || !*text) return false;
  uint64_t v = 0;
  for (const char* p = text; *p; ++p) {
    if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(*p - '0');
  }
  *out = v;
  return true;
}

bool PidIsOurs(const char* var) {
  uint64_t pid = 0;
  return ParseUnsigned(std::getenv(var), &pid) && pid == static_cast<uint64_t>(::getpid());
}

}  // namespace

bool NotifySystemd(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t len = std::strlen(path);
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';  // an abstract socket
  const socklen_t addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&addr), addr_len);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

uint64_t WatchdogUsec() {
  if (std::getenv("WATCHDOG_PID") && !PidIsOurs("WATCHDOG_PID")) return 0;
  uint64_t usec = 0;
  return ParseUnsigned(std::getenv("WATCHDOG_USEC"), &usec) ? usec : 0;
}

std::vector<ListenFd> TakeListenFds() {
  std::vector<ListenFd> fds;
  uint64_t count = 0;
  if (PidIsOurs("LISTEN_PID") && ParseUnsigned(std::getenv("LISTEN_FDS"), &count) &&
      count < 1024) {
    std::vector<std::string> names;
    if (const char* n = std::getenv("LISTEN_FDNAMES")) {
      std::string all = n;
      size_t start = 0;
      while (start <= all.size()) {
        size_t end = all.find(':', start);
        if (end == std::string::npos) end = all.size();
        names.push_back(all.substr(start, end - start));
        start = end + 1;
      }
    }
    for (uint64_t i = 0; i < count; ++i) {
      const int fd = 3 + static_cast<int>(i);
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      fds.push_back({fd, i < names.size() ? names[i] : "unknown"});
    }
  }
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return fds;
}

bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

}  // namespace feedd::daemon
