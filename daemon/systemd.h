// The two systemd protocols feedd speaks, implemented directly as sd_notify(3) and
// sd_listen_fds(3) document them, instead of linking libsystemd (which brings its
// compression libraries into a network daemon). Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::daemon {

// Sends `state` ("READY=1", "STATUS=...", "WATCHDOG=1", ...) as one datagram to
// $NOTIFY_SOCKET (a path, or an abstract name starting with '@'). Returns false
// when there is no such socket or the send failed; never blocks for long.
bool NotifySystemd(std::string_view state);

// The watchdog interval systemd asks for ($WATCHDOG_USEC, when $WATCHDOG_PID is
// unset or ours), in microseconds; 0 when there is none.
uint64_t WatchdogUsec();

struct ListenFd {
  int fd;
  std::string name;  // from $LISTEN_FDNAMES, or "unknown"
};

// The sockets systemd passed ($LISTEN_PID is ours, $LISTEN_FDS of them from fd 3),
// marked close-on-exec; the variables are then unset so children do not inherit
// them. Empty without socket activation.
std::vector<ListenFd> TakeListenFds();

// True when stderr is connected to the journal ($JOURNAL_STREAM names its device
// and inode): log lines then carry "<N>" priority prefixes and no timestamps.
bool StderrIsJournal();

}  // namespace feedd::daemon
