#include "daemon/metrics.h"

#include <cstdio>

namespace feedd::daemon {
namespace {

template <typename Array, typename T>
size_t IndexOf(const Array& a, const T& v, size_t fallback) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == v) return i;
  }
  return fallback;
}

void Line(std::string* out, std::string_view name, std::string_view labels, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", value);
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(buf).append("\n");
}

void Help(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

void Metrics::CountResponse(std::string_view route, int status) {
  const size_t r = IndexOf(kRoutes, route, kRoutes.size() - 1);
  const size_t s = IndexOf(kStatuses, status, kStatuses.size() - 1);
  responses_[r][s].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountSentBytes(uint64_t bytes) {
  bytes_sent_.fetch_add(bytes, std::memory_order_relaxed);
}

Metrics::Totals Metrics::ResponseTotals() const {
  Totals t;
  for (size_t r = 0; r < kRoutes.size(); ++r) {
    for (size_t s = 0; s < kStatuses.size(); ++s) {
      const uint64_t n = responses_[r][s].load(std::memory_order_relaxed);
      t.responses += n;
      if (kStatuses[s] == 304) t.not_modified += n;
      if (kStatuses[s] >= 400 && kStatuses[s] < 500) t.client_errors += n;
      if (kStatuses[s] >= 500) t.server_errors += n;
    }
  }
  t.bytes = bytes_sent_.load(std::memory_order_relaxed);
  return t;
}

void Metrics::CountEvent(size_t kind) {
  if (kind < kEventKinds.size()) events_[kind].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountSkip(SkipReason reason) {
  const auto i = static_cast<size_t>(reason);
  if (i < kSkipReasons.size()) skips_[i].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::ObserveRegeneration(double seconds) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) regen_buckets_[i].fetch_add(1, std::memory_order_relaxed);
  }
  regen_count_.fetch_add(1, std::memory_order_relaxed);
  regen_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Metrics::CountWebSub(std::string_view outcome) {
  static constexpr std::array<std::string_view, 3> kOutcomes = {"ok", "retry", "failed"};
  websub_[IndexOf(kOutcomes, outcome, 2)].fetch_add(1, std::memory_order_relaxed);
}


std::string Metrics::Render(const Gauges& g) const {
  std::string out;
  Help(&out, "feedd_http_responses_total", "counter", "HTTP responses by route and status.");
  uint64_t feed_total = 0, feed_304 = 0;
  for (size_t r = 0; r < kRoutes.size(); ++r) {
    for (size_t s = 0; s < kStatuses.size(); ++s) {
      const uint64_t n = responses_[r][s].load(std::memory_order_relaxed);
      if (kRoutes[r] == "feed") {
        feed_total += n;
        if (kStatuses[s] == 304) feed_304 += n;
      }
      if (n == 0) continue;
      const std::string status = kStatuses[s] == 0 ? "other" : std::to_string(kStatuses[s]);
      Line(&out, "feedd_http_responses_total",
           "route=\"" + std::string(kRoutes[r]) + "\",status=\"" + status + "\"",
           static_cast<double>(n));
    }
  }
  Help(&out, "feedd_http_feed_not_modified_ratio", "gauge",
       "Share of feed requests answered 304 Not Modified.");
  Line(&out, "feedd_http_feed_not_modified_ratio", "",
       feed_total == 0 ? 0.0 : static_cast<double>(feed_304) / static_cast<double>(feed_total));
  Help(&out, "feedd_http_sent_bytes_total", "counter", "Bytes sent in responses.");
  Line(&out, "feedd_http_sent_bytes_total", "", static_cast<double>(bytes_sent_.load()));
  Help(&out, "feedd_http_connections_open", "gauge", "Open client connections.");
  Line(&out, "feedd_http_connections_open", "", static_cast<double>(g.open_connections));
  Help(&out, "feedd_http_connections_refused_total", "counter",
       "Connections closed at once because the limit was reached.");
  Line(&out, "feedd_http_connections_refused_total", "", static_cast<double>(g.refused_connections));
  Help(&out, "feedd_articles", "gauge", "Articles in the feeds' snapshot.");
  Line(&out, "feedd_articles", "", static_cast<double>(g.articles));
  Help(&out, "feedd_snapshot_age_seconds", "gauge", "Seconds since the snapshot was built.");
  Line(&out, "feedd_snapshot_age_seconds", "", static_cast<double>(g.snapshot_age_seconds));
  Help(&out, "feedd_regeneration_duration_seconds", "histogram",
       "Time to build a snapshot after a change.");
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "le=\"%g\"", kBuckets[i]);
    Line(&out, "feedd_regeneration_duration_seconds_bucket", le,
         static_cast<double>(regen_buckets_[i].load()));
  }
  Line(&out, "feedd_regeneration_duration_seconds_bucket", "le=\"+Inf\"",
       static_cast<double>(regen_count_.load()));
  Line(&out, "feedd_regeneration_duration_seconds_sum", "",
       static_cast<double>(regen_micros_.load()) / 1e6);
  Line(&out, "feedd_regeneration_duration_seconds_count", "",
       static_cast<double>(regen_count_.load()));
  Help(&out, "feedd_watch_events_total", "counter", "Changes reported by the folder watcher.");
  for (size_t i = 0; i < kEventKinds.size(); ++i) {
    Line(&out, "feedd_watch_events_total", "kind=\"" + std::string(kEventKinds[i]) + "\"",
         static_cast<double>(events_[i].load()));
  }
  Help(&out, "feedd_skipped_files_total", "counter", "Files not published, by reason.");
  for (size_t i = 0; i < kSkipReasons.size(); ++i) {
    Line(&out, "feedd_skipped_files_total", "reason=\"" + std::string(kSkipReasons[i]) + "\"",
         static_cast<double>(skips_[i].load()));
  }
  Help(&out, "feedd_websub_pings_total", "counter", "WebSub hub notifications by outcome.");
  for (size_t i = 0; i < 3; ++i) {
    static constexpr const char* kOutcomes[] = {"ok", "retry", "failed"};
    Line(&out, "feedd_websub_pings_total", std::string("outcome=\"") + kOutcomes[i] + "\"",
         static_cast<double>(websub_[i].load()));
  }
  Help(&out, "feedd_watching", "gauge", "1 while the input folder is watched.");
  Line(&out, "feedd_watching", "", g.watching ? 1 : 0);
  Help(&out, "feedd_polled_folders", "gauge",
       "Folders watched by polling: on a network or FUSE file system, or past the inotify "
       "watch limit.");
  Line(&out, "feedd_polled_folders", "", static_cast<double>(watch_counters.polled_folders.load()));
  Help(&out, "feedd_inotify_fallbacks_total", "counter",
       "Folders that could not get an inotify watch (the watch limit) and are polled instead.");
  Line(&out, "feedd_inotify_fallbacks_total", "", static_cast<double>(watch_counters.fallbacks.load()));
  Help(&out, "feedd_unreadable_folders", "gauge",
       "Folders the last scan could not list; what they held stays published.");
  Line(&out, "feedd_unreadable_folders", "", static_cast<double>(unreadable_folders_.load()));
  Help(&out, "feedd_state_writable", "gauge", "1 while the state store is being written.");
  Line(&out, "feedd_state_writable", "", g.state_ok ? 1 : 0);
  return out;
}

}  // namespace feedd::daemon
