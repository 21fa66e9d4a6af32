// The HTTP/1.1 server (Boost.Asio): accepts connections, reads requests with the
// strict, bounded RequestReader and timeouts that hold in every state, answers them
// with HandleRequest from the current snapshot. Keep-alive, pipelining and HTTP/1.0
// are supported. Every close after a response is a lingering close, as nginx's: the
// sending side is shut down, then what the client still sends is read and thrown
// away for a bounded time, so the client gets the whole response, not a reset.
//
// Threads: one io_context and one thread per worker, as nginx runs one process per
// core. Every worker accepts on its own SO_REUSEPORT socket bound to the same
// address, and a connection stays on the worker that accepted it, so serving a
// request takes no locks (opening and closing a connection take one, for the count
// of connections per client address, which holds across workers). Listen() and Start() are called
// once by the owner; Shutdown(), Stop() and stats() are safe from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/address_range.h"
#include "daemon/metrics.h"
#include "daemon/publish/snapshot.h"

namespace boost::asio {
class io_context;
}

namespace feedd::daemon {

struct ServerOptions {
  int header_timeout_ms = 10'000;  // a request's header must arrive within this
  int idle_timeout_ms = 60'000;    // a keep-alive connection may wait this long for the next
  int write_timeout_ms = 60'000;   // between successive writes of a response
  size_t max_connections = 1024;   // beyond it new connections get 503 and are closed
  size_t max_connections_per_client = 64;  // per client address; 0: unlimited
  size_t max_header_bytes = 8192;  // larger request headers get 431
  int lingering_time_ms = 30'000;  // a lingering close reads and discards at most this long
  int lingering_timeout_ms = 5'000;  // and waits at most this long for each read
  bool access_log = false;         // one Combined Log Format line per request (info)
  bool metrics_public = false;     // /metrics for every client, not only loopback ones
  // Peers whose X-Forwarded-For names the client (ForwardedClient in connection.h).
  // A connection takes the list in force at its accept.
  std::vector<config::AddressRange> trusted_proxies = config::LoopbackRanges();
};

// Connection gauges, updated by the serving threads. Responses are counted in
// Metrics. rejected_connections counts those answered 503 (server or client full).
struct ServerStats {
  std::atomic<uint64_t> rejected_connections{0}, open_connections{0};
};

// One feed's snapshots, served below a URL prefix ("" for the root, "/blog").
struct Site {
  std::string prefix;
  const daemon::SnapshotHolder* snapshots;
};

class HttpServer {
 public:
  // `watching` and `state_ok` are reported by /healthz.
  HttpServer(unsigned workers, std::vector<Site> sites, const std::atomic<bool>& watching,
             const std::atomic<bool>& state_ok, Metrics& metrics, ServerOptions options);
  ~HttpServer();

  // Binds and listens on ADDRESS:PORT (port 0 picks one). Sets *bound to the
  // address actually bound ("127.0.0.1:41234", "[::1]:8080"). On failure returns
  // false with *err set. `metrics_only`: a listener for /metrics (and /healthz),
  // answered to every client there; the feeds and pages are not served on it.
  bool Listen(const std::string& address, uint16_t port, std::string* bound, std::string* err,
              bool metrics_only = false);

  // Serves on a listening socket handed over by systemd (socket activation). Every
  // worker accepts on its own duplicate of it. Takes ownership of `fd`.
  bool Adopt(int fd, std::string* bound, std::string* err);

  // Starts the worker threads, accepting on every listener.
  void Start();

  // Stops accepting and closes idle connections; responses in flight are finished
  // and their connections closed. Workers end once their connections are done.
  void Shutdown();

  // Ends the workers now (after Shutdown and a grace period) and joins them.
  void Stop();

  // True when every worker answered the previous call's ping; then pings them all
  // again. Called from the watchdog timer: a stuck loop stops answering.
  bool CollectHeartbeats();

  void set_options(const ServerOptions& options);
  const ServerStats& stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace feedd::daemon
