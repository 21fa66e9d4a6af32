#include "daemon/http/server.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "daemon/http/connection.h"
#include "daemon/http/handler.h"
#include "daemon/http/media_reply.h"
#include "daemon/http/request.h"
#include "feed/dates.h"

namespace feedd::daemon {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// How long a request made before the first snapshot waits for it.
constexpr auto kStartupWait = std::chrono::seconds(30);

bool IsHealthTarget(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/healthz" || path == "/metrics";
}


// The Date header, formatted at most once a second per thread.
std::string_view DateNow() {
  thread_local int64_t second = -1;
  thread_local std::string text;
  const int64_t now = std::time(nullptr);
  if (now != second) {
    second = now;
    text = feed::FormatHttpDate(now);
  }
  return text;
}

using Clock = std::chrono::steady_clock;

ClientAddress AddressOf(const net::ip::address& a) {
  return a.is_v4() ? ClientAddress::FromV4(a.to_v4().to_bytes())
                   : ClientAddress::FromV6(a.to_v6().to_bytes());
}

// A connection and its deadline. One timer per connection, re-armed lazily (see
// ConnectionDeadline): each operation only moves the deadline; when the timer fires
// early it sleeps again until the deadline, and once the deadline has passed the
// connection is expired for good: its pending operation is cancelled and every
// later one fails at once. This keeps timer-queue work off the per-request path (a
// timer per read and per write costs more than the request itself for small
// responses). Worker thread only.
struct Connection : std::enable_shared_from_this<Connection> {
  explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
  tcp::socket socket;
  net::steady_timer timer;
  ConnectionDeadline deadline;
  bool busy = false;  // a request is being answered: Shutdown lets it finish
  bool metrics_listener = false;
  bool loopback = false;
  bool counted = false;  // in the per-client count under `address`, until it closes
  ClientAddress address;
  std::string peer;
  // Set when the peer is a trusted proxy: its requests speak for the clients their
  // X-Forwarded-For names. Such a connection is not counted at its accept (a proxy
  // holds many, for many clients); each forwarded request counts against its
  // client while it is answered, and a request without the field counts the
  // connection against the peer itself from then on, as for any direct client.
  std::shared_ptr<const std::vector<config::AddressRange>> proxies;

  void SetDeadline(Clock::time_point at) {
    if (std::optional<ConnectionDeadline::Arm> arm = deadline.Set(at)) Arm(*arm);
  }
  void ExpiresAfter(int ms) { SetDeadline(Clock::now() + std::chrono::milliseconds(ms)); }
  void StopWatchdog() {
    deadline.Stop();
    timer.cancel();
  }
  bool expired() const { return deadline.expired(); }
  // After every operation: once the deadline passed, whatever the operation did,
  // the connection is timed out.
  void Translate(boost::system::error_code& ec) const {
    if (deadline.expired()) ec = net::error::timed_out;
  }

 private:
  void Arm(const ConnectionDeadline::Arm& arm) {
    timer.expires_at(arm.at);  // replaces a pending wait, which then reads as stale
    timer.async_wait(
        [weak = weak_from_this(), token = arm.token](const boost::system::error_code& ec) {
          if (ec) return;
          std::shared_ptr<Connection> self = weak.lock();
          if (!self) return;
          ConnectionDeadline::Arm next{};
          switch (self->deadline.OnTimer(token, Clock::now(), &next)) {
            case ConnectionDeadline::Fired::kRearm:
              self->Arm(next);
              break;
            case ConnectionDeadline::Fired::kExpired: {
              boost::system::error_code ignored;
              self->socket.cancel(ignored);
              break;
            }
            case ConnectionDeadline::Fired::kStale:
              break;
          }
        });
  }
};

struct Listener {
  std::unique_ptr<tcp::acceptor> acceptor;
  bool metrics_only = false;
};

// One event loop, its thread, its listening sockets and its connections.
struct Worker {
  // One thread per loop, and only Shutdown() posts to it from outside: the
  // reactor's per-socket locking is not needed.
  net::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::vector<Listener> listeners;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;  // worker thread only
  std::thread thread;
  // This worker's references to each site's current snapshot (see
  // SnapshotHolder::version).
  std::vector<std::shared_ptr<const daemon::Snapshot>> snapshots;
  std::vector<uint64_t> versions;

