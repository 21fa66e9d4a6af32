#include "watcher/inotify_watcher.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "watcher/scan.h"

namespace feedd::watcher {
namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr uint32_t kDirMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                              IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
                              IN_DONT_FOLLOW | IN_EXCL_UNLINK;

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

}  // namespace

Decoded DecodeFileEvent(uint32_t mask) {
  if (mask & IN_Q_OVERFLOW) return {true, EventKind::kRescan};
  if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) return {true, EventKind::kChanged};
  if (mask & (IN_DELETE | IN_MOVED_FROM)) return {true, EventKind::kRemoved};
  return {false, EventKind::kRescan};  // IN_CREATE of a file: wait for it to be closed
}

struct InotifyWatcher::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& ioc, std::string root, Handler handler, int retry_ms)
      : ioc(ioc), root(std::move(root)), handler(std::move(handler)), retry(ioc),
        retry_ms(retry_ms) {}

  net::io_context& ioc;
  std::string root;
  Handler handler;
  net::steady_timer retry;
  int retry_ms;
  std::unique_ptr<net::posix::stream_descriptor> stream;
  std::unordered_map<int, std::string> dirs;  // watch descriptor -> folder, relative
  int root_wd = -1;
  bool stopped = false;
  bool missing_logged = false;
  alignas(inotify_event) char buffer[64 * 1024];

  // Watches `rel` and every folder below it. Files found in folders that were not
  // watched before are appended to *found: they may have been written before the
  // watch existed.
  void WatchTree(const std::string& rel, std::vector<Event>* found) {
    const fs::path abs = rel.empty() ? fs::path(root) : fs::path(root) / rel;
    const int wd = inotify_add_watch(stream->native_handle(), abs.c_str(), kDirMask);
    if (wd < 0) {
      if (errno == ENOSPC) {
        spdlog::error("cannot watch {}: the inotify watch limit is reached "
                      "(raise fs.inotify.max_user_watches)", abs.string());
      } else if (errno != ENOENT && errno != ENOTDIR) {
        spdlog::warn("cannot watch {}: {}", abs.string(), std::strerror(errno));
      }
      return;
    }
    dirs[wd] = rel;
    if (rel.empty()) root_wd = wd;
    std::error_code ec;
    for (fs::directory_iterator it(abs, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (IsIgnoredName(name)) continue;
      const fs::file_status st = it->symlink_status(ec);
      if (fs::is_directory(st)) {
        WatchTree(Join(rel, name), found);
      } else if (found && (fs::is_regular_file(st) || fs::is_symlink(st))) {
        found->push_back({EventKind::kChanged, Join(rel, name)});
      }
    }
  }

  void Unwatch(const std::string& rel) {
    const std::string prefix = rel + "/";
    for (auto it = dirs.begin(); it != dirs.end();) {
      if (it->second == rel || it->second.compare(0, prefix.size(), prefix) == 0) {
        inotify_rm_watch(stream->native_handle(), it->first);
        it = dirs.erase(it);
      } else {
        ++it;
      }
    }
  }

  void Start() {
    const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      spdlog::error("cannot start watching {}: inotify_init1: {}", root, std::strerror(errno));
      return;
    }
    stream = std::make_unique<net::posix::stream_descriptor>(ioc, fd);
    TryWatchRoot(false);
    Read();
  }

  // Watches the root if it exists; otherwise logs once and looks again later.
  void TryWatchRoot(bool came_back) {
    if (stopped) return;
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
      WatchTree("", nullptr);
      if (root_wd >= 0) {
        if (came_back || missing_logged) {
          spdlog::info("input folder {} is back; rescanning", root);
          handler({{EventKind::kRescan, {}}});
        }
        missing_logged = false;
        return;
      }
    }
    if (!missing_logged) {
      spdlog::warn("input folder {} is missing; serving the current feeds and watching for it "
                   "to come back", root);
      missing_logged = true;
    }
    retry.expires_after(std::chrono::milliseconds(retry_ms));
    retry.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->TryWatchRoot(true);
    });
  }

  void RootGone() {
    if (root_wd < 0) return;
    for (const auto& [wd, rel] : dirs) inotify_rm_watch(stream->native_handle(), wd);
    dirs.clear();
    root_wd = -1;
    TryWatchRoot(false);
  }

  void Read() {
    stream->async_read_some(
        net::buffer(buffer), [self = shared_from_this()](const boost::system::error_code& ec,
                                                         size_t n) {
          if (ec) {
            if (ec != net::error::operation_aborted && !self->stopped)
              spdlog::error("reading inotify events failed: {}", ec.message());
            return;
          }
          self->Dispatch(n);
          if (!self->stopped) self->Read();
        });
  }

  void Dispatch(size_t n) {
    std::vector<Event> events;
    bool root_gone = false;
    for (size_t off = 0; off + sizeof(inotify_event) <= n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buffer + off);
      off += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        spdlog::warn("inotify queue overflowed; rescanning {}", root);
        events.push_back({EventKind::kRescan, {}});
        continue;
      }
      auto dir = dirs.find(ev->wd);
      if (dir == dirs.end()) continue;
      if (ev->mask & IN_IGNORED) {
        if (ev->wd == root_wd) root_gone = true;
        dirs.erase(dir);
        continue;
      }
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        if (ev->wd == root_wd) root_gone = true;
        continue;  // a subfolder: its parent reports it
      }
      const std::string_view name = ev->len > 0 ? std::string_view(ev->name) : std::string_view();
      if (name.empty() || IsIgnoredName(name)) continue;
      const std::string rel = Join(dir->second, name);
      if (ev->mask & IN_ISDIR) {
        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
          WatchTree(rel, &events);
        } else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
          Unwatch(rel);
          events.push_back({EventKind::kRemovedDir, rel});
        }
        continue;
      }
      if (ev->mask & IN_CREATE) {
        // Links never see IN_CLOSE_WRITE; regular files are read once closed.
        struct stat st {};
        if (::lstat((fs::path(root) / rel).c_str(), &st) == 0 && S_ISLNK(st.st_mode))
          events.push_back({EventKind::kChanged, rel});
        continue;
      }
      const Decoded d = DecodeFileEvent(ev->mask);
      if (d.act) events.push_back({d.kind, rel});
    }
    if (root_gone) {
      spdlog::warn("input folder {} was removed or moved away", root);
      RootGone();
    }
    // An empty batch still tells the owner that watching() changed.
    if (!events.empty() || root_gone) handler(std::move(events));
  }

  void Stop() {
    stopped = true;
    retry.cancel();
    if (stream) {
      boost::system::error_code ignored;
      stream->close(ignored);
    }
  }
};

InotifyWatcher::InotifyWatcher(net::io_context& ioc, std::string root, Handler on_events,
                               int retry_ms)
    : impl_(std::make_shared<Impl>(ioc, std::move(root), std::move(on_events), retry_ms)) {}

InotifyWatcher::~InotifyWatcher() { impl_->Stop(); }

void InotifyWatcher::Start() { impl_->Start(); }
void InotifyWatcher::Stop() { impl_->Stop(); }
bool InotifyWatcher::watching() const { return impl_->root_wd >= 0; }
size_t InotifyWatcher::watch_count() const { return impl_->dirs.size(); }

}  // namespace feedd::watcher
