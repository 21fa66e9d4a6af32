// Watches the input folder with inotify, driven by an Asio event loop: no polling
// loop, no thread per watch. Subfolders are watched too, including ones created
// later. Reports files only when complete: after IN_CLOSE_WRITE (written in place)
// or IN_MOVED_TO (written elsewhere, then renamed in). A lost-event overflow, or the
// folder coming back after it went missing, is reported as a rescan.
//
// Not thread-safe: construct, Start() and Stop() on the thread running the
// io_context it was given; the handler runs there too. The handler may get an
// empty batch: the folder went away and watching() is now false.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "watcher/event.h"

namespace boost::asio {
class io_context;
}

namespace feedd::watcher {

// What one inotify record means for a file (not a folder): `act` is false for
// records that carry nothing to act on (IN_CREATE of a file still being written).
// Pure; exposed for tests.
struct Decoded {
  bool act = false;
  EventKind kind = EventKind::kRescan;
};
Decoded DecodeFileEvent(uint32_t mask);

class InotifyWatcher {
 public:
  using Handler = std::function<void(std::vector<Event>)>;

  // `retry_ms`: while the input folder is missing, how often to look for it again.
  InotifyWatcher(boost::asio::io_context& ioc, std::string root, Handler on_events,
                 int retry_ms = 500);
  ~InotifyWatcher();
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;

  // Starts watching. A missing folder is logged and looked for again every
  // retry_ms; when it appears the handler gets a rescan.
  void Start();
  void Stop();

  // True while the folder is being watched (false while it is missing).
  bool watching() const;
  size_t watch_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace feedd::watcher
