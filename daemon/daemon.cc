#include "daemon/daemon.h"

#include <signal.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <future>
#include <thread>

#include "daemon/file_io.h"
#include "daemon/http_server.h"
#include "daemon/publisher.h"
#include "daemon/render_command.h"
#include "watcher/inotify_watcher.h"

namespace feedd::daemon {
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Coalescing of watcher events: after the first event of a burst, wait until the
// folder has been quiet for kQuiet, but never longer than kMaxDelay, so a steady
// stream of drops still publishes well inside the 50 ms drop-to-feed budget.
constexpr auto kQuiet = std::chrono::milliseconds(3);
constexpr auto kMaxDelay = std::chrono::milliseconds(15);

// Everything on the ingest thread: the watcher, the publisher, the debounce timer.
class Ingest {
 public:
  Ingest(net::io_context& ioc, PublisherOptions options, feed::SnapshotHolder& snapshots,
         std::atomic<bool>& watching)
      : ioc_(ioc), publisher_(std::move(options)), snapshots_(snapshots), watching_(watching),
        timer_(ioc),
        watcher_(ioc, publisher_.options().ingest.input_dir,
                 [this](std::vector<watcher::Event> events) { OnEvents(std::move(events)); }) {}

  // The first full scan and snapshot; then watching starts reporting.
  void Start() {
    watcher_.Start();
    watching_ = watcher_.watching();
    publisher_.Rescan();
    Publish(0);
  }

  void Stop() {
    watcher_.Stop();
    timer_.cancel();
    watching_ = false;
  }

 private:
  void OnEvents(std::vector<watcher::Event> events) {
    const Clock::time_point now = Clock::now();
    if (pending_.empty()) first_event_ = now;
    for (watcher::Event& e : events) pending_.push_back(std::move(e));
    watching_ = watcher_.watching();
    timer_.expires_at(std::min(now + kQuiet, first_event_ + kMaxDelay));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Flush();
    });
  }

  void Flush() {
    std::vector<watcher::Event> events;
    events.swap(pending_);
    const Clock::time_point started = Clock::now();
    if (publisher_.Apply(events)) Publish(events.size());
    spdlog::debug("applied {} events in {} us", events.size(),
                  std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started)
                      .count());
  }

  void Publish(size_t event_count) {
    const Clock::time_point started = Clock::now();
    try {
      std::shared_ptr<const feed::Snapshot> snap = publisher_.Build(std::time(nullptr));
      snapshots_.Publish(snap);
      const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started)
                          .count() / 1000.0;
      spdlog::info("published {} articles (generation {}, {} events, built in {:.1f} ms)",
                   snap->article_count, snap->generation, event_count, ms);
    } catch (const std::exception& e) {
      // The previous snapshot stays served.
      spdlog::error("regeneration failed, keeping the previous feeds: {}", e.what());
    }
  }

  net::io_context& ioc_;
  Publisher publisher_;
  feed::SnapshotHolder& snapshots_;
  std::atomic<bool>& watching_;
  net::steady_timer timer_;
  watcher::InotifyWatcher watcher_;
  std::vector<watcher::Event> pending_;
  Clock::time_point first_event_;
};

void LogStats(const ServerStats& s) {
  spdlog::info("requests {} (2xx/3xx {}, 304 {}, 4xx {}, 5xx {}), bytes sent {}, open "
               "connections {}, refused connections {}",
               s.requests.load(), s.ok.load(), s.not_modified.load(), s.client_errors.load(),
               s.server_errors.load(), s.bytes_sent.load(), s.open_connections.load(),
               s.rejected_connections.load());
}

}  // namespace

int RunDaemon(const config::Config& config) {
  ::signal(SIGPIPE, SIG_IGN);
  net::io_context control(1);  // signals and timers, on the main thread
  net::io_context ingest_ioc(1);
  // Registered first: a SIGTERM from now on is queued for the handler below, never fatal.
  net::signal_set signals(control, SIGINT, SIGTERM);
  feed::SnapshotHolder snapshots;
  std::atomic<bool> watching{false};

  ServerOptions server_options;
  server_options.header_timeout_ms = config.header_timeout_ms;
  server_options.idle_timeout_ms = config.idle_timeout_ms;
  server_options.max_connections = config.max_connections;
  HttpServer server(config.threads, snapshots, watching, server_options);
  std::string bound, err;
  if (!server.Listen(config.listen_host, config.listen_port, &bound, &err)) {
    spdlog::error("{}", err);
    return 1;
  }
  spdlog::info("listening on {}", bound);

  config::Config effective = config;
  if (!effective.base_url_set) effective.base_url = "http://" + bound;
  PublisherOptions options;
  options.ingest = {effective.input_dir, effective.base_url, effective.max_article_bytes};
  options.channel = ChannelFrom(effective);
  options.cache_max_age = effective.cache_max_age;

  // The ingest thread: first scan and snapshot, then watching.
  auto ingest = std::make_unique<Ingest>(ingest_ioc, options, snapshots, watching);
  std::promise<void> first_snapshot;
  net::post(ingest_ioc, [&] {
    ingest->Start();
    first_snapshot.set_value();
  });
  auto ingest_work = net::make_work_guard(ingest_ioc);
  std::thread ingest_thread([&] {
    for (;;) {
      try {
        ingest_ioc.run();
        break;
      } catch (const std::exception& e) {
        spdlog::error("ingest: unexpected error, continuing: {}", e.what());
      }
    }
  });
  first_snapshot.get_future().wait();

  // Readers who connect now get the complete feed.
  server.Start();
  if (!config.port_file.empty()) {
    const std::string port = bound.substr(bound.rfind(':') + 1) + "\n";
    if (!WriteFileAtomically(config.port_file, port, &err)) spdlog::error("cannot write {}", err);
  }

  net::steady_timer stats_timer(control);
  std::function<void()> arm_stats = [&] {
    stats_timer.expires_after(std::chrono::minutes(1));
    stats_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      LogStats(server.stats());
      arm_stats();
    });
  };
  arm_stats();

  // SIGINT/SIGTERM: stop accepting, let responses in flight finish (bounded), exit 0.
  constexpr auto kGrace = std::chrono::seconds(10);
  net::steady_timer drain(control);
  Clock::time_point stop_deadline;
  std::function<void()> wait_drained = [&] {
    drain.expires_after(std::chrono::milliseconds(20));
    drain.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      if (server.stats().open_connections.load() == 0 || Clock::now() >= stop_deadline) {
        if (server.stats().open_connections.load() > 0)
          spdlog::warn("closing {} connections still open after {} s",
                       server.stats().open_connections.load(), kGrace.count());
        control.stop();
        return;
      }
      wait_drained();
    });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received {}; stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    server.Shutdown();
    stats_timer.cancel();
    net::post(ingest_ioc, [&] { ingest->Stop(); });
    ingest_work.reset();
    stop_deadline = Clock::now() + kGrace;
    wait_drained();
  });

  control.run();
  server.Stop();
  ingest_ioc.stop();
  ingest_thread.join();
  ingest.reset();
  LogStats(server.stats());
  spdlog::info("stopped");
  return 0;
}

}  // namespace feedd::daemon
