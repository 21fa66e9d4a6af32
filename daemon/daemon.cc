#include "daemon/daemon.h"

#include <signal.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <filesystem>
#include <future>
#include <optional>
#include <thread>

#include "daemon/feed_pipeline.h"
#include "daemon/http/server.h"
#include "daemon/ingest/parse_pool.h"
#include "daemon/publish/brotli_compressor.h"
#include "daemon/publish/file_io.h"
#include "daemon/publish/resource.h"
#include "daemon/render_command.h"
#include "daemon/systemd.h"
#include "daemon/websub.h"
#include "feed/slug.h"

namespace feedd::daemon {
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

PublisherOptions PublisherOptionsFrom(const config::Config& c, Metrics* metrics,
                                      ParsePool* parser, BrotliCompressor* brotli,
                                      const std::atomic<bool>* cancel,
                                      std::atomic<uint64_t>* progress) {
  PublisherOptions o;
  o.ingest = {c.input_dir, c.base_url, c.max_article_bytes, metrics};
  o.ingest.pool = parser;
  o.ingest.max_content_bytes = c.max_content_bytes;
  o.ingest.cancel = cancel;
  o.ingest.progress = progress;
  o.channel = ChannelFrom(c);
  o.max_feed_bytes = c.max_feed_bytes;
  o.cache_max_age = c.cache_max_age;
  o.brotli = brotli;
  return o;
}

watcher::WatchOptions WatchOptionsFrom(const config::Config& c, Metrics* metrics,
                                       std::atomic<uint64_t>* progress) {
  watcher::WatchOptions o;
  o.mode = c.watch == config::WatchMode::kPoll      ? watcher::WatchMode::kPoll
           : c.watch == config::WatchMode::kInotify ? watcher::WatchMode::kInotify
                                                    : watcher::WatchMode::kAuto;
  o.poll_interval = std::chrono::milliseconds(c.poll_interval_ms);
  o.counters = &metrics->watch_counters;
  o.progress = progress;
  return o;
}

ServerOptions ServerOptionsFrom(const config::Config& c) {
  ServerOptions o;
  o.header_timeout_ms = c.header_timeout_ms;
  o.idle_timeout_ms = c.idle_timeout_ms;
  o.write_timeout_ms = c.write_timeout_ms;
  o.max_connections = c.max_connections;
  o.max_connections_per_client = c.max_connections_per_client;
  o.access_log = c.access_log;
  o.metrics_public = c.metrics_public;
  o.trusted_proxies = c.trusted_proxies;
  return o;
}

// Each feed's settings: its own folder, prefix and feed metadata; the rest shared.
std::vector<config::Config> FeedConfigs(const config::Config& c) {
  if (c.feeds.empty()) return {c};
  std::vector<config::Config> out;
  for (const config::FeedConfig& f : c.feeds) {
    config::Config fc = c;
    fc.input_dir = f.input_dir;
    fc.base_url = f.base_url_set ? f.base_url : c.base_url + f.prefix;
    if (!f.title.empty()) fc.title = f.title;
    if (!f.description.empty()) fc.description = f.description;
    if (!f.language.empty()) fc.language = f.language;
    if (!f.author.empty()) fc.author = f.author;
    if (f.limit > 0) fc.limit = f.limit;
    if (f.podcast) fc.podcast = *f.podcast;
    // The whole site in one folder: each feed below its prefix, as it is served.
    if (!c.output_dir.empty()) fc.output_dir = c.output_dir + f.prefix;
    out.push_back(std::move(fc));
  }
  return out;
}

// Each feed's state file (the configuration refuses prefixes that would share one).
std::string StateFile(const config::Config& c, size_t i) {
  return c.feeds.empty() || c.feeds[i].prefix.empty()
             ? std::string("state.db")
             : "state-" + feed::Slugify(c.feeds[i].prefix) + ".db";
}

void LogStats(const ServerStats& s, const Metrics& m) {
  const Metrics::Totals t = m.ResponseTotals();
  spdlog::info("requests {} (304 {}, 4xx {}, 5xx {}), bytes sent {}, open connections {}, "
               "refused connections {}",
               t.responses, t.not_modified, t.client_errors, t.server_errors, t.bytes,
               s.open_connections.load(), s.rejected_connections.load());
}

std::string MonotonicUsec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::to_string(int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000);
}

