// Reading the input folder into articles: the file system (watcher/) meets the
// parser (feed/). Each skipped file gets one log line with its reason. Blocking;
// not for the serving threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/metrics.h"
#include "feed/article.h"

namespace feedd::daemon {

class ParsePool;
class ParseWorker;

struct IngestOptions {
  std::string input_dir;
  std::string base_url;  // normalized, no trailing slash
  uint64_t max_article_bytes = 10 * 1024 * 1024;
  Metrics* metrics = nullptr;  // counts skipped files by reason, when given
  // Parses in a child process under a time budget, one group of files after
  // another; when null (and `pool` too), parsing runs in this thread without a
  // budget (tests of pure behaviour).
  ParseWorker* parser = nullptr;
  uint64_t max_content_bytes = 512 * 1024;  // of one article's HTML (limits.max_content_size)
  // Parses in children under the budget, one per core, several groups of files at
  // once; takes precedence over `parser`.
  ParsePool* pool = nullptr;
  // When it turns true (null: never), the load stops within about 100 ms (parsing
  // in this thread: after the file being parsed) and the files not done get
  // kCancelled. Checked between files and by the children's parses.
  const std::atomic<bool>* cancel = nullptr;
  // A file seen by a listing (not by its writer's close) is read only once no
  // writer has it open; where that cannot be told, once it has not changed for
  // this long (watcher::Completeness).
  int64_t settle_ns = 1'000'000'000;
  // Counted up for every file read (null: none): the watchdog's sign that a long
  // load on the ingest thread still moves.
  std::atomic<uint64_t>* progress = nullptr;
};

enum class LoadStatus {
  kLoaded,      // `article` holds the parsed article
  kGone,        // the file no longer exists
  kNotArticle,  // not an article file by its name (debug line)
  kFailed,      // unreadable, too large, binary, bad front matter, a parser crash or timeout
                // (one log line): the last good version stays published
  kDraft,       // a draft (info line): no article, and any published version must go
  kUnchanged,   // its bytes hash to the caller's `known_hash`: not parsed
  kCancelled,   // not done: the load was cancelled first (the caller keeps what it had)
  kIncomplete,  // still being written (debug line): nothing changes; read it again later
                // (mtime_ns and size say what was seen)
};

struct LoadResult {
  LoadStatus status = LoadStatus::kFailed;
  std::optional<feed::Article> article;
  // Of the file read (kLoaded, kFailed by the parser, kDraft, kUnchanged), for
  // later rescans.
  int64_t mtime_ns = 0;
  int64_t mtime_seconds = 0;
  uint64_t size = 0;
  std::string content_hash;  // of the file's bytes (feed::ContentHash)
};

struct LoadRequest {
  std::string relative_path;
  // The content hash of the bytes the caller already parsed; empty: none. Bytes
  // that hash to it are not parsed again (kUnchanged). Pass none when what shapes
  // a parse changed (base_url, max_content_bytes). An article without a date takes
  // the file's mtime: kUnchanged carries the mtime read.
  std::string known_hash;
  // The writer closed the file (or renamed it in) just before: it is complete
  // unless another writer has it open. False: the file was seen by a listing.
  bool closed = false;
  // The caller saw the file with this time and size at least settle_ns ago
  // (-1: not so): it has settled if it still has them (watcher::Completeness).
  int64_t unchanged_since_mtime_ns = -1;
  uint64_t unchanged_since_size = 0;
};

// Reads and parses files, given relative to the input folder: one result each, in
// order. Files are read on this thread in groups; each group is parsed in one
// pipelined batch by the pool (several at once), the parser, or here. Logs a debug
// line for files that are not articles, a warning for each skip and each problem,
// in the order of the files.
std::vector<LoadResult> LoadArticles(const IngestOptions& options,
                                     const std::vector<LoadRequest>& requests);
// How long the audio or video file at `relative_path` in the input folder plays,
// read from its headers (media_probe.h) by the pool or the parser under the parse
// budget, else here; 0 when unknown. A file the child cannot probe in time, or
// that kills it, is 0 with a warning.
int64_t ProbeMediaDuration(const IngestOptions& options, const std::string& relative_path);
// The same for many files at once, one result each in order: in batches across the
// pool's workers (pipelined, no round trip per file), so a folder of thousands of
// episodes costs a fraction of a second.
std::vector<int64_t> ProbeMediaDurations(const IngestOptions& options,
                                         const std::vector<std::string>& relative_paths);

// The same, with no hash known.
std::vector<LoadResult> LoadArticles(const IngestOptions& options,
                                     const std::vector<std::string>& relative_paths);

// Every article in the folder, slugs made unique. Returns std::nullopt with *err
// set when the folder cannot be listed, or to "cancelled" when the load was.
std::optional<std::vector<feed::Article>> LoadFolder(const IngestOptions& options,
                                                     std::string* err);

}  // namespace feedd::daemon
