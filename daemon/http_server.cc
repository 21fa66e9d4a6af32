#include "daemon/http_server.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <ctime>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "daemon/http_handler.h"
#include "feed/dates.h"

namespace feedd::daemon {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

std::optional<std::string_view> Field(const http::request<http::empty_body>& req,
                                      http::field f) {
  auto it = req.find(f);
  if (it == req.end()) return std::nullopt;
  return View(it->value());
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

bool IsHttpParseError(const boost::system::error_code& ec) {
  return ec.category() == make_error_code(http::error::bad_target).category();
}

using Clock = std::chrono::steady_clock;

// A connection and its deadline. One timer per connection, re-armed lazily: each
// operation only moves `deadline`; when the timer fires early it sleeps again until
// the deadline, and when the deadline has passed it cancels the socket. This keeps
// timer-queue work off the per-request path (a timer per read and per write costs
// more than the request itself for small responses). Worker thread only.
struct Connection {
  explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
  tcp::socket socket;
  net::steady_timer timer;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  bool busy = false;
  std::string peer;

  void ExpiresAfter(int ms) {
    deadline = Clock::now() + std::chrono::milliseconds(ms);
    // Later deadlines wait for the timer to come round; an earlier one re-arms it.
    if (deadline < timer.expiry()) Arm();
  }

  void StartWatchdog(const std::shared_ptr<Connection>& self) {
    self_ = self;
    Arm();
  }

  void StopWatchdog() {
    self_.reset();
    timer.cancel();
  }

 private:
  void Arm() {
    std::shared_ptr<Connection> self = self_.lock();
    if (!self) return;
    timer.expires_at(deadline);  // cancels a pending wait, whose handler then does nothing
    timer.async_wait([self](const boost::system::error_code& ec) {
      if (ec) return;
      if (Clock::now() >= self->deadline) {
        self->timed_out = true;
        boost::system::error_code ignored;
        self->socket.cancel(ignored);
      } else {
        self->Arm();
      }
    });
  }
  std::weak_ptr<Connection> self_;

 public:
  // An error from an operation the watchdog cancelled reads as a timeout.
  void Translate(boost::system::error_code& ec) const {
    if (timed_out && ec) ec = beast::error::timeout;
  }
};

// One event loop, its thread, its listening sockets and its connections.
struct Worker {
  // One thread per loop, and only Shutdown() posts to it from outside: the
  // reactor's per-socket locking is not needed.
  net::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;  // worker thread only
  std::thread thread;
  // This worker's references to each site's current snapshot (see
  // SnapshotHolder::version).
  std::vector<std::shared_ptr<const feed::Snapshot>> snapshots;
  std::vector<uint64_t> versions;

  const std::shared_ptr<const feed::Snapshot>& Snapshot(size_t site, const feed::SnapshotHolder& holder) {
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

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(unsigned worker_count, std::vector<Site> sites, const std::atomic<bool>& watching,
       const std::atomic<bool>& state_ok, Metrics& metrics, ServerOptions options)
      : sites(std::move(sites)), watching(watching), state_ok(state_ok), metrics(metrics) {
    SetOptions(options);
    for (unsigned i = 0; i < worker_count; ++i) workers.push_back(std::make_unique<Worker>());
  }

  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<Site> sites;
  const std::atomic<bool>& watching;
  const std::atomic<bool>& state_ok;
  Metrics& metrics;
  // Read on every request, replaced on reload: each field on its own.
  std::atomic<int> header_timeout_ms, idle_timeout_ms, write_timeout_ms;
  std::atomic<size_t> max_connections, max_header_bytes;

  void SetOptions(const ServerOptions& o) {
    header_timeout_ms = o.header_timeout_ms;
    idle_timeout_ms = o.idle_timeout_ms;
    write_timeout_ms = o.write_timeout_ms;
    max_connections = o.max_connections;
    max_header_bytes = o.max_header_bytes;
  }
  ServerStats stats;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> heartbeats{0};

  ServerOptions Options() const {
    ServerOptions o;
    o.header_timeout_ms = header_timeout_ms.load(std::memory_order_relaxed);
    o.idle_timeout_ms = idle_timeout_ms.load(std::memory_order_relaxed);
    o.write_timeout_ms = write_timeout_ms.load(std::memory_order_relaxed);
    o.max_connections = max_connections.load(std::memory_order_relaxed);
    o.max_header_bytes = max_header_bytes.load(std::memory_order_relaxed);
    return o;
  }

  net::awaitable<void> Accept(Worker& worker, tcp::acceptor& acceptor) {
    auto self = shared_from_this();
    net::steady_timer backoff(worker.ioc);
    while (!stopping) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        if (stopping || ec == net::error::operation_aborted) break;
        // Out of file descriptors and the like: wait a little instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(100));
        co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      if (stats.open_connections.load() >= Options().max_connections) {
        ++stats.rejected_connections;
        spdlog::debug("connection limit reached; closing a new connection");
        socket.close(ec);
        continue;
      }
      ++stats.open_connections;
      auto conn = std::make_shared<Connection>(std::move(socket));
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
                      conn->socket.shutdown(tcp::socket::shutdown_both, ignored);
                      conn->socket.close(ignored);
                      --self->stats.open_connections;
                      worker.connections.erase(conn.get());
                    });
    }
  }