  const std::shared_ptr<const daemon::Snapshot>& Snapshot(size_t site, const daemon::SnapshotHolder& holder) {
    if (snapshots.size() <= site) {
      snapshots.resize(site + 1);
      versions.resize(site + 1, ~uint64_t{0});
    }
    const uint64_t version = holder.version();
    if (version != versions[site]) {
      snapshots[site] = holder.Current();
      versions[site] = version;
    }
    return snapshots[site];
  }
};

bool Quiet(const boost::system::error_code& ec) {
  return !ec || ec == net::error::eof || ec == net::error::operation_aborted ||
         ec == net::error::timed_out || ec == net::error::connection_reset;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(unsigned worker_count, std::vector<Site> sites, const std::atomic<bool>& watching,
       const std::atomic<bool>& state_ok, Metrics& metrics, ServerOptions options)
      : sites(std::move(sites)), watching(watching), state_ok(state_ok), metrics(metrics) {
    SetOptions(options);
    for (unsigned i = 0; i < worker_count; ++i) workers.push_back(std::make_unique<Worker>());
  }

  // Before the workers: a connection's coroutine frame, destroyed with its worker's
  // io_context, may still hold a count in it (RequestCount).
  ClientConnections clients;  // every worker's connections, by client address
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<Site> sites;
  const std::atomic<bool>& watching;
  const std::atomic<bool>& state_ok;
  Metrics& metrics;
  const DiskMediaOpener media_opener;
  // Read on every request, replaced on reload: each field on its own.
  std::atomic<int> header_timeout_ms, idle_timeout_ms, write_timeout_ms, lingering_time_ms,
      lingering_timeout_ms;
  std::atomic<size_t> max_connections, max_connections_per_client, max_header_bytes;
  std::atomic<bool> access_log, metrics_public;
  std::atomic<std::shared_ptr<const std::vector<config::AddressRange>>> trusted_proxies;

  void SetOptions(const ServerOptions& o) {
    header_timeout_ms = o.header_timeout_ms;
    idle_timeout_ms = o.idle_timeout_ms;
    write_timeout_ms = o.write_timeout_ms;
    lingering_time_ms = o.lingering_time_ms;
    lingering_timeout_ms = o.lingering_timeout_ms;
    max_connections = o.max_connections;
    max_connections_per_client = o.max_connections_per_client;
    max_header_bytes = o.max_header_bytes;
    access_log = o.access_log;
    metrics_public = o.metrics_public;
    trusted_proxies = std::make_shared<const std::vector<config::AddressRange>>(o.trusted_proxies);
  }
  ServerStats stats;
  std::atomic<size_t> lingering_rejects{0};
  std::atomic<bool> stopping{false};
  std::atomic<size_t> heartbeats{0};

  // All but trusted_proxies, which a connection takes once, at its accept.
  ServerOptions Options() const {
    constexpr auto r = std::memory_order_relaxed;
    ServerOptions o;
    o.header_timeout_ms = header_timeout_ms.load(r);
    o.idle_timeout_ms = idle_timeout_ms.load(r);
    o.write_timeout_ms = write_timeout_ms.load(r);
    o.lingering_time_ms = lingering_time_ms.load(r);
    o.lingering_timeout_ms = lingering_timeout_ms.load(r);
    o.max_connections = max_connections.load(r);
    o.max_connections_per_client = max_connections_per_client.load(r);
    o.max_header_bytes = max_header_bytes.load(r);
    o.access_log = access_log.load(r);
    o.metrics_public = metrics_public.load(r);
    return o;
  }

  net::awaitable<void> Accept(Worker& worker, Listener& listener) {
    auto self = shared_from_this();
    net::steady_timer backoff(worker.ioc);
    while (!stopping) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await listener.acceptor->async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        if (stopping || ec == net::error::operation_aborted) break;
        // Out of file descriptors and the like: wait a little instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(100));
        co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      const ServerOptions opts = Options();
      auto conn = std::make_shared<Connection>(std::move(socket));
      const tcp::endpoint remote = conn->socket.remote_endpoint(ec);
      conn->peer = ec ? std::string("-") : remote.address().to_string();
      conn->address = ec ? ClientAddress{} : AddressOf(remote.address());
      conn->loopback = !ec && IsLoopback(conn->address);
      conn->metrics_listener = listener.metrics_only;
      if (!ec) {
        auto trusted = trusted_proxies.load();
        if (IsTrusted(conn->address, *trusted)) conn->proxies = std::move(trusted);
      }
      conn->socket.native_non_blocking(true, ec);
      conn->socket.set_option(tcp::no_delay(true), ec);
      const char* full = nullptr;
      // Claimed before it is checked, so workers accepting at once cannot overshoot.
      if (stats.open_connections.fetch_add(1) >= opts.max_connections) {
        full = "connection limit reached";
      } else if (!conn->proxies && !clients.TryAdd(conn->address, opts.max_connections_per_client)) {
        full = "per-client connection limit reached";
      }
      if (full) {
        --stats.open_connections;
        ++stats.rejected_connections;
        spdlog::debug("{}: {}; answering 503", conn->peer, full);
        // Tracked like the others, so a stop ends its lingering too.
        worker.connections.emplace(conn.get(), conn);
        net::co_spawn(worker.ioc, Reject(conn), [self, conn, &worker](std::exception_ptr) {
          conn->StopWatchdog();
          boost::system::error_code ignored;
          conn->socket.close(ignored);
          worker.connections.erase(conn.get());
        });
        continue;
      }
      conn->counted = !conn->proxies;
      worker.connections.emplace(conn.get(), conn);
      net::co_spawn(worker.ioc, Serve(worker, conn),
                    [self, conn, &worker](std::exception_ptr e) {
                      if (e) {
                        try {
                          std::rethrow_exception(e);
                        } catch (const std::exception& ex) {
                          spdlog::error("connection from {} failed: {}", conn->peer, ex.what());
                        }
                      }
                      boost::system::error_code ignored;
                      conn->StopWatchdog();
                      conn->socket.close(ignored);
                      if (conn->counted) self->clients.Remove(conn->address);
                      --self->stats.open_connections;
                      worker.connections.erase(conn.get());
                    });
    }
  }

