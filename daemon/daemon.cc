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
#include <cstdlib>
#include <chrono>
#include <deque>
#include <ctime>
#include <filesystem>
#include <future>
#include <thread>

#include "daemon/publish/brotli_compressor.h"
#include "daemon/publish/file_io.h"
#include "daemon/http/server.h"
#include "daemon/ingest/parse_worker.h"
#include "daemon/publish/publisher.h"
#include "daemon/render_command.h"
#include "daemon/publish/resource.h"
#include "daemon/systemd.h"
#include "daemon/websub.h"
#include "feed/slug.h"
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

PublisherOptions PublisherOptionsFrom(const config::Config& c, Metrics* metrics,
                                      ParseWorker* parser, BrotliCompressor* brotli) {
  PublisherOptions o;
  o.ingest = {c.input_dir, c.base_url, c.max_article_bytes, metrics, parser};
  o.ingest.max_content_bytes = c.max_content_bytes;
  o.channel = ChannelFrom(c);
  o.max_feed_bytes = c.max_feed_bytes;
  o.cache_max_age = c.cache_max_age;
  o.brotli = brotli;
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
  return o;
}

// The health of every feed, written on the ingest thread; the server reads the two
// summaries (true only when true for every feed).
struct HealthBoard {
  std::atomic<bool>& watching_all;
  std::atomic<bool>& state_all;
  std::vector<char> watching, state;

  void Set(std::vector<char>* flags, size_t feed, bool value, std::atomic<bool>* all) {
    if (flags->size() <= feed) flags->resize(feed + 1, 1);
    (*flags)[feed] = value;
    *all = std::all_of(flags->begin(), flags->end(), [](char f) { return f != 0; });
  }
  void SetWatching(size_t feed, bool v) { Set(&watching, feed, v, &watching_all); }
  void SetState(size_t feed, bool v) { Set(&state, feed, v, &state_all); }
};

// Everything on the ingest thread: the watcher, the publisher, the debounce timer,
// the optional copy of the feeds in an output folder.
class Ingest {
 public:
  // `on_changed` gets the URLs of the feeds a regeneration changed (WebSub).
  // `feed` numbers this feed on the health board; `state_file` is its state.db name.
  Ingest(net::io_context& ioc, PublisherOptions options, std::string output_dir,
         std::string state_dir, std::string state_file, daemon::SnapshotHolder& snapshots,
         HealthBoard& health, size_t feed,
         std::function<void(std::vector<std::string>)> on_changed)
      : on_changed_(std::move(on_changed)), ioc_(ioc), publisher_(std::move(options), &state_),
        output_dir_(std::move(output_dir)), state_dir_(std::move(state_dir)),
        state_file_(std::move(state_file)), snapshots_(snapshots), health_(health), feed_(feed),
        timer_(ioc), state_retry_(ioc), schedule_(ioc) {}

  // The remembered state, the first full scan and snapshot; then watching starts.
  void Start() {
    std::string err;
    if (!state_.Open(state_dir_, state_file_, &err)) {
      spdlog::error("cannot open the state store {}; ids and dates are kept in memory until "
                    "it can be written", err);
      state_ok_ = false;
      health_.SetState(feed_, false);
    } else if (!state_dir_.empty()) {
      spdlog::info("state: {} articles remembered in {}/{}", state_.size(), state_dir_, state_file_);
    }
    StartWatcher();
    publisher_.Rescan();
    Publish(0);
  }

  void Stop() {
    if (watcher_) watcher_->Stop();
    timer_.cancel();
    state_retry_.cancel();
    schedule_.cancel();
    health_.SetWatching(feed_, false);
  }

