#include "watcher/poll_watcher.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "watcher/tree_poller.h"

namespace feedd::watcher {
namespace net = boost::asio;

struct PollWatcher::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& ioc, std::string root, Handler handler, const WatchOptions& options)
      : root(root), handler(std::move(handler)), options(options), timer(ioc), confirm(ioc),
        poller(std::move(root), options.progress) {}

  std::string root;
  Handler handler;
  WatchOptions options;
  net::steady_timer timer;
  net::steady_timer confirm;
  bool confirm_armed = false;
  TreePoller poller;
  bool watching = false;
  bool missing_logged = false;
  bool stopped = false;
  bool counted = false;
  std::pair<uint64_t, uint64_t> identity{0, 0};  // of the folder polled

  void Start() {
    watching = poller.Add("", /*known=*/true);  // the baseline: the owner's rescan read it
    identity = poller.root_identity();
    if (!watching) Missing();
    Count(watching);
    Arm();
  }

  void Count(bool on) {
    if (!options.counters || on == counted) return;
    options.counters->polled_folders += on ? 1 : -1;
    counted = on;
  }

  void Missing() {
    if (missing_logged) return;
    spdlog::warn("input folder {} is missing; serving the current feeds and watching for it "
                 "to come back", root);
    missing_logged = true;
  }

  void Tick() {
    std::vector<Event> events;
    const bool ok = poller.Poll(&events);
    if (!ok) {
      if (watching) {
        Missing();
        watching = false;
        Count(false);
        handler({});  // watching() changed
      }
      return;
    }
    if (!watching) {
      // Back (or another folder at its path): everything is read again once.
      spdlog::info("input folder {} is back; rescanning", root);
      missing_logged = false;
      watching = true;
      Count(true);
      Baseline();
      handler({{EventKind::kRescan, {}}});
      return;
    }
    if (poller.root_identity() != identity) {
      // Another folder now at the path (renamed over, exchanged, a link flipped).
      spdlog::info("input folder {} was replaced; rescanning", root);
      Baseline();
      handler({{EventKind::kRescan, {}}});
      return;
    }
    if (!events.empty()) handler(std::move(events));
    ArmConfirm();
  }

  void ArmConfirm() {
    if (confirm_armed || stopped || !poller.has_unsettled()) return;
    confirm_armed = true;
    confirm.expires_after(options.confirm_after());
    confirm.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      self->confirm_armed = false;
      if (ec || self->stopped || !self->watching) return;
      std::vector<Event> events;
      self->poller.Confirm(&events);
      if (!events.empty()) self->handler(std::move(events));
      self->ArmConfirm();
    });
  }

  void Baseline() {
    poller.Clear();
    poller.Add("", true);
    identity = poller.root_identity();
  }

  void Arm() {
    if (stopped) return;
    timer.expires_after(options.poll_interval);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      self->Tick();
      self->Arm();
    });
  }

  void Stop() {
    stopped = true;
    timer.cancel();
    confirm.cancel();
    Count(false);
  }
};

PollWatcher::PollWatcher(net::io_context& ioc, std::string root, Handler on_events,
                         const WatchOptions& options)
    : impl_(std::make_shared<Impl>(ioc, std::move(root), std::move(on_events), options)) {}

PollWatcher::~PollWatcher() { impl_->Stop(); }
void PollWatcher::Start() { impl_->Start(); }
void PollWatcher::Stop() { impl_->Stop(); }
bool PollWatcher::watching() const { return impl_->watching; }
std::string PollWatcher::description() const { return "poll"; }

}  // namespace feedd::watcher