  // A client beyond a limit: 503 with Retry-After, then a lingering close, so the
  // client reads the answer instead of a reset. At most max_connections of these
  // linger at once; beyond that they close at once after the answer.
  net::awaitable<void> Reject(std::shared_ptr<Connection> conn) {
    const ServerOptions opts = Options();
    HttpReply reply = ErrorReply(503);
    reply.own_fields = "Retry-After: 5\r\n";
    std::string head;
    boost::system::error_code ec;
    const size_t sent = co_await Write(*conn, reply, false, false, &head, opts, ec);
    AccessLog(conn->peer, opts, {}, reply.status, sent, head.size(), std::nullopt, std::nullopt);
    if (ec) co_return;
    if (lingering_rejects.fetch_add(1) < std::max<size_t>(opts.max_connections, 1)) {
      RequestReader scratch(RequestLimits{});
      co_await LingeringClose(*conn, scratch, opts);
    }
    --lingering_rejects;
  }

  // Waits until the socket can take more data, bounded by the connection's deadline.
  net::awaitable<void> WaitWritable(Connection& conn, boost::system::error_code& ec) {
    if (conn.expired()) {
      ec = net::error::timed_out;
      co_return;
    }
    co_await conn.socket.async_wait(tcp::socket::wait_write,
                                    net::redirect_error(net::use_awaitable, ec));
    conn.Translate(ec);
  }

  net::awaitable<size_t> ReadSome(Connection& conn, char* data, size_t size,
                                  boost::system::error_code& ec) {
    if (conn.expired()) {
      ec = net::error::timed_out;
      co_return 0;
    }
    const size_t n = co_await conn.socket.async_read_some(
        net::buffer(data, size), net::redirect_error(net::use_awaitable, ec));
    conn.Translate(ec);
    co_return n;
  }

