// Reading the input folder into articles: the file system (watcher/) meets the
// parser (feed/). Each skipped file gets one log line with its reason. Blocking;
// not for the serving threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/metrics.h"
#include "feed/article.h"

namespace feedd::daemon {

class ParseWorker;

struct IngestOptions {
  std::string input_dir;
  std::string base_url;  // normalized, no trailing slash
  uint64_t max_article_bytes = 10 * 1024 * 1024;
  Metrics* metrics = nullptr;  // counts skipped files by reason, when given
  // Parses in a child process under a time budget (the daemon and render); when
  // null, parsing runs in this thread without a budget (tests of pure behaviour).
  ParseWorker* parser = nullptr;
  uint64_t max_content_bytes = 512 * 1024;  // of one article's HTML (limits.max_content_size)
};

enum class LoadStatus {
  kLoaded,      // `article` holds the parsed article
  kGone,        // the file no longer exists
  kNotArticle,  // not an article file by its name (debug line)
  kFailed,      // unreadable, too large, binary, a draft, bad front matter (one log line)
};

struct LoadResult {
  LoadStatus status = LoadStatus::kFailed;
  std::optional<feed::Article> article;
  int64_t mtime_ns = 0;  // of the file read, for later rescans
  int64_t mtime_seconds = 0;
  uint64_t size = 0;
  std::string content_hash;  // of the file's bytes
};

// Reads and parses files, given relative to the input folder: one result each, in
// order. The parses of a group of files go to the parse worker in one pipelined
// batch. Logs a debug line for files that are not articles, a warning for each skip
// and each problem.
std::vector<LoadResult> LoadArticles(const IngestOptions& options,
                                     const std::vector<std::string>& relative_paths);

// Every article in the folder, slugs made unique. Returns std::nullopt with *err
// set when the folder cannot be listed.
std::optional<std::vector<feed::Article>> LoadFolder(const IngestOptions& options,
                                                     std::string* err);

}  // namespace feedd::daemon
