#include "daemon/websub.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

#include "feed/slug.h"

namespace feedd::daemon {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct WebSubNotifier::Impl : std::enable_shared_from_this<Impl> {
  net::io_context& ioc;
  std::string hub, host, port, target;
  std::string host_field;  // host[:port], the port only when not 80 (RFC 9110 section 7.2)
  Metrics* metrics;
  int attempts, first_retry_ms;

  Impl(net::io_context& ioc, std::string hub_url, Metrics* metrics, int attempts, int retry_ms)
      : ioc(ioc), hub(std::move(hub_url)), metrics(metrics), attempts(attempts),
        first_retry_ms(retry_ms) {
    // http://host[:port][/path]; checked by the configuration already.
    std::string rest = hub.substr(hub.find("://") + 3);
    const size_t slash = rest.find('/');
    target = slash == std::string::npos ? "/" : rest.substr(slash);
    const std::string authority = rest.substr(0, slash);
    // An IPv6 literal is bracketed ("[::1]:8080"): its port follows the bracket.
    const bool bracketed = !authority.empty() && authority.front() == '[';
    const size_t colon =
        bracketed ? authority.find(':', authority.find(']')) : authority.rfind(':');
    host = authority.substr(0, colon);
    port = colon == std::string::npos || colon + 1 == authority.size()
               ? "80"
               : authority.substr(colon + 1);
    host_field = host + (port == "80" ? "" : ":" + port);  // an IPv6 literal keeps its brackets
    if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  }

  net::awaitable<int> Post(const std::string& body, boost::system::error_code& ec) {
    tcp::resolver resolver(ioc);
    const auto endpoints =
        co_await resolver.async_resolve(host, port, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return 0;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(10));
    co_await stream.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return 0;
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, host_field);
    req.set(http::field::user_agent, "feedd");
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
    req.prepare_payload();
    co_await http::async_write(stream, req, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return 0;
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return 0;
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return static_cast<int>(res.result_int());
  }

  net::awaitable<void> Send(std::vector<std::string> topics) {
    auto self = shared_from_this();
    std::string body = "hub.mode=publish";
    for (const std::string& t : topics) body += "&hub.url=" + feed::PercentEncode(t);
    net::steady_timer backoff(ioc);
    int wait_ms = first_retry_ms;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      boost::system::error_code ec;
      const int status = co_await Post(body, ec);
      if (!ec && status >= 200 && status < 300) {
        spdlog::info("notified the hub {} of {} changed feeds", hub, topics.size());
        if (metrics) metrics->CountWebSub("ok");
        co_return;
      }
      const std::string why = ec ? ec.message() : "status " + std::to_string(status);
      if (attempt == attempts) {
        spdlog::error("giving up notifying the hub {} after {} attempts: {}", hub, attempts, why);
        if (metrics) metrics->CountWebSub("failed");
        co_return;
      }
      spdlog::warn("notifying the hub {} failed ({}); retrying in {} ms", hub, why, wait_ms);
      if (metrics) metrics->CountWebSub("retry");
      backoff.expires_after(std::chrono::milliseconds(wait_ms));
      co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;  // stopping
      wait_ms *= 2;
    }
  }
};

WebSubNotifier::WebSubNotifier(net::io_context& ioc, std::string hub, Metrics* metrics,
                               int attempts, int first_retry_ms)
    : impl_(std::make_shared<Impl>(ioc, std::move(hub), metrics, attempts, first_retry_ms)) {}

WebSubNotifier::~WebSubNotifier() = default;

void WebSubNotifier::Publish(std::vector<std::string> topics) {
  if (topics.empty()) return;
  net::co_spawn(impl_->ioc, impl_->Send(std::move(topics)), net::detached);
}

}  // namespace feedd::daemon
