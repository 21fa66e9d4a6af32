// Counters for /metrics (Prometheus text format 0.0.4). Updated by the serving
// threads and the ingest thread with relaxed atomics; read whole by the handler.
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "watcher/folder_watcher.h"

namespace feedd::daemon {

// Why a file was not published, as /metrics counts it (feedd_skipped_files_total).
enum class SkipReason {
  kTooLarge,
  kBinary,
  kEmpty,
  kFrontMatter,
  kMalformed,
  kDraft,
  kOutsideLink,
  kNotArticle,
  kParseTimeout,
  kParserCrash,
  kUnreadable,
};

class Metrics {
 public:
  static constexpr std::array<std::string_view, 6> kRoutes = {"feed",   "index",   "page",
                                                              "health", "metrics", "other"};
  static constexpr std::array<int, 13> kStatuses = {200, 304, 400, 403, 404, 405, 413,
                                                    414, 431, 500, 501, 503, 0};  // 0: any other
  static constexpr std::array<std::string_view, 4> kEventKinds = {"changed", "removed",
                                                                  "removed_dir", "rescan"};
  // The label of each SkipReason, in its order.
  static constexpr std::array<std::string_view, 11> kSkipReasons = {
      "too_large",   "binary",        "empty",        "front_matter", "malformed", "draft",
      "outside_link", "not_article", "parse_timeout", "parser_crash", "unreadable"};
  static_assert(kSkipReasons.size() == static_cast<size_t>(SkipReason::kUnreadable) + 1);
  static constexpr std::array<double, 9> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,  0.1,    0.25,  1.0};

  // A response is counted before it is sent (so a client that has it sees it in
  // /metrics), its bytes once they are sent.
  void CountResponse(std::string_view route, int status);
  void CountSentBytes(uint64_t bytes);
  void CountEvent(size_t kind);  // index into kEventKinds
  void CountSkip(SkipReason reason);
  void ObserveRegeneration(double seconds);
  void CountWebSub(std::string_view outcome);  // "ok", "retry", "failed"
  // Folders the last scans could not list (every feed's), moved by differences.
  void AddUnreadableFolders(int64_t delta) { unreadable_folders_.fetch_add(delta); }
  // Kept by every feed's watcher: folders polled, inotify fallbacks.
  watcher::WatchCounters watch_counters;

  struct Totals {
    uint64_t responses = 0, not_modified = 0, client_errors = 0, server_errors = 0, bytes = 0;
  };
  // Sums over routes, for the log.
  Totals ResponseTotals() const;

  struct Gauges {
    uint64_t articles = 0;
    int64_t snapshot_age_seconds = 0;
    uint64_t open_connections = 0;
    uint64_t refused_connections = 0;
    bool watching = true;
    bool state_ok = true;
  };
  // The whole exposition, counters and the gauges given.
  std::string Render(const Gauges& gauges) const;

 private:
  std::atomic<uint64_t> responses_[kRoutes.size()][kStatuses.size()] = {};
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> events_[kEventKinds.size()] = {};
  std::atomic<uint64_t> skips_[kSkipReasons.size()] = {};
  std::atomic<uint64_t> regen_buckets_[kBuckets.size()] = {};
  std::atomic<uint64_t> regen_count_{0};
  std::atomic<uint64_t> regen_micros_{0};
  std::atomic<uint64_t> websub_[3] = {};
  std::atomic<int64_t> unreadable_folders_{0};
};

}  // namespace feedd::daemon