  // Waits until the socket can take more data, bounded by the connection's deadline.
  net::awaitable<void> WaitWritable(Connection& conn, boost::system::error_code& ec) {
    co_await conn.socket.async_wait(tcp::socket::wait_write,
                                    net::redirect_error(net::use_awaitable, ec));
    conn.Translate(ec);
  }

  // Header from memory, body with sendfile(2) from the snapshot's memfd: the kernel
  // sends the pages without copying them, as nginx does with static files.
  // Repeats `step` (one non-blocking send(2) or sendfile(2) from offset `done`,
  // returning what it wrote or -1 with errno) until `total` bytes are out, waiting for
  // the socket whenever it is full.
  template <typename Step>
  net::awaitable<size_t> SendAll(Connection& conn, size_t total, Step step,
                                 boost::system::error_code& ec) {
    size_t done = 0;
    while (done < total && !ec) {
      const ssize_t n = step(done);
      if (n > 0) {
        done += static_cast<size_t>(n);
      } else if (n == 0) {
        ec = net::error::eof;  // a sealed memfd never ends early; a socket never takes 0
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        co_await WaitWritable(conn, ec);
      } else if (errno != EINTR) {
        ec.assign(errno, boost::system::system_category());
      }
    }
    co_return done;
  }

  // Header from memory, body with sendfile(2) from the snapshot's memfd: the kernel
  // sends the pages without copying them, as nginx does with static files.
  net::awaitable<size_t> SendFile(Connection& conn, std::string_view head,
                                  const feed::BodyFile& file, size_t size,
                                  boost::system::error_code& ec) {
    conn.socket.native_non_blocking(true, ec);
    if (ec) co_return 0;
    const int fd = conn.socket.native_handle();
    // MSG_MORE: the header leaves with the body's first bytes.
    size_t sent = co_await SendAll(conn, head.size(), [&](size_t done) {
      return ::send(fd, head.data() + done, head.size() - done, MSG_MORE | MSG_NOSIGNAL);
    }, ec);
    if (ec) co_return sent;
    sent += co_await SendAll(conn, size, [&](size_t done) {
      off_t offset = static_cast<off_t>(done);
      return ::sendfile(fd, file.fd(), &offset, size - done);
    }, ec);
    co_return sent;
  }

  net::awaitable<void> Write(Connection& conn, const HttpReply& reply,
                             bool keep_alive, bool http10, std::string* head,
                             const ServerOptions& opts, boost::system::error_code& ec) {
    SerializeHead(reply, DateNow(), keep_alive, http10, head);
    const std::string_view body = reply.send_body ? reply.Body() : std::string_view();
    size_t sent = 0;
    conn.ExpiresAfter(opts.write_timeout_ms);
    if (reply.file && !body.empty()) {
      sent = co_await SendFile(conn, *head, *reply.file, body.size(), ec);
    } else {
      const std::array<net::const_buffer, 2> buffers = {net::buffer(*head),
                                                        net::buffer(body.data(), body.size())};
      sent = co_await net::async_write(conn.socket, buffers,
                                       net::redirect_error(net::use_awaitable, ec));
      conn.Translate(ec);
    }
    metrics.CountResponse(reply.route, reply.status, sent);
  }