  // Repeats `step` (one non-blocking send(2), sendmsg(2) or sendfile(2) from offset
  // `done`, returning what it wrote or -1 with errno) until `total` bytes are out,
  // waiting for the socket whenever it is full. The write timeout runs between
  // successive writes (nginx's send_timeout): a slow reader that keeps reading is
  // not cut off, one that stops is.
  template <typename Step>
  net::awaitable<size_t> SendAll(Connection& conn, size_t total, int write_timeout_ms, Step step,
                                 boost::system::error_code& ec) {
    size_t done = 0;
    bool progressed = false;
    while (done < total && !ec) {
      const ssize_t n = step(done);
      if (n > 0) {
        done += static_cast<size_t>(n);
        progressed = true;
      } else if (n == 0) {
        ec = net::error::eof;  // a sealed memfd never ends early; a socket never takes 0
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (progressed) conn.ExpiresAfter(write_timeout_ms);
        progressed = false;
        co_await WaitWritable(conn, ec);
      } else if (errno != EINTR) {
        ec.assign(errno, boost::system::system_category());
      }
    }
    co_return done;
  }

  // Header and body from memory in one sendmsg(2).
  net::awaitable<size_t> SendBuffers(Connection& conn, std::string_view head, std::string_view body,
                                     int write_timeout_ms, boost::system::error_code& ec) {
    const int fd = conn.socket.native_handle();
    co_return co_await SendAll(
        conn, head.size() + body.size(), write_timeout_ms,
        [&](size_t done) {
          iovec iov[2];
          int count = 0;
          if (done < head.size()) {
            iov[count++] = {const_cast<char*>(head.data() + done), head.size() - done};
            if (!body.empty()) iov[count++] = {const_cast<char*>(body.data()), body.size()};
          } else {
            const size_t at = done - head.size();
            iov[count++] = {const_cast<char*>(body.data() + at), body.size() - at};
          }
          msghdr msg{};
          msg.msg_iov = iov;
          msg.msg_iovlen = static_cast<size_t>(count);
          return ::sendmsg(fd, &msg, MSG_NOSIGNAL);
        },
        ec);
  }

  // Header from memory, body with sendfile(2) from the snapshot's memfd: the kernel
  // sends the pages without copying them, as nginx does with static files.
  net::awaitable<size_t> SendFile(Connection& conn, std::string_view head,
                                  const daemon::BodyFile& file, uint64_t from, uint64_t size,
                                  int write_timeout_ms, boost::system::error_code& ec) {
    const int fd = conn.socket.native_handle();
    // MSG_MORE: the header leaves with the body's first bytes.
    size_t sent = co_await SendAll(
        conn, head.size(), write_timeout_ms,
        [&](size_t done) {
          return ::send(fd, head.data() + done, head.size() - done, MSG_MORE | MSG_NOSIGNAL);
        },
        ec);
    if (ec) co_return sent;
    sent += co_await SendAll(
        conn, size, write_timeout_ms,
        [&](size_t done) {
          off_t offset = static_cast<off_t>(from + done);
          // At most 1 GiB a call: sendfile(2) moves at most 0x7ffff000 bytes anyway.
          return ::sendfile(fd, file.fd(), &offset, std::min<uint64_t>(size - done, 1u << 30));
        },
        ec);
    co_return sent;
  }

  // Returns the bytes sent, header included.
  net::awaitable<size_t> Write(Connection& conn, const HttpReply& reply, bool keep_alive,
                               bool http10, std::string* head, const ServerOptions& opts,
                               boost::system::error_code& ec) {
    SerializeHead(reply, DateNow(), keep_alive, http10, head);
    const std::string_view body = reply.send_body ? reply.Body() : std::string_view();
    const uint64_t length = reply.send_body ? reply.ContentLength() : 0;
    conn.ExpiresAfter(opts.write_timeout_ms);
    // Counted first: a client that has read the response finds it in /metrics.
    metrics.CountResponse(reply.route, reply.status);
    const size_t sent =
        reply.file && length > 0
            ? co_await SendFile(conn, *head, *reply.file, reply.file_offset, length,
                                opts.write_timeout_ms, ec)
            : co_await SendBuffers(conn, *head, body, opts.write_timeout_ms, ec);
    metrics.CountSentBytes(sent);
    co_return sent;
  }