// The feeds' and the index's bodies, for sendfile(2), in unnamed files on the
// state's (disk) file system, else in the temporary folder, else in memfds.
void PlaceBodyFiles(const config::Config& c) {
  const char* tmp = std::getenv("TMPDIR");
  std::string why;
  for (const std::string& folder : {c.state_dir, std::string(tmp && *tmp ? tmp : "/var/tmp")}) {
    if (!folder.empty() && SetBodyFileFolder(folder, &why)) return;
    if (!folder.empty()) spdlog::debug("cannot keep bodies in {}", why);
  }
  spdlog::debug("bodies for sendfile in memfds");
}

// The service: listeners, one pipeline per feed on the ingest thread, the serving
// threads, and on the main thread the signals (stop, reload) and the timers
// (statistics, watchdog). Run() returns the exit code.
class Daemon {
 public:
  Daemon(const config::Config& config, const Invocation& inv);
  int Run();

 private:
  bool Bind();
  void StartPipelines();
  config::Config WithBase(config::Config c) const;
  void ArmStats();
  void ArmWatchdog();
  void WaitForReload();
  void Reload();
  void WaitForStop();
  void WaitDrained();

  const Invocation inv_;
  config::Config current_;
  net::io_context control_{1};  // signals and timers, on the main thread
  net::io_context ingest_ioc_{1};
  // Registered first: from now on these signals are queued for the handlers below.
  net::signal_set stop_signals_{control_, SIGINT, SIGTERM};
  net::signal_set reload_signal_{control_, SIGHUP};
  HealthBoard health_;
  Metrics metrics_;
  std::atomic<bool> stopping_{false};  // a long load on the ingest thread returns early
  // Counted up by the ingest loop each watchdog round and by every file a load
  // reads or parses: standing still for a round means the ingest thread is stuck.
  std::atomic<uint64_t> ingest_beats_{0};
  uint64_t ingest_beats_seen_ = 0;
  bool ingest_stuck_logged_ = false;
  // Every feed's files are parsed in child processes under the parse budget, one
  // per core (used from the ingest thread).
  ParsePool parser_;
  std::deque<SnapshotHolder> holders_;  // one per feed
  std::unique_ptr<HttpServer> server_;
  std::vector<ListenFd> passed_;        // sockets from systemd
  std::vector<std::string> addresses_;  // bound, in order
  std::unique_ptr<WebSubNotifier> websub_;
  // One thread makes the br twins of every feed's resources; it outlives the pipelines.
  BrotliCompressor brotli_;
  std::vector<std::unique_ptr<FeedPipeline>> pipelines_;
  net::steady_timer stats_timer_{control_};
  net::steady_timer watchdog_{control_};
  uint64_t watchdog_usec_ = 0;
  net::steady_timer drain_{control_};
  Clock::time_point stop_deadline_;
  // Keeps the ingest loop running until a stop, whatever its pipelines wait for.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> ingest_work_;
};

Daemon::Daemon(const config::Config& config, const Invocation& inv)
    : inv_(inv),
      current_(config),
      parser_("/proc/self/exe", std::chrono::milliseconds(config.parse_timeout_ms)) {}

config::Config Daemon::WithBase(config::Config c) const {
  // Without a base URL, links use the first address actually bound.
  if (!c.base_url_set) c.base_url = "http://" + addresses_.front();
  return c;
}

bool Daemon::Bind() {
  const size_t feed_count = std::max<size_t>(1, current_.feeds.size());
  holders_.resize(feed_count);
  std::vector<Site> sites;
  for (size_t i = 0; i < feed_count; ++i)
    sites.push_back({current_.feeds.empty() ? "" : current_.feeds[i].prefix, &holders_[i]});
  server_ = std::make_unique<HttpServer>(current_.threads, sites, health_.watching_all,
                                         health_.state_all, metrics_,
                                         ServerOptionsFrom(current_));
  std::string bound, err;
  passed_ = TakeListenFds();
  if (!passed_.empty()) {
    for (const ListenFd& l : passed_) {
      if (!server_->Adopt(l.fd, &bound, &err)) {
        spdlog::error("{}", err);
        return false;
      }
      addresses_.push_back(bound);
      spdlog::info("listening on {} (socket {} from systemd)", bound, l.name);
    }
  } else {
    for (const config::ListenAddress& a : current_.listen) {
      if (!server_->Listen(a.host, a.port, &bound, &err)) {
        spdlog::error("{}", err);
        return false;
      }
      addresses_.push_back(bound);
      spdlog::info("listening on {}", bound);
    }
  }
  // /metrics on its own address, for every client there (Prometheus exporters' habit).
  if (current_.metrics_listen) {
    if (!server_->Listen(current_.metrics_listen->host, current_.metrics_listen->port, &bound,
                         &err, /*metrics_only=*/true)) {
      spdlog::error("metrics_listen: {}", err);
      return false;
    }
    spdlog::info("serving /metrics on {}", bound);
  }
  current_ = WithBase(current_);
  return true;
}

