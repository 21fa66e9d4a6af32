#include "daemon/feed_pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "daemon/systemd.h"

namespace feedd::daemon {
namespace {

using Clock = std::chrono::steady_clock;

// Coalescing of watcher events: after the first event of a burst, wait until the
// folder has been quiet for kQuiet, but never longer than kMaxDelay, so a steady
// stream of drops still publishes well inside the 50 ms drop-to-feed budget.
constexpr auto kQuiet = std::chrono::milliseconds(3);
constexpr auto kMaxDelay = std::chrono::milliseconds(15);

}  // namespace

void HealthBoard::Set(std::vector<char>* flags, size_t feed, bool value, std::atomic<bool>* all) {
  if (flags->size() <= feed) flags->resize(feed + 1, 1);
  (*flags)[feed] = value;
  *all = std::all_of(flags->begin(), flags->end(), [](char f) { return f != 0; });
}

FeedPipeline::FeedPipeline(boost::asio::io_context& ioc, PipelineOptions options,
                           SnapshotHolder& snapshots, HealthBoard& health,
                           const std::atomic<bool>* cancel,
                           std::function<void(std::vector<std::string>)> on_changed)
    : ioc_(ioc),
      options_(std::move(options)),
      publisher_(options_.publisher, &store_),
      snapshots_(snapshots),
      health_(health),
      cancel_(cancel),
      on_changed_(std::move(on_changed)),
      debounce_(ioc),
      state_retry_(ioc),
      schedule_(ioc),
      retry_(ioc) {
  if (!options_.output_dir.empty())
    output_ = std::make_unique<SiteWriterThread>(options_.output_dir);
}

FeedPipeline::~FeedPipeline() = default;

void FeedPipeline::Start() {
  std::string err;
  if (!store_.Open(options_.state_dir, options_.state_file, &err)) {
    spdlog::error("cannot open the state store {}; ids and dates are kept in memory until "
                  "it can be written", err);
    state_ok_ = false;
    health_.SetState(options_.feed, false);
  } else if (!options_.state_dir.empty()) {
    spdlog::info("state: {} articles remembered in {}/{}", store_.size(), options_.state_dir,
                 options_.state_file);
  }
  StartWatcher();
  publisher_.Rescan();
  // Files written a moment before the start wait to settle (or for their writer):
  // the first snapshot, which READY=1 announces as complete, waits for them a
  // little, and what is still open then follows when it is closed.
  publisher_.AwaitWaiting();
  if (cancelled()) return;  // stopping: a partial folder is neither published nor saved
  Publish(0);
  ArmRetry();
}

void FeedPipeline::Stop() {
  if (watcher_) watcher_->Stop();
  debounce_.cancel();
  state_retry_.cancel();
  schedule_.cancel();
  retry_.cancel();
  health_.SetWatching(options_.feed, false);
}

void FeedPipeline::Reconfigure(PublisherOptions options, std::string output_dir,
                               watcher::WatchOptions watch) {
  const bool new_folder = options.ingest.input_dir != publisher_.options().ingest.input_dir;
  const bool new_watch = watch.mode != options_.watch.mode ||
                         watch.poll_interval != options_.watch.poll_interval;
  options_.watch = watch;
  publisher_.Reconfigure(std::move(options));
  if (output_dir != options_.output_dir) {
    options_.output_dir = std::move(output_dir);
    output_.reset();
    if (!options_.output_dir.empty())
      output_ = std::make_unique<SiteWriterThread>(options_.output_dir);
  }
  if (new_folder || new_watch) {
    if (new_folder) spdlog::info("now watching {}", publisher_.options().ingest.input_dir);
    if (watcher_) watcher_->Stop();
    watcher_.reset();
    StartWatcher();
  }
  publisher_.Rescan();
  if (cancelled()) return;
  Publish(0);
  ArmRetry();
}

void FeedPipeline::StartWatcher() {
  watcher_ = watcher::MakeFolderWatcher(
      ioc_, publisher_.options().ingest.input_dir, options_.watch,
      [this](std::vector<watcher::Event> events) { OnEvents(std::move(events)); });
  watcher_->Start();
  health_.SetWatching(options_.feed, watcher_->watching());
}

void FeedPipeline::OnEvents(std::vector<watcher::Event> events) {
  health_.SetWatching(options_.feed, watcher_->watching());
  if (events.empty()) return;
  if (Metrics* m = publisher_.options().ingest.metrics) {
    for (const watcher::Event& e : events) m->CountEvent(static_cast<size_t>(e.kind));
  }
  const Clock::time_point now = Clock::now();
  if (pending_.empty()) first_event_ = now;
  for (watcher::Event& e : events) pending_.push_back(std::move(e));
  debounce_.expires_at(std::min(now + kQuiet, first_event_ + kMaxDelay));
  debounce_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Flush();
  });
}

void FeedPipeline::Flush() {
  std::vector<watcher::Event> events;
  events.swap(pending_);
  if (publisher_.Apply(events) && !cancelled()) Publish(events.size());
  ArmRetry();
}

void FeedPipeline::ArmRetry() {
  if (retry_armed_ || publisher_.waiting_count() == 0 || cancelled()) return;
  retry_armed_ = true;
  retry_.expires_after(std::chrono::milliseconds(250));
  retry_.async_wait([this](const boost::system::error_code& ec) {
    retry_armed_ = false;
    if (ec) return;
    if (publisher_.RetryWaiting() && !cancelled()) Publish(0);
    ArmRetry();
  });
}

// A failure is logged once, reported by /healthz, retried every few seconds, and
// does not stop publishing.
void FeedPipeline::SaveState() {
  std::string err;
  if (store_.Flush(&err)) {
    if (!state_ok_) spdlog::info("state store writable again; every change is saved");
    state_ok_ = true;
    health_.SetState(options_.feed, true);
    return;
  }
  if (state_ok_) spdlog::error("cannot write the state store: {}; serving on, retrying", err);
  state_ok_ = false;
  health_.SetState(options_.feed, false);
  state_retry_.expires_after(std::chrono::seconds(2));
  state_retry_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) SaveState();
  });
}

void FeedPipeline::Publish(size_t event_count) {
  const Clock::time_point started = Clock::now();
  try {
    std::shared_ptr<const Snapshot> snap = publisher_.Build(std::time(nullptr));
    // The state (ids, dates, every resource's last-changed time) is written before
    // the snapshot that uses it is served, so what a reader saw survives a crash.
    SaveState();
    snapshots_.Publish(snap);
    const auto ms =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count() /
        1000.0;
    spdlog::info("published {} articles (generation {}, {} events, built in {:.1f} ms)",
                 snap->article_count, snap->generation, event_count, ms);
    if (Metrics* m = publisher_.options().ingest.metrics) m->ObserveRegeneration(ms / 1000);
    char when[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
    NotifySystemd("STATUS=serving " + std::to_string(snap->article_count) +
                  " articles; last regeneration " + when);
    if (output_) output_->Offer(snap);
    ArmSchedule();
    if (on_changed_ && !publisher_.changed_topics().empty()) on_changed_(publisher_.changed_topics());
  } catch (const std::exception& e) {
    // The previous snapshot stays served.
    spdlog::error("regeneration failed, keeping the previous feeds: {}", e.what());
  }
}

// A timer for the next scheduled article (no polling): when it is due, the
// snapshot is built again and the article appears.
void FeedPipeline::ArmSchedule() {
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

}  // namespace feedd::daemon