  void AccessLog(std::string_view client, const ServerOptions& opts, std::string_view request_line,
                 int status, size_t sent, size_t head_size, std::optional<std::string_view> referer,
                 std::optional<std::string_view> user_agent) {
    if (!opts.access_log) return;
    spdlog::info("{}", AccessLogLine(client, std::time(nullptr), request_line, status,
                                     sent > head_size ? sent - head_size : 0, referer, user_agent));
  }

  // Closes as nginx does: the response is out, the sending side is shut down (the
  // client sees the end of it), and what the client still sends is read and thrown
  // away, lingering_timeout at most between reads and lingering_time in all, until
  // it closes too. Closing with unread bytes would send a reset, and a reset makes
  // the client's kernel throw away the response it had not read yet.
  net::awaitable<void> LingeringClose(Connection& conn, RequestReader& reader,
                                      const ServerOptions& opts) {
    boost::system::error_code ec;
    conn.socket.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    conn.busy = true;  // a drain lets it finish: it is what makes the response arrive whole
    const Clock::time_point end = Clock::now() + std::chrono::milliseconds(opts.lingering_time_ms);
    reader.Clear();
    for (;;) {
      const Clock::time_point now = Clock::now();
      if (now >= end) break;
      conn.SetDeadline(std::min(end, now + std::chrono::milliseconds(opts.lingering_timeout_ms)));
      co_await ReadSome(conn, reader.space(), reader.space_size(), ec);
      if (ec) break;
      reader.Clear();
    }
  }

  // The snapshot for `target`: the site whose prefix it starts with (the longest),
  // the prefix cut off. A target below no site, and every target on a metrics
  // listener, gets an empty snapshot that knows how many articles all sites serve:
  // /healthz and /metrics work, everything else is 404.
  std::shared_ptr<const daemon::Snapshot> SnapshotFor(Worker& worker, const Connection& conn,
                                                    std::string_view* target) {
    size_t site = sites.size();
    for (size_t i = 0; i < sites.size() && !conn.metrics_listener; ++i) {
      const std::string& p = sites[i].prefix;
      const std::string_view t = *target;
      const bool below =
          p.empty() || (t.substr(0, p.size()) == p &&
                        (t.size() == p.size() || t[p.size()] == '/' || t[p.size()] == '?'));
      if (below && (site == sites.size() || p.size() > sites[site].prefix.size())) site = i;
    }
    if (site < sites.size()) {
      target->remove_prefix(sites[site].prefix.size());
      if (target->empty() || target->front() == '?') *target = "/";
      return worker.Snapshot(site, *sites[site].snapshots);
    }
    auto root = std::make_shared<daemon::Snapshot>();
    root->generation = 1;
    for (size_t i = 0; i < sites.size(); ++i) {
      const auto& s = worker.Snapshot(i, *sites[i].snapshots);
      root->article_count += s->article_count;
      root->built_at = std::max(root->built_at, s->built_at);
      if (s->generation == 0) root->generation = 0;
    }
    return root;
  }