void Daemon::StartPipelines() {
  // WebSub: notifications run on the control loop, never on the ingest or serving ones.
  if (!current_.hub.empty())
    websub_ = std::make_unique<WebSubNotifier>(control_, current_.hub, &metrics_);
  auto notify_hub = [this](std::vector<std::string> topics) {
    if (websub_)
      net::post(control_, [this, t = std::move(topics)]() mutable { websub_->Publish(std::move(t)); });
  };
  const std::vector<config::Config> fcs = FeedConfigs(current_);
  for (size_t i = 0; i < fcs.size(); ++i) {
    PipelineOptions o;
    o.publisher = PublisherOptionsFrom(fcs[i], &metrics_, &parser_, &brotli_, &stopping_, &ingest_beats_);
    o.output_dir = fcs[i].output_dir;
    o.state_dir = fcs[i].state_dir;
    o.state_file = StateFile(current_, i);
    o.feed = i;
    o.watch = WatchOptionsFrom(current_, &metrics_, &ingest_beats_);
    pipelines_.push_back(std::make_unique<FeedPipeline>(ingest_ioc_, std::move(o), holders_[i],
                                                        health_, &stopping_, notify_hub));
  }
}

void Daemon::ArmStats() {
  stats_timer_.expires_after(std::chrono::minutes(1));
  stats_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    LogStats(server_->stats(), metrics_);
    ArmStats();
  });
}

// Every half interval, ping every serving loop and the ingest loop; systemd hears
// WATCHDOG=1 only if all of them answered the previous round (the ingest thread
// may instead be inside a long load that still reads or parses files), so a stuck
// loop gets restarted.
void Daemon::ArmWatchdog() {
  net::post(ingest_ioc_, [this] { ingest_beats_.fetch_add(1); });
  watchdog_.expires_after(std::chrono::microseconds(watchdog_usec_ / 2));
  watchdog_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const uint64_t beats = ingest_beats_.load();
    const bool ingest_alive = beats != ingest_beats_seen_;
    ingest_beats_seen_ = beats;
    if (!ingest_alive && !ingest_stuck_logged_) {
      spdlog::error("the ingest thread has not moved for {:.1f} s; withholding the watchdog ping "
                    "(systemd restarts feedd if it stays stuck)",
                    static_cast<double>(watchdog_usec_) / 2e6);
      ingest_stuck_logged_ = true;
    } else if (ingest_alive && ingest_stuck_logged_) {
      spdlog::info("the ingest thread moves again");
      ingest_stuck_logged_ = false;
    }
    const bool serving_alive = server_->CollectHeartbeats();
    if (serving_alive && ingest_alive) NotifySystemd("WATCHDOG=1");
    ArmWatchdog();
  });
}

void Daemon::WaitForReload() {
  reload_signal_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    Reload();
    WaitForReload();
  });
}

