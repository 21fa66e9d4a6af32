#include "watcher/inotify_watcher.h"

#include <dirent.h>
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
#include <set>
#include <unordered_map>

#include "watcher/file_system.h"
#include "watcher/scan.h"
#include "watcher/tree_poller.h"

namespace feedd::watcher {
namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

// IN_ATTRIB: a chmod may make a file or folder readable that was not.
constexpr uint32_t kDirMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                              IN_CREATE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
                              IN_EXCL_UNLINK;
// The input folder's parent: only whether the folder's own name comes or goes.
constexpr uint32_t kParentMask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR;

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

std::string Seconds(std::chrono::milliseconds ms) {
  return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000);
}

}  // namespace

Decoded DecodeFileEvent(uint32_t mask) {
  if (mask & IN_Q_OVERFLOW) return {true, EventKind::kRescan};
  if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) return {true, EventKind::kChanged};
  if (mask & (IN_DELETE | IN_MOVED_FROM)) return {true, EventKind::kRemoved};
  return {false, EventKind::kRescan};  // IN_CREATE of a file: wait for it to be closed
}

struct InotifyWatcher::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& ioc, std::string root_path, Handler handler, const WatchOptions& options)
      : ioc(ioc), root(std::move(root_path)), handler(std::move(handler)), options(options),
        retry(ioc), check(ioc), poll_timer(ioc), confirm_timer(ioc),
        poller(root, options.progress) {
    // "." or "articles/": the parent is found from the absolute path.
    std::error_code ec;
    fs::path p = fs::absolute(root, ec).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();  // "dir/" names "dir"
    root_name = p.filename().string();
    parent = p.has_parent_path() ? p.parent_path().string() : std::string();
  }

  struct Dir {
    std::string rel;
    uint64_t device = 0;
  };

  net::io_context& ioc;
  std::string root, root_name, parent;
  Handler handler;
  WatchOptions options;
  net::steady_timer retry, check, poll_timer, confirm_timer;
  bool confirm_armed = false;
  std::unique_ptr<net::posix::stream_descriptor> stream;
  std::unordered_map<int, Dir> dirs;  // watch descriptor -> folder, relative
  int root_wd = -1;
  int parent_wd = -1;
  uint64_t root_device = 0, root_inode = 0;  // of the folder watched at `root`
  TreePoller poller;                         // the subfolders inotify cannot watch
  int64_t polled_reported = 0;               // in options.counters
  bool poll_armed = false;
  bool stopped = false;
  bool missing_logged = false;
  bool limit_logged = false;
  std::set<std::string> mounts_logged;  // network and FUSE mounts said in the log
  alignas(inotify_event) char buffer[64 * 1024];

  bool active() const { return root_wd >= 0 || poller.folders().count(""); }

  void UpdateGauge() {
    const auto n = static_cast<int64_t>(poller.folders().size());
    if (options.counters) options.counters->polled_folders += n - polled_reported;
    polled_reported = n;
  }

  // Polls `rel` (and everything under it) from now on.
  void Poll(const std::string& rel, bool known) {
    poller.Add(rel, known);
    UpdateGauge();
    ArmPoll();
  }

  // Watches `rel` and every folder below it. Files found in folders that were not
  // watched before are appended to *found (as listed: they may have been written
  // before the watch existed, and may still be being written).
  void WatchTree(const std::string& rel, std::vector<Event>* found, uint64_t parent_device) {
    const fs::path abs = rel.empty() ? fs::path(root) : fs::path(root) / rel;
    struct stat st {};
    // The input folder may be a link (followed); subfolders are folders, not links.
    if ((rel.empty() ? ::stat(abs.c_str(), &st) : ::lstat(abs.c_str(), &st)) != 0 ||
        !S_ISDIR(st.st_mode))
      return;
    if (!rel.empty() && options.mode == WatchMode::kAuto && st.st_dev != parent_device) {
      const FileSystemKind kind = FileSystemOf(abs.string());
      if (!kind.events_trusted) {
        if (mounts_logged.insert(rel).second)
          spdlog::info("{} is a {} mount, where inotify misses what is written elsewhere: "
                       "polling it every {}", abs.string(), kind.name, Seconds(options.poll_interval));
        Poll(rel, found == nullptr);
        return;
      }
    }
    const uint32_t mask = rel.empty() ? kDirMask : kDirMask | IN_DONT_FOLLOW;
    const int wd = inotify_add_watch(stream->native_handle(), abs.c_str(), mask);
    if (wd < 0) {
      const int e = errno;
      if (e == ENOSPC) {
        if (!limit_logged) {
          spdlog::warn("the inotify watch limit is reached at {}: polling it, and any other "
                       "folder past the limit, every {} (raise fs.inotify.max_user_watches to "
                       "watch them all with inotify)", abs.string(), Seconds(options.poll_interval));
          limit_logged = true;
        }
        const bool polled = Watched(rel);
        if (options.counters && !polled) ++options.counters->fallbacks;
        if (!polled) Poll(rel, found == nullptr);
      } else if (e == EACCES) {
        // A rescan warns about folders it cannot read; a new one is said here.
        if (found) spdlog::warn("cannot read the folder {}: {}; skipping it", abs.string(), std::strerror(e));
      } else if (e != ENOENT && e != ENOTDIR) {
        spdlog::warn("cannot watch {}: {}", abs.string(), std::strerror(e));
      }
      return;
    }
    dirs[wd] = {rel, static_cast<uint64_t>(st.st_dev)};
    if (options.progress) options.progress->fetch_add(1, std::memory_order_relaxed);
    if (rel.empty()) root_wd = wd;
    DIR* d = ::opendir(abs.c_str());
    if (d == nullptr) return;
    while (const dirent* entry = ::readdir(d)) {
      const std::string_view name(entry->d_name);
      if (name == "." || name == ".." || IsIgnoredName(name)) continue;
      unsigned char type = entry->d_type;
      if (type == DT_UNKNOWN) {
        struct stat child {};
        if (::fstatat(::dirfd(d), entry->d_name, &child, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = S_ISDIR(child.st_mode) ? DT_DIR : S_ISREG(child.st_mode) ? DT_REG
                                               : S_ISLNK(child.st_mode) ? DT_LNK : DT_UNKNOWN;
      }
      if (type == DT_DIR) {
        WatchTree(Join(rel, name), found, static_cast<uint64_t>(st.st_dev));
      } else if (found && (type == DT_REG || type == DT_LNK)) {
        found->push_back({EventKind::kChanged, Join(rel, name), true});
      }
    }
    ::closedir(d);
  }

  bool Watched(const std::string& rel) const {
    for (const auto& [wd, dir] : dirs)
      if (dir.rel == rel) return true;
    for (const std::string& f : poller.folders())
      if (IsUnder(rel, f)) return true;
    return false;
  }

  void Unwatch(const std::string& rel) {
    for (auto it = dirs.begin(); it != dirs.end();) {
      if (IsUnder(it->second.rel, rel)) {
        inotify_rm_watch(stream->native_handle(), it->first);
        it = dirs.erase(it);
      } else {
        ++it;
      }
    }
  }

  void UnwatchAll() {
    for (const auto& [wd, dir] : dirs) inotify_rm_watch(stream->native_handle(), wd);
    dirs.clear();
    root_wd = -1;
    poller.Clear();
    UpdateGauge();
  }

  void RecordIdentity() {
    struct stat st {};
    if (::stat(root.c_str(), &st) == 0) {
      root_device = static_cast<uint64_t>(st.st_dev);
      root_inode = static_cast<uint64_t>(st.st_ino);
    }
  }

  void Start() {
    const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      spdlog::error("cannot start watching {}: inotify_init1: {}; polling it every {}", root,
                    std::strerror(errno), Seconds(options.poll_interval));
      Poll("", true);
      return;
    }
    stream = std::make_unique<net::posix::stream_descriptor>(ioc, fd);
    TryWatchRoot(false);
    Read();
    ArmCheck();
  }

  // Watches the root if it exists; otherwise logs once and looks again later.
  void TryWatchRoot(bool came_back) {
    if (stopped) return;
    WatchParent();
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
      WatchTree("", nullptr, 0);
      if (active()) {
        RecordIdentity();
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
    retry.expires_after(options.retry);
    retry.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->TryWatchRoot(true);
    });
  }

  // The parent tells at once when the folder's name comes or goes. None for "/" (or
  // a parent that is the folder itself): the identity check still runs.
  void WatchParent() {
    if (parent_wd >= 0 || parent.empty() || root_name.empty()) return;
    struct stat p {}, r {};
    if (::stat(parent.c_str(), &p) == 0 && ::stat(root.c_str(), &r) == 0 && p.st_dev == r.st_dev &&
        p.st_ino == r.st_ino)
      return;
    parent_wd = inotify_add_watch(stream->native_handle(), parent.c_str(), kParentMask);
    // The same inode as a folder watched already: the kernel gave that watch back.
    if (parent_wd >= 0 && dirs.count(parent_wd)) parent_wd = -1;
  }

  // Is the folder at `root` still the one watched? Gone: wait for it. Replaced (a
  // rename over it, an exchange, a link flipped): watch the new one, rescan.
  // `lost`: the root's watch went away (IN_IGNORED), so it must be watched again.
  void CheckRoot(bool lost = false) {
    if (stopped || (!active() && !lost)) return;  // missing: TryWatchRoot looks for it
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      spdlog::warn("input folder {} was removed or moved away", root);
      UnwatchAll();
      TryWatchRoot(true);  // a rescan when it (or another) is there
      handler({});  // watching() changed
      return;
    }
    if (!lost && static_cast<uint64_t>(st.st_dev) == root_device &&
        static_cast<uint64_t>(st.st_ino) == root_inode)
      return;
    spdlog::info("input folder {} was replaced; watching the new one and rescanning", root);
    UnwatchAll();
    WatchTree("", nullptr, 0);
    if (!active()) {  // gone again, or not readable: look for it until it can be watched
      TryWatchRoot(true);
      handler({});
      return;
    }
    RecordIdentity();
    handler({{EventKind::kRescan, {}}});
  }

  void ArmCheck() {
    check.expires_after(options.retry);
    check.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      self->CheckRoot();
      self->ArmCheck();
    });
  }

  void ArmPoll() {
    if (poll_armed || stopped || poller.folders().empty()) return;
    poll_armed = true;
    poll_timer.expires_after(options.poll_interval);
    poll_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      self->poll_armed = false;
      if (ec || self->stopped) return;
      std::vector<Event> events;
      if (self->poller.Poll(&events) && !events.empty()) self->handler(std::move(events));
      self->ArmPoll();
      self->ArmConfirm();
    });
  }

  void ArmConfirm() {
    if (confirm_armed || stopped || !poller.has_unsettled()) return;
    confirm_armed = true;
    confirm_timer.expires_after(options.confirm_after());
    confirm_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      self->confirm_armed = false;
      if (ec || self->stopped) return;
      std::vector<Event> events;
      self->poller.Confirm(&events);
      if (!events.empty()) self->handler(std::move(events));
      self->ArmConfirm();
    });
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
          if (self->stopped) return;  // a read finished after Stop(): its events are stale
          self->Dispatch(n);
          if (!self->stopped) self->Read();
        });
  }

  void Dispatch(size_t n) {
    std::vector<Event> events;
    bool overflow = false;
    bool check_root = false;
    bool root_lost = false;
    for (size_t off = 0; off + sizeof(inotify_event) <= n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buffer + off);
      off += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        overflow = true;
        continue;
      }
      const std::string_view name = ev->len > 0 ? std::string_view(ev->name) : std::string_view();
      if (ev->wd == parent_wd) {
        if (ev->mask & IN_IGNORED) parent_wd = -1;
        else if (name == root_name) check_root = true;
        continue;
      }
      auto dir = dirs.find(ev->wd);
      if (dir == dirs.end()) continue;
      if (ev->mask & IN_IGNORED) {
        if (ev->wd == root_wd) root_lost = true;
        dirs.erase(dir);
        continue;
      }
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        if (ev->wd == root_wd) check_root = true;
        continue;  // a subfolder: its parent reports it
      }
      if (name.empty() || IsIgnoredName(name)) continue;
      const std::string rel = Join(dir->second.rel, name);
      if (ev->mask & IN_ISDIR) {
        if (ev->mask & IN_ATTRIB) {
          // A folder that got no watch (unreadable until now) is watched and read.
          if (!Watched(rel)) WatchTree(rel, &events, dir->second.device);
        } else if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
          WatchTree(rel, &events, dir->second.device);
        } else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
          Unwatch(rel);
          poller.RemoveUnder(rel);
          UpdateGauge();
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
      if (ev->mask & IN_ATTRIB) {
        // A chmod, a touch, times set after a copy: read it again if it changed (a
        // file whose bytes are the same costs a read and a hash).
        if (!(ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM)))
          events.push_back({EventKind::kChanged, rel, true});
        continue;
      }
      const Decoded d = DecodeFileEvent(ev->mask);
      if (d.act) events.push_back({d.kind, rel});
    }
    if (overflow && active()) {
      // Events were lost, folders created meanwhile among them: walk the tree again
      // (adding every missing watch), then read what changed.
      spdlog::warn("inotify queue overflowed; watching {} again and rescanning", root);
      WatchTree("", nullptr, 0);
      events.push_back({EventKind::kRescan, {}});
    }
    if (!events.empty()) handler(std::move(events));
    if (check_root || root_lost) CheckRoot(root_lost);
  }

  void Stop() {
    stopped = true;
    retry.cancel();
    check.cancel();
    poll_timer.cancel();
    confirm_timer.cancel();
    poller.Clear();
    UpdateGauge();
    if (stream) {
      boost::system::error_code ignored;
      stream->close(ignored);
    }
  }
};

InotifyWatcher::InotifyWatcher(net::io_context& ioc, std::string root, Handler on_events,
                               const WatchOptions& options)
    : impl_(std::make_shared<Impl>(ioc, std::move(root), std::move(on_events), options)) {}

InotifyWatcher::~InotifyWatcher() { impl_->Stop(); }

void InotifyWatcher::Start() { impl_->Start(); }
void InotifyWatcher::Stop() { impl_->Stop(); }
bool InotifyWatcher::watching() const { return impl_->active(); }
size_t InotifyWatcher::watch_count() const { return impl_->dirs.size(); }

std::string InotifyWatcher::description() const {
  const size_t polled = impl_->poller.folders().size();
  return polled == 0 ? "inotify" : fmt::format("inotify, polling {} folders", polled);
}

}  // namespace feedd::watcher
