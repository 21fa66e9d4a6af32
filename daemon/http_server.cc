#include "daemon/http_server.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <ctime>
#include <mutex>
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

struct Connection {
  explicit Connection(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  bool busy = false;  // touched only on the connection's strand
  std::string peer;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& ioc, const feed::SnapshotHolder& snapshots,
       const std::atomic<bool>& watching, ServerOptions options)
      : ioc(ioc), snapshots(snapshots), watching(watching), options(options) {}

  net::io_context& ioc;
  const feed::SnapshotHolder& snapshots;
  const std::atomic<bool>& watching;
  ServerOptions options;  // guarded by options_mutex
  std::mutex options_mutex;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  ServerStats stats;
  std::atomic<bool> stopping{false};
  std::mutex connections_mutex;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;

  ServerOptions Options() {
    std::lock_guard lock(options_mutex);
    return options;
  }

  net::awaitable<void> Accept(tcp::acceptor& acceptor) {
    auto self = shared_from_this();
    net::steady_timer backoff(ioc);
    while (!stopping) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(
          net::make_strand(ioc), net::redirect_error(net::use_awaitable, ec));
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
      {
        std::lock_guard lock(connections_mutex);
        connections.emplace(conn.get(), conn);
      }
      net::co_spawn(conn->stream.get_executor(), Serve(conn),
                    [self, conn](std::exception_ptr e) {
                      if (e) {
                        try {
                          std::rethrow_exception(e);
                        } catch (const std::exception& ex) {
                          spdlog::error("connection from {} failed: {}", conn->peer, ex.what());
                        }
                      }
                      boost::system::error_code ignored;
                      conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                      conn->stream.socket().close(ignored);
                      --self->stats.open_connections;
                      std::lock_guard lock(self->connections_mutex);
                      self->connections.erase(conn.get());
                    });
    }
  }

  net::awaitable<void> Write(Connection& conn, const HttpReply& reply, bool keep_alive,
                             bool http10, std::string* head, const ServerOptions& opts,
                             boost::system::error_code& ec) {
    SerializeHead(reply, DateNow(), keep_alive, http10, head);
    const std::string_view body = reply.send_body ? reply.Body() : std::string_view();
    const std::array<net::const_buffer, 2> buffers = {net::buffer(*head),
                                                      net::buffer(body.data(), body.size())};
    conn.stream.expires_after(std::chrono::milliseconds(opts.write_timeout_ms));
    const size_t sent =
        co_await net::async_write(conn.stream, buffers, net::redirect_error(net::use_awaitable, ec));
    stats.bytes_sent += sent;
    ++stats.requests;
    if (reply.status == 304) ++stats.not_modified;
    if (reply.status < 400) ++stats.ok;
    else if (reply.status < 500) ++stats.client_errors;
    else ++stats.server_errors;
  }

  net::awaitable<void> Serve(std::shared_ptr<Connection> conn) {
    boost::system::error_code ec;
    conn->peer = conn->stream.socket().remote_endpoint(ec).address().to_string();
    beast::flat_buffer buffer;
    std::string head;
    for (bool first = true;; first = false) {
      const ServerOptions opts = Options();
      if (buffer.size() == 0) {
        // Waiting for a request to start: the idle limit (the header limit for the first).
        conn->stream.expires_after(
            std::chrono::milliseconds(first ? opts.header_timeout_ms : opts.idle_timeout_ms));
        const size_t n = co_await conn->stream.async_read_some(
            buffer.prepare(4096), net::redirect_error(net::use_awaitable, ec));
        if (ec) break;
        buffer.commit(n);
      }
      conn->busy = true;
      http::request_parser<http::empty_body> parser;
      parser.header_limit(static_cast<uint32_t>(opts.max_header_bytes));
      conn->stream.expires_after(std::chrono::milliseconds(opts.header_timeout_ms));
      const auto started = std::chrono::steady_clock::now();
      co_await http::async_read(conn->stream, buffer, parser,
                                net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        int status = 0;
        if (ec == http::error::header_limit) status = 431;
        else if (ec == http::error::body_limit) status = 413;
        else if (IsHttpParseError(ec) && ec != http::error::end_of_stream &&
                 ec != http::error::partial_message)
          status = 400;
        if (status == 0) break;  // closed, reset, timed out: nothing to answer
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
      const std::shared_ptr<const feed::Snapshot> snap = snapshots.Current();
      HttpReply reply = HandleRequest(*snap, request,
                                      HealthInfo{std::time(nullptr), watching.load()});
      const bool keep_alive = req.keep_alive() && !stopping;
      co_await Write(*conn, reply, keep_alive, req.version() == 10, &head, opts, ec);
      if (spdlog::should_log(spdlog::level::debug)) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started).count();
        spdlog::debug("{} \"{} {}\" {} {} {}us", conn->peer, request.method, request.target,
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
    conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  void Shutdown() {
    stopping = true;
    for (auto& acceptor : acceptors) {
      net::post(acceptor->get_executor(), [a = acceptor.get()] {
        boost::system::error_code ignored;
        a->close(ignored);
      });
    }
    std::lock_guard lock(connections_mutex);
    for (auto& [raw, weak] : connections) {
      if (std::shared_ptr<Connection> conn = weak.lock()) {
        net::post(conn->stream.get_executor(), [conn] {
          if (!conn->busy) conn->stream.socket().cancel();  // an idle wait ends now
        });
      }
    }
  }
};

HttpServer::HttpServer(net::io_context& ioc, const feed::SnapshotHolder& snapshots,
                       const std::atomic<bool>& watching, ServerOptions options)
    : impl_(std::make_shared<Impl>(ioc, snapshots, watching, options)) {}

HttpServer::~HttpServer() = default;

bool HttpServer::Listen(const std::string& address, uint16_t port, std::string* bound,
                        std::string* err) {
  boost::system::error_code ec;
  const net::ip::address addr = net::ip::make_address(address, ec);
  if (ec) {
    *err = "\"" + address + "\" is not an IP address";
    return false;
  }
  // A strand of its own, so Shutdown() may close it from any thread.
  auto acceptor = std::make_unique<tcp::acceptor>(net::make_strand(impl_->ioc));
  const tcp::endpoint endpoint(addr, port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    *err = "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  const tcp::endpoint local = acceptor->local_endpoint(ec);
  *bound = addr.is_v6() ? "[" + local.address().to_string() + "]:" + std::to_string(local.port())
                        : local.address().to_string() + ":" + std::to_string(local.port());
  impl_->acceptors.push_back(std::move(acceptor));
  return true;
}

void HttpServer::Start() {
  for (auto& acceptor : impl_->acceptors) {
    net::co_spawn(acceptor->get_executor(), impl_->Accept(*acceptor), net::detached);
  }
}

void HttpServer::Shutdown() { impl_->Shutdown(); }

void HttpServer::set_options(const ServerOptions& options) {
  std::lock_guard lock(impl_->options_mutex);
  impl_->options = options;
}

const ServerStats& HttpServer::stats() const { return impl_->stats; }

}  // namespace feedd::daemon