  // New settings from a reload: a new folder is watched and read, and everything is
  // rendered again with the new feed settings.
  void Reconfigure(PublisherOptions options, std::string output_dir) {
    const bool new_folder = options.ingest.input_dir != publisher_.options().ingest.input_dir;
    publisher_.Reconfigure(std::move(options));
    output_dir_ = std::move(output_dir);
    written_rss_.reset();
    if (new_folder) {
      spdlog::info("now watching {}", publisher_.options().ingest.input_dir);
      if (watcher_) watcher_->Stop();
      StartWatcher();
    }
    publisher_.Rescan();
    Publish(0);
  }

 private:
  void StartWatcher() {
    watcher_ = std::make_unique<watcher::InotifyWatcher>(
        ioc_, publisher_.options().ingest.input_dir,
        [this](std::vector<watcher::Event> events) { OnEvents(std::move(events)); });
    watcher_->Start();
    health_.SetWatching(feed_, watcher_->watching());
  }

  void OnEvents(std::vector<watcher::Event> events) {
    health_.SetWatching(feed_, watcher_->watching());
    if (events.empty()) return;
    if (Metrics* m = publisher_.options().ingest.metrics) {
      for (const watcher::Event& e : events) m->CountEvent(static_cast<size_t>(e.kind));
    }
    const Clock::time_point now = Clock::now();
    if (pending_.empty()) first_event_ = now;
    for (watcher::Event& e : events) pending_.push_back(std::move(e));
    timer_.expires_at(std::min(now + kQuiet, first_event_ + kMaxDelay));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Flush();
    });
  }

  void Flush() {
    std::vector<watcher::Event> events;
    events.swap(pending_);
    if (publisher_.Apply(events)) Publish(events.size());
  }

  // The state is written before the snapshot that uses it is served, so what a
  // reader saw survives a crash. A failure is logged once, reported by /healthz,
  // retried every few seconds, and does not stop publishing.
  void SaveState() {
    std::string err;
    if (state_.Flush(&err)) {
      if (!state_ok_) spdlog::info("state store writable again; every change is saved");
      state_ok_ = true;
      health_.SetState(feed_, true);
      return;
    }
    if (state_ok_) spdlog::error("cannot write the state store: {}; serving on, retrying", err);
    state_ok_ = false;
    health_.SetState(feed_, false);
    state_retry_.expires_after(std::chrono::seconds(2));
    state_retry_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) SaveState();
    });
  }

  void Publish(size_t event_count) {
    const Clock::time_point started = Clock::now();
    try {
      std::shared_ptr<const Snapshot> snap = publisher_.Build(std::time(nullptr));
      // The state (ids, dates, every resource's last-changed time) is written before
      // the snapshot that uses it is served, so what a reader saw survives a crash.
      SaveState();
      snapshots_.Publish(snap);
      const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started)
                          .count() / 1000.0;
      spdlog::info("published {} articles (generation {}, {} events, built in {:.1f} ms)",
                   snap->article_count, snap->generation, event_count, ms);
      if (Metrics* m = publisher_.options().ingest.metrics) m->ObserveRegeneration(ms / 1000);
      char when[32];
      const std::time_t now = std::time(nullptr);
      std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
      NotifySystemd("STATUS=serving " + std::to_string(snap->article_count) +
                    " articles; last regeneration " + when);
      WriteOutput(*snap);
      ArmSchedule();
      if (on_changed_ && !publisher_.changed_topics().empty()) on_changed_(publisher_.changed_topics());
    } catch (const std::exception& e) {
      // The previous snapshot stays served.
      spdlog::error("regeneration failed, keeping the previous feeds: {}", e.what());
    }
  }

  // A timer for the next scheduled article (no polling): when it is due, the
  // snapshot is built again and the article appears.
  void ArmSchedule() {
    const int64_t due = publisher_.next_due();
    if (due == 0 || due == scheduled_for_) return;
    scheduled_for_ = due;
    const int64_t wait = std::max<int64_t>(0, due - std::time(nullptr));
    schedule_.expires_after(std::chrono::seconds(wait) + std::chrono::milliseconds(50));
    schedule_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      scheduled_for_ = 0;
      spdlog::info("publishing what was scheduled for now");
      Publish(0);
    });
  }

  // The same bytes the server sends, for nginx or a CDN to serve from disk.
  void WriteOutput(const daemon::Snapshot& snap) {
    if (output_dir_.empty()) return;
    const ResourcePtr rss = snap.Find("/rss.xml");
    const ResourcePtr atom = snap.Find("/atom.xml");
    if (!rss || !atom) return;
    if (rss == written_rss_ && atom == written_atom_) return;
    const std::filesystem::path dir(output_dir_);
    std::string err;
    bool ok = true;
    for (const auto& [name, res] : {std::pair{"rss.xml", rss}, std::pair{"atom.xml", atom}}) {
      ok = ok && WriteFileAtomically((dir / name).string(), res->identity.body, &err) &&
           WriteFileAtomically((dir / (std::string(name) + ".gz")).string(), res->gzip.body, &err);
    }
    if (!ok) {
      spdlog::warn("cannot write the feeds to the output folder: {}", err);
      return;
    }
    written_rss_ = rss;
    written_atom_ = atom;
  }

  std::function<void(std::vector<std::string>)> on_changed_;
  net::io_context& ioc_;
  IdentityStore state_;  // before the publisher, which points at it
  Publisher publisher_;
  std::string output_dir_;
  std::string state_dir_;
  std::string state_file_;
  daemon::SnapshotHolder& snapshots_;
  HealthBoard& health_;
  size_t feed_;
  bool state_ok_ = true;
  net::steady_timer timer_;
  net::steady_timer state_retry_;
  net::steady_timer schedule_;
  int64_t scheduled_for_ = 0;
  std::unique_ptr<watcher::InotifyWatcher> watcher_;
  std::vector<watcher::Event> pending_;
  Clock::time_point first_event_;
  std::shared_ptr<const daemon::Resource> written_rss_, written_atom_;
};

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

}  // namespace