  net::awaitable<void> Serve(Worker& worker, std::shared_ptr<Connection> conn) {
    boost::system::error_code ec;
    conn->peer = conn->socket.remote_endpoint(ec).address().to_string();
    conn->socket.set_option(tcp::no_delay(true), ec);
    conn->ExpiresAfter(Options().header_timeout_ms);
    conn->StartWatchdog(conn);
    beast::flat_buffer buffer;
    std::string head;
    for (bool first = true;; first = false) {
      const ServerOptions opts = Options();
      http::request_parser<http::empty_body> parser;
      parser.header_limit(static_cast<uint32_t>(opts.max_header_bytes));
      parser.eager(true);
      // Parse what is buffered (pipelined requests), read only when more is needed.
      // Waiting for a request to start is bounded by the idle limit (the header limit
      // for a connection's first request); once it started, by the header limit.
      ec = {};
      bool started = false;
      for (;;) {
        if (buffer.size() > 0) {
          if (!started) {
            started = true;
            conn->ExpiresAfter(opts.header_timeout_ms);
          }
          buffer.consume(parser.put(buffer.data(), ec));
          if (ec == http::error::need_more) {
            ec = {};
          } else if (ec || parser.is_done()) {
            break;
          }
        }
        if (!started) {
          conn->ExpiresAfter(first ? opts.header_timeout_ms : opts.idle_timeout_ms);
        }
        const size_t n = co_await conn->socket.async_read_some(
            buffer.prepare(4096), net::redirect_error(net::use_awaitable, ec));
        conn->Translate(ec);
        if (ec) break;
        buffer.commit(n);
      }
      if (ec && !IsHttpParseError(ec)) break;  // closed, reset, timed out: nothing to answer
      conn->busy = true;
      const auto started_at = std::chrono::steady_clock::now();
      if (ec) {
        const int status = ec == http::error::header_limit  ? 431
                           : ec == http::error::body_limit ? 413
                                                           : 400;
        spdlog::debug("{} bad request: {}", conn->peer, ec.message());
        HttpReply reply = ErrorReply(status);
        co_await Write(*conn, reply, false, false, &head, opts, ec);
        break;
      }
      const http::request<http::empty_body>& req = parser.get();
      HttpRequest request{View(req.method_string()), View(req.target()),
                          Field(req, http::field::if_none_match),
                          Field(req, http::field::if_modified_since),
                          Field(req, http::field::accept_encoding)};
      // Held until the reply is written: the reply's views point into it.
      // The site whose prefix the target starts with (the longest), the prefix cut
      // off. A target below no site gets an empty snapshot that knows how many
      // articles all sites serve: /healthz and /metrics work, everything else is 404.
      const std::string_view original_target = request.target;
      size_t site = sites.size();
      for (size_t i = 0; i < sites.size(); ++i) {
        const std::string& p = sites[i].prefix;
        const std::string_view t = request.target;
        const bool below = p.empty() || (t.substr(0, p.size()) == p &&
                                         (t.size() == p.size() || t[p.size()] == '/' || t[p.size()] == '?'));
        if (below &&
            (site == sites.size() || p.size() > sites[site].prefix.size()))
          site = i;
      }
      std::shared_ptr<const feed::Snapshot> snap;
      if (site < sites.size()) {
        snap = worker.Snapshot(site, *sites[site].snapshots);
        request.target.remove_prefix(sites[site].prefix.size());
        if (request.target.empty() || request.target.front() == '?') request.target = "/";
      } else {
        auto root = std::make_shared<feed::Snapshot>();
        root->generation = 1;
        for (size_t i = 0; i < sites.size(); ++i) {
          const auto& s = worker.Snapshot(i, *sites[i].snapshots);
          root->article_count += s->article_count;
          root->built_at = std::max(root->built_at, s->built_at);
          if (s->generation == 0) root->generation = 0;
        }
        snap = std::move(root);
      }
      HttpReply reply = HandleRequest(*snap, request,
                                      HealthInfo{std::time(nullptr), watching.load(), state_ok.load(), &metrics,
                                                 stats.open_connections.load(),
                                                 stats.rejected_connections.load()});
      const bool keep_alive = req.keep_alive() && !stopping;
      co_await Write(*conn, reply, keep_alive, req.version() == 10, &head, opts, ec);
      if (spdlog::should_log(spdlog::level::debug)) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started_at).count();
        spdlog::debug("{} \"{} {}\" {} {} {}us", conn->peer, request.method, original_target,
                      reply.status, reply.send_body ? reply.Body().size() : 0, us);
      }
      conn->busy = false;
      if (ec || !keep_alive || stopping) break;  // a stop during the write ends it here
    }
    if (ec && ec != beast::error::timeout && ec != http::error::end_of_stream &&
        ec != net::error::operation_aborted && ec != net::error::eof) {
      spdlog::debug("{} connection closed: {}", conn->peer, ec.message());
    } else if (ec == beast::error::timeout) {
      spdlog::debug("{} connection timed out", conn->peer);
    }
    // Tell the client we are done before closing (lingering close, as nginx does).
    boost::system::error_code ignored;
    conn->socket.shutdown(tcp::socket::shutdown_send, ignored);
  }

  void Shutdown() {
    stopping = true;
    for (auto& worker : workers) {
      net::post(worker->ioc, [w = worker.get()] {
        boost::system::error_code ignored;
        for (auto& acceptor : w->acceptors) acceptor->close(ignored);
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
                        std::string* err) {
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
  for (size_t i = 0; i < made.size(); ++i) impl_->workers[i]->acceptors.push_back(std::move(made[i]));
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
  for (size_t i = 0; i < made.size(); ++i) impl_->workers[i]->acceptors.push_back(std::move(made[i]));
  ::close(fd);
  return true;
}

void HttpServer::Start() {
  for (auto& worker : impl_->workers) {
    for (auto& acceptor : worker->acceptors)
      net::co_spawn(worker->ioc, impl_->Accept(*worker, *acceptor), net::detached);
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