// SIGHUP: read the configuration again; keep the old one if the new one is wrong.
void Daemon::Reload() {
  NotifySystemd("RELOADING=1\nMONOTONIC_USEC=" + MonotonicUsec());
  std::string why;
  int code = 0;
  std::optional<config::Config> next = BuildConfig(inv_, &why, &code);
  if (!next) {
    spdlog::error("reload: {}; keeping the current configuration", why);
    NotifySystemd("READY=1");
    return;
  }
  config::Config c = WithBase(*next);
  if (c.listen != current_.listen && passed_.empty())
    spdlog::warn("reload: listen addresses changed; restart feedd to apply them");
  if (c.metrics_listen != current_.metrics_listen)
    spdlog::warn("reload: metrics_listen changed; restart feedd to apply it");
  if (c.threads != current_.threads) spdlog::warn("reload: threads changed; restart feedd to apply it");
  spdlog::set_level(spdlog::level::from_str(c.log_level));
  server_->set_options(ServerOptionsFrom(c));
  std::vector<config::Config> fcs = FeedConfigs(c);
  bool same_feeds = c.feeds.size() == current_.feeds.size();
  for (size_t i = 0; same_feeds && i < c.feeds.size(); ++i)
    same_feeds = c.feeds[i].prefix == current_.feeds[i].prefix;
  if (!same_feeds) {
    spdlog::warn("reload: the [[feed]] prefixes changed; restart feedd to apply them");
    fcs = FeedConfigs(current_);
  }
  current_ = c;
  net::post(ingest_ioc_, [this, fcs, parse_ms = c.parse_timeout_ms] {
    parser_.set_budget(std::chrono::milliseconds(parse_ms));
    for (size_t i = 0; i < pipelines_.size() && i < fcs.size(); ++i)
      pipelines_[i]->Reconfigure(
          PublisherOptionsFrom(fcs[i], &metrics_, &parser_, &brotli_, &stopping_, &ingest_beats_),
          fcs[i].output_dir, WatchOptionsFrom(fcs[i], &metrics_, &ingest_beats_));
    spdlog::info("reloaded the configuration");
    NotifySystemd("READY=1");
  });
}

// SIGINT/SIGTERM: stop accepting, let responses in flight finish (bounded), exit 0.
// A cold start still reading the folder is abandoned within a moment.
void Daemon::WaitForStop() {
  stop_signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received {}; stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    NotifySystemd("STOPPING=1");
    stopping_ = true;
    ingest_work_.reset();
    server_->Shutdown();
    stats_timer_.cancel();
    watchdog_.cancel();
    reload_signal_.cancel();
    net::post(ingest_ioc_, [this] {
      for (auto& p : pipelines_) p->Stop();
    });
    stop_deadline_ = Clock::now() + std::chrono::seconds(10);
    WaitDrained();
  });
}

void Daemon::WaitDrained() {
  drain_.expires_after(std::chrono::milliseconds(20));
  drain_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const uint64_t open = server_->stats().open_connections.load();
    if (open == 0 || Clock::now() >= stop_deadline_) {
      if (open > 0) spdlog::warn("closing {} connections still open after 10 s", open);
      control_.stop();
      return;
    }
    WaitDrained();
  });
}

int Daemon::Run() {
  ::signal(SIGPIPE, SIG_IGN);
  PlaceBodyFiles(current_);
  if (!Bind()) return 1;
  parser_.set_progress(&ingest_beats_);
  StartPipelines();
  // Serving starts now: until the first snapshot is ready, /healthz answers 503
  // ("starting") and the feeds 503 with Retry-After.
  server_->Start();
  if (!current_.port_file.empty()) {
    std::string err;
    const std::string port = addresses_.front().substr(addresses_.front().rfind(':') + 1) + "\n";
    if (!WriteFileAtomically(current_.port_file, port, &err)) spdlog::error("cannot write {}", err);
  }
  WaitForStop();
  std::promise<void> first_snapshot;
  net::post(ingest_ioc_, [this, &first_snapshot] {
    for (auto& p : pipelines_) p->Start();
    first_snapshot.set_value();
  });
  ingest_work_.emplace(ingest_ioc_.get_executor());
  std::thread ingest_thread([this] {
    for (;;) {
      try {
        ingest_ioc_.run();
        break;
      } catch (const std::exception& e) {
        spdlog::error("ingest: unexpected error, continuing: {}", e.what());
      }
    }
  });
  // The control loop handles a stop while the first snapshot is being made.
  std::future<void> ready = first_snapshot.get_future();
  while (ready.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready &&
         !control_.stopped()) {
    control_.poll();
  }
  if (!stopping_) {
    NotifySystemd("READY=1");  // readers who connect from now on get the complete feed
    ArmStats();
    watchdog_usec_ = WatchdogUsec();
    if (watchdog_usec_ > 0) {
      server_->CollectHeartbeats();
      NotifySystemd("WATCHDOG=1");
      ArmWatchdog();
    }
    WaitForReload();
  }
  control_.run();
  server_->Stop();
  ingest_ioc_.stop();
  ingest_thread.join();
  pipelines_.clear();
  LogStats(server_->stats(), metrics_);
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int RunDaemon(const config::Config& config, const Invocation& inv) {
  Daemon daemon(config, inv);
  return daemon.Run();
}

}  // namespace feedd::daemon
