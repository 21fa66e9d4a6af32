#include "watcher/folder_watcher.h"

#include <spdlog/spdlog.h>

#include "watcher/file_system.h"
#include "watcher/inotify_watcher.h"
#include "watcher/poll_watcher.h"

namespace feedd::watcher {

const char* WatchModeName(WatchMode mode) {
  switch (mode) {
    case WatchMode::kAuto: return "auto";
    case WatchMode::kInotify: return "inotify";
    case WatchMode::kPoll: return "poll";
  }
  return "auto";
}

std::unique_ptr<FolderWatcher> MakeFolderWatcher(boost::asio::io_context& ioc, std::string root,
                                                 const WatchOptions& options,
                                                 FolderWatcher::Handler on_events) {
  const double every = static_cast<double>(options.poll_interval.count()) / 1000;
  WatchMode mode = options.mode;
  if (mode == WatchMode::kAuto) {
    const FileSystemKind kind = FileSystemOf(root);
    if (!kind.events_trusted) {
      spdlog::info("watching {} by polling every {:g} s: it is on {}, where inotify does not see "
                   "what is written from elsewhere (watch = \"auto\")", root, every, kind.name);
      mode = WatchMode::kPoll;
    } else {
      spdlog::info("watching {} with inotify: it is on {} (watch = \"auto\")", root, kind.name);
      mode = WatchMode::kInotify;
    }
  } else {
    spdlog::info("watching {} {} (watch = \"{}\")", root,
                 mode == WatchMode::kPoll ? fmt::format("by polling every {:g} s", every)
                                          : std::string("with inotify"),
                 WatchModeName(mode));
  }
  if (mode == WatchMode::kPoll)
    return std::make_unique<PollWatcher>(ioc, std::move(root), std::move(on_events), options);
  return std::make_unique<InotifyWatcher>(ioc, std::move(root), std::move(on_events), options);
}

}  // namespace feedd::watcher