  // The client of one request: the peer, or for a trusted proxy's request the
  // address its X-Forwarded-For names, counted against the per-client limit while
  // the request is answered (request_counted: Remove it after the reply).
  struct Client {
    ClientAddress address;
    const std::string* peer = nullptr;
    std::string forwarded_text;
    bool loopback = false;
    bool forwarded = false;
    bool refused = false;  // beyond the per-client limit: answer 503
    // For the logs: the connection's peer, or the address the proxy named.
    std::string_view text() const { return forwarded ? forwarded_text : *peer; }
  };
  // Uncounts a forwarded request's client when the reply is out (or the
  // connection's coroutine ends some other way).
  struct RequestCount {
    ClientConnections* clients = nullptr;
    ClientAddress address;
    RequestCount() = default;
    RequestCount(const RequestCount&) = delete;
    RequestCount& operator=(const RequestCount&) = delete;
    ~RequestCount() { Release(); }
    void Hold(ClientConnections* c, const ClientAddress& a) {
      Release();
      clients = c;
      address = a;
    }
    void Release() {
      if (clients) clients->Remove(address);
      clients = nullptr;
    }
  };
  Client ClientOf(Connection& conn, const ParsedRequest& req, const ServerOptions& opts,
                  RequestCount* count) {
    Client c;
    c.address = conn.address;
    c.peer = &conn.peer;
    c.loopback = conn.loopback;
    if (!conn.proxies) return c;
    const std::span<const std::string_view> xff(req.forwarded_for.data(), req.forwarded_for_count);
    if (xff.empty()) {
      // A direct client on a trusted address: counted as any other, for the
      // connection's life, from its first request without the field.
      if (!conn.counted) {
        if (!clients.TryAdd(conn.address, opts.max_connections_per_client)) {
          c.refused = true;
          return c;
        }
        conn.counted = true;
      }
      return c;
    }
    c.forwarded = true;
    c.address = ForwardedClient(conn.address, xff, *conn.proxies);
    c.forwarded_text = ToString(c.address);
    c.loopback = IsLoopback(c.address);
    c.refused = !clients.TryAdd(c.address, opts.max_connections_per_client);
    if (!c.refused) count->Hold(&clients, c.address);
    return c;
  }