int RunDaemon(const config::Config& initial, const Invocation& inv) {
  ::signal(SIGPIPE, SIG_IGN);
  net::io_context control(1);  // signals and timers, on the main thread
  net::io_context ingest_ioc(1);
  // Registered first: from now on these signals are queued for the handlers below.
  net::signal_set stop_signals(control, SIGINT, SIGTERM);
  net::signal_set reload_signal(control, SIGHUP);
  std::atomic<bool> watching{false};
  std::atomic<bool> state_ok{true};
  HealthBoard health{watching, state_ok, {}, {}};
  Metrics metrics;
  config::Config current = initial;
  // Every feed's files are parsed on the ingest thread, in one child process under
  // the parse budget (owned here, used only on the ingest thread).
  ParseWorker parser("/proc/self/exe", std::chrono::milliseconds(current.parse_timeout_ms));
  // The feeds' and the index's bodies, for sendfile(2), in unnamed files on the
  // state's (disk) file system, else in the temporary folder, else in memfds.
  {
    const char* tmp = std::getenv("TMPDIR");
    std::string why;
    bool placed = false;
    for (const std::string& folder : {current.state_dir, std::string(tmp && *tmp ? tmp : "/var/tmp")}) {
      if (!folder.empty() && SetBodyFileFolder(folder, &why)) {
        placed = true;
        break;
      }
      if (!folder.empty()) spdlog::debug("cannot keep bodies in {}", why);
    }
    if (!placed) spdlog::debug("bodies for sendfile in memfds");
  }

  // One feed at the root, or one per [[feed]], each below its prefix.
  const size_t feed_count = std::max<size_t>(1, current.feeds.size());
  std::deque<daemon::SnapshotHolder> holders(feed_count);
  std::vector<Site> sites;
  for (size_t i = 0; i < feed_count; ++i)
    sites.push_back({current.feeds.empty() ? "" : current.feeds[i].prefix, &holders[i]});
  HttpServer server(current.threads, sites, watching, state_ok, metrics,
                    ServerOptionsFrom(current));
  std::string bound, err;
  std::vector<std::string> addresses;
  const std::vector<ListenFd> passed = TakeListenFds();
  if (!passed.empty()) {
    for (const ListenFd& l : passed) {
      if (!server.Adopt(l.fd, &bound, &err)) {
        spdlog::error("{}", err);
        return 1;
      }
      addresses.push_back(bound);
      spdlog::info("listening on {} (socket {} from systemd)", bound, l.name);
    }
  } else {
    for (const config::ListenAddress& a : current.listen) {
      if (!server.Listen(a.host, a.port, &bound, &err)) {
        spdlog::error("{}", err);
        return 1;
      }
      addresses.push_back(bound);
      spdlog::info("listening on {}", bound);
    }
  }
  // /metrics on its own address, for every client there (Prometheus exporters' habit).
  if (current.metrics_listen) {
    if (!server.Listen(current.metrics_listen->host, current.metrics_listen->port, &bound, &err,
                       /*metrics_only=*/true)) {
      spdlog::error("metrics_listen: {}", err);
      return 1;
    }
    spdlog::info("serving /metrics on {}", bound);
  }
  // Without a base URL, links use the first address actually bound.
  auto with_base = [&](config::Config c) {
    if (!c.base_url_set) c.base_url = "http://" + addresses.front();
    return c;
  };
  current = with_base(current);

  // WebSub: notifications run on the control loop, never on the ingest or serving ones.
  std::unique_ptr<WebSubNotifier> websub;
  if (!current.hub.empty()) websub = std::make_unique<WebSubNotifier>(control, current.hub, &metrics);
  auto notify_hub = [&](std::vector<std::string> topics) {
    if (websub) net::post(control, [&, t = std::move(topics)]() mutable { websub->Publish(std::move(t)); });
  };
  // Each feed's settings: its own folder, prefix and feed metadata; the rest shared.
  auto feed_configs = [&](const config::Config& c) {
    std::vector<config::Config> out;
    if (c.feeds.empty()) return std::vector<config::Config>{c};
    for (const config::FeedConfig& f : c.feeds) {
      config::Config fc = c;
      fc.input_dir = f.input_dir;
      fc.base_url = f.base_url_set ? f.base_url : c.base_url + f.prefix;
      if (!f.title.empty()) fc.title = f.title;
      if (!f.description.empty()) fc.description = f.description;
      if (!f.language.empty()) fc.language = f.language;
      if (!f.author.empty()) fc.author = f.author;
      if (f.limit > 0) fc.limit = f.limit;
      fc.output_dir.clear();  // output_dir copies the root feed only
      out.push_back(std::move(fc));
    }
    return out;
  };
  auto state_file = [&](size_t i) {
    return current.feeds.empty() || current.feeds[i].prefix.empty()
               ? std::string("state.db")
               : "state-" + feed::Slugify(current.feeds[i].prefix) + ".db";
  };
  // One thread makes the br twins of every feed's resources; it outlives the ingests.
  BrotliCompressor brotli;
  std::vector<std::unique_ptr<Ingest>> ingests;
  {
    const std::vector<config::Config> fcs = feed_configs(current);
    for (size_t i = 0; i < fcs.size(); ++i) {
      ingests.push_back(std::make_unique<Ingest>(
          ingest_ioc, PublisherOptionsFrom(fcs[i], &metrics, &parser, &brotli),
          fcs[i].output_dir, fcs[i].state_dir, state_file(i), holders[i], health, i, notify_hub));
    }
  }
  std::promise<void> first_snapshot;
  net::post(ingest_ioc, [&] {
    for (auto& ingest : ingests) ingest->Start();
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

  // Readers who connect from now on get the complete feed.
  server.Start();
  if (!current.port_file.empty()) {
    const std::string port = addresses.front().substr(addresses.front().rfind(':') + 1) + "\n";
    if (!WriteFileAtomically(current.port_file, port, &err)) spdlog::error("cannot write {}", err);
  }
  NotifySystemd("READY=1");

  net::steady_timer stats_timer(control);
  std::function<void()> arm_stats = [&] {
    stats_timer.expires_after(std::chrono::minutes(1));
    stats_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      LogStats(server.stats(), metrics);
      arm_stats();
    });
  };
  arm_stats();

  // Watchdog: every half interval, ping every serving loop; systemd hears WATCHDOG=1
  // only if all of them answered the previous round, so a stuck loop gets restarted.
  const uint64_t watchdog_usec = WatchdogUsec();
  net::steady_timer watchdog(control);
  std::function<void()> arm_watchdog = [&] {
    watchdog.expires_after(std::chrono::microseconds(watchdog_usec / 2));
    watchdog.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      if (server.CollectHeartbeats()) NotifySystemd("WATCHDOG=1");
      arm_watchdog();
    });
  };
  if (watchdog_usec > 0) {
    server.CollectHeartbeats();
    NotifySystemd("WATCHDOG=1");
    arm_watchdog();
  }

  // SIGHUP: read the configuration again; keep the old one if the new one is wrong.
  std::function<void()> wait_reload = [&] {
    reload_signal.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      NotifySystemd("RELOADING=1\nMONOTONIC_USEC=" + MonotonicUsec());
      std::string why;
      int code = 0;
      std::optional<config::Config> next = BuildConfig(inv, &why, &code);
      if (!next) {
        spdlog::error("reload: {}; keeping the current configuration", why);
        NotifySystemd("READY=1");
        wait_reload();
        return;
      }
      config::Config c = with_base(*next);
      if (c.listen != current.listen && passed.empty())
        spdlog::warn("reload: listen addresses changed; restart feedd to apply them");
      if (c.metrics_listen != current.metrics_listen)
        spdlog::warn("reload: metrics_listen changed; restart feedd to apply it");
      if (c.threads != current.threads)
        spdlog::warn("reload: threads changed; restart feedd to apply it");
      spdlog::set_level(spdlog::level::from_str(c.log_level));
      server.set_options(ServerOptionsFrom(c));
      std::vector<config::Config> fcs = feed_configs(c);
      bool same_feeds = c.feeds.size() == current.feeds.size();
      for (size_t i = 0; same_feeds && i < c.feeds.size(); ++i)
        same_feeds = c.feeds[i].prefix == current.feeds[i].prefix;
      if (!same_feeds) {
        spdlog::warn("reload: the [[feed]] prefixes changed; restart feedd to apply them");
        fcs = feed_configs(current);
      }
      current = c;
      net::post(ingest_ioc, [&, fcs, parse_ms = c.parse_timeout_ms] {
        parser.set_budget(std::chrono::milliseconds(parse_ms));
        for (size_t i = 0; i < ingests.size() && i < fcs.size(); ++i)
          ingests[i]->Reconfigure(PublisherOptionsFrom(fcs[i], &metrics, &parser, &brotli),
                                  fcs[i].output_dir);
        spdlog::info("reloaded the configuration");
        NotifySystemd("READY=1");
      });
      wait_reload();
    });
  };
  wait_reload();

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
  stop_signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received {}; stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    NotifySystemd("STOPPING=1");
    server.Shutdown();
    stats_timer.cancel();
    watchdog.cancel();
    reload_signal.cancel();
    net::post(ingest_ioc, [&] {
      for (auto& ingest : ingests) ingest->Stop();
    });
    ingest_work.reset();
    stop_deadline = Clock::now() + kGrace;
    wait_drained();
  });

  control.run();
  server.Stop();
  ingest_ioc.stop();
  ingest_thread.join();
  ingests.clear();
  LogStats(server.stats(), metrics);
  spdlog::info("stopped");
  return 0;
}

}  // namespace feedd::daemon