  net::awaitable<void> Serve(Worker& worker, std::shared_ptr<Connection> conn) {
    boost::system::error_code ec;
    const ServerOptions first_opts = Options();
    RequestLimits limits;
    limits.max_header_bytes = std::max<size_t>(first_opts.max_header_bytes, 256);
    RequestReader reader(limits);  // the connection's one buffer, of a fixed size
    conn->ExpiresAfter(first_opts.header_timeout_ms);
    std::string head;
    bool linger = false;
    ServerOptions opts = first_opts;
    for (bool first = true;; first = false) {
      if (!first) opts = Options();
      // Parse what is buffered (pipelined requests), read only when more is needed.
      // Waiting for a request to start is bounded by the idle limit (the header limit
      // for a connection's first request); once it started, by the header limit,
      // which also bounds a body read to be discarded.
      RequestReader::Result result;
      bool started = false, waiting = false;
      while ((result = reader.Next()) == RequestReader::Result::kNeedMore) {
        if (!started && reader.buffered() > 0) {
          started = true;
          // A connection's first request is bounded from the accept on: its first
          // byte does not start the header timeout again.
          if (!first) conn->ExpiresAfter(opts.header_timeout_ms);
        } else if (!started && !waiting && !first) {
          waiting = true;
          conn->ExpiresAfter(opts.idle_timeout_ms);
        }
        const size_t n = co_await ReadSome(*conn, reader.space(), reader.space_size(), ec);
        if (ec) break;
        reader.Commit(n);
      }
      if (ec) break;  // closed, reset, timed out, shut down: nothing to answer
      conn->busy = true;
      const auto started_at = Clock::now();
      if (result == RequestReader::Result::kError) {
        const RequestError& e = reader.error();
        spdlog::debug("{} bad request: {} ({})", conn->peer, e.status, e.reason);
        HttpReply reply = ErrorReply(e.status);
        const size_t sent = co_await Write(*conn, reply, false, false, &head, opts, ec);
        AccessLog(conn->peer, opts, reader.ErrorRequestLine(), reply.status, sent, head.size(),
                  std::nullopt, std::nullopt);
        linger = !ec;
        break;
      }
      const ParsedRequest& req = reader.request();
      // Whom the request is from, and whether it may be answered (per-client limit).
      RequestCount counted;
      const Client client = ClientOf(*conn, req, opts, &counted);
      if (client.refused) {
        HttpReply reply = ErrorReply(503);
        reply.own_fields = "Retry-After: 5\r\n";
        // A proxy's connection serves other clients too: it stays open.
        const bool keep_alive = client.forwarded && req.keep_alive && !req.close_after && !stopping;
        const size_t sent =
            co_await Write(*conn, reply, keep_alive, req.minor_version == 0, &head, opts, ec);
        AccessLog(client.text(), opts, req.request_line, reply.status, sent, head.size(), req.referer,
                  req.user_agent);
        spdlog::debug("{}: per-client connection limit reached; answered 503", client.text());
        conn->busy = false;
        if (ec) break;
        if (!keep_alive) {
          linger = true;
          break;
        }
        continue;
      }
      HttpRequest request;
      request.method = req.method;
      request.target = req.target;
      request.if_none_match = req.if_none_match;
      request.if_modified_since = req.if_modified_since;
      request.accept_encoding = req.accept_encoding;
      request.range = req.range;
      request.if_range = req.if_range;
      // Held until the reply is written: the reply's views point into it.
      std::shared_ptr<const daemon::Snapshot> snap = SnapshotFor(worker, *conn, &request.target);
      // Before the first snapshot (a cold start still reading the folder), /healthz
      // says so at once; any other request waits for it, up to kStartupWait, so the
      // first reader of a socket-activated feedd gets the feed, not an error.
      if (snap->generation == 0 && !IsHealthTarget(request.target)) {
        net::steady_timer wait(worker.ioc);
        const auto until = Clock::now() + kStartupWait;
        while (snap->generation == 0 && !stopping && Clock::now() < until) {
          wait.expires_after(std::chrono::milliseconds(20));
          co_await wait.async_wait(net::redirect_error(net::use_awaitable, ec));
          request.target = req.target;
          snap = SnapshotFor(worker, *conn, &request.target);
        }
        ec = {};
      }
      HealthInfo health;
      health.now = std::time(nullptr);
      health.watching = watching.load();
      health.state_ok = state_ok.load();
      health.metrics = &metrics;
      health.open_connections = stats.open_connections.load();
      health.refused_connections = stats.rejected_connections.load();
      health.metrics_allowed = conn->metrics_listener || client.loopback || opts.metrics_public;
      const HttpReply reply = HandleRequest(*snap, request, health, &media_opener);
      const bool keep_alive = req.keep_alive && !req.close_after && !stopping;
      const size_t sent =
          co_await Write(*conn, reply, keep_alive, req.minor_version == 0, &head, opts, ec);
      counted.Release();
      AccessLog(client.text(), opts, req.request_line, reply.status, sent, head.size(), req.referer,
                req.user_agent);
      if (spdlog::should_log(spdlog::level::debug)) {
        const auto us =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_at)
                .count();
        spdlog::debug("{} \"{} {}\" {} {} {}us", client.text(), req.method, req.target, reply.status,
                      reply.send_body ? reply.ContentLength() : 0, us);
      }
      conn->busy = false;
      if (ec) break;
      if (!keep_alive || stopping) {  // a stop during the write ends it here
        linger = true;
        break;
      }
    }
    if (ec && !Quiet(ec)) {
      spdlog::debug("{} connection closed: {}", conn->peer, ec.message());
    } else if (ec == net::error::timed_out) {
      spdlog::debug("{} connection timed out", conn->peer);
    }
    if (linger) co_await LingeringClose(*conn, reader, opts);
  }

  void Shutdown() {
    stopping = true;
    for (auto& worker : workers) {
      net::post(worker->ioc, [w = worker.get()] {
        boost::system::error_code ignored;
        for (auto& listener : w->listeners) listener.acceptor->close(ignored);
        for (auto& [raw, weak] : w->connections) {
          std::shared_ptr<Connection> conn = weak.lock();
          if (conn && !conn->busy) conn->socket.cancel(ignored);  // idle: end the wait
        }
      });
    }
  }
};

HttpServer::HttpServer(unsigned workers, std::vector<Site> sites,
                       const std::atomic<bool>& watching, const std::atomic<bool>& state_ok,
                       Metrics& metrics, ServerOptions options)
    : impl_(std::make_shared<Impl>(std::max(1u, workers), std::move(sites), watching, state_ok,
                                   metrics, options)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Listen(const std::string& address, uint16_t port, std::string* bound,
                        std::string* err, bool metrics_only) {
  boost::system::error_code ec;
  const net::ip::address addr = net::ip::make_address(address, ec);
  if (ec) {
    *err = "\"" + address + "\" is not an IP address";
    return false;
  }
  // Every worker binds its own socket to the same address (SO_REUSEPORT); the first
  // picks the port when asked for port 0.
  tcp::endpoint endpoint(addr, port);
  std::vector<std::unique_ptr<tcp::acceptor>> made;
  for (auto& worker : impl_->workers) {
    auto acceptor = std::make_unique<tcp::acceptor>(worker->ioc);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) {
      const int one = 1;
      if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        ec.assign(errno, boost::system::system_category());
    }
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      *err = "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message();
      return false;
    }
    endpoint = acceptor->local_endpoint(ec);
    made.push_back(std::move(acceptor));
  }
  *bound = addr.is_v6() ? "[" + endpoint.address().to_string() + "]:" + std::to_string(endpoint.port())
                        : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  for (size_t i = 0; i < made.size(); ++i)
    impl_->workers[i]->listeners.push_back({std::move(made[i]), metrics_only});
  return true;
}

bool HttpServer::Adopt(int fd, std::string* bound, std::string* err) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int type = 0, listening = 0;
  socklen_t opt_len = sizeof type;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      (addr.ss_family != AF_INET && addr.ss_family != AF_INET6) ||
      ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &opt_len) != 0 || type != SOCK_STREAM ||
      ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &opt_len) != 0 || !listening) {
    *err = "passed socket " + std::to_string(fd) + " is not a listening TCP socket";
    ::close(fd);
    return false;
  }
  const tcp protocol = addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4();
  std::vector<std::unique_ptr<tcp::acceptor>> made;
  for (auto& worker : impl_->workers) {
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    boost::system::error_code ec;
    auto acceptor = std::make_unique<tcp::acceptor>(worker->ioc);
    if (copy >= 0) acceptor->assign(protocol, copy, ec);
    if (copy < 0 || ec) {
      *err = "cannot use passed socket " + std::to_string(fd) + ": " +
             (copy < 0 ? std::string(std::strerror(errno)) : ec.message());
      if (copy >= 0) ::close(copy);
      ::close(fd);
      return false;
    }
    made.push_back(std::move(acceptor));
  }
  boost::system::error_code ec;
  const tcp::endpoint endpoint = made.front()->local_endpoint(ec);
  *bound = endpoint.address().is_v6()
               ? "[" + endpoint.address().to_string() + "]:" + std::to_string(endpoint.port())
               : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  for (size_t i = 0; i < made.size(); ++i)
    impl_->workers[i]->listeners.push_back({std::move(made[i]), false});
  ::close(fd);
  return true;
}

void HttpServer::Start() {
  for (auto& worker : impl_->workers) {
    for (auto& listener : worker->listeners)
      net::co_spawn(worker->ioc, impl_->Accept(*worker, listener), net::detached);
    worker->thread = std::thread([w = worker.get()] {
      for (;;) {
        try {
          w->ioc.run();
          break;
        } catch (const std::exception& e) {
          spdlog::error("serving: unexpected error, continuing: {}", e.what());
        }
      }
    });
  }
}

void HttpServer::Shutdown() { impl_->Shutdown(); }

bool HttpServer::CollectHeartbeats() {
  const bool all = impl_->heartbeats.exchange(0) == impl_->workers.size();
  for (auto& worker : impl_->workers) {
    net::post(worker->ioc, [impl = impl_] { ++impl->heartbeats; });
  }
  return all;
}

void HttpServer::Stop() {
  for (auto& worker : impl_->workers) worker->ioc.stop();
  for (auto& worker : impl_->workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

void HttpServer::set_options(const ServerOptions& options) { impl_->SetOptions(options); }

const ServerStats& HttpServer::stats() const { return impl_->stats; }

}  // namespace feedd::daemon
