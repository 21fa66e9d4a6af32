#include "daemon/ingest/loader.h"

#include <algorithm>
#include <deque>
#include <future>

#include <spdlog/spdlog.h>

#include "daemon/ingest/parse_pool.h"
#include "daemon/ingest/parse_worker.h"
#include "feed/article_id.h"
#include "feed/article_parser.h"
#include "feed/content_hash.h"
#include "watcher/scan.h"

namespace feedd::daemon {

namespace {

SkipReason SkipFor(watcher::ReadErrorKind kind) {
  switch (kind) {
    case watcher::ReadErrorKind::kTooLarge: return SkipReason::kTooLarge;
    case watcher::ReadErrorKind::kOutside: return SkipReason::kOutsideLink;
    default: return SkipReason::kUnreadable;
  }
}

SkipReason SkipFor(feed::ParseErrorKind kind) {
  switch (kind) {
    case feed::ParseErrorKind::kBinary: return SkipReason::kBinary;
    case feed::ParseErrorKind::kEmpty: return SkipReason::kEmpty;
    case feed::ParseErrorKind::kFrontMatter: return SkipReason::kFrontMatter;
    case feed::ParseErrorKind::kMalformed: return SkipReason::kMalformed;
    case feed::ParseErrorKind::kDraft: return SkipReason::kDraft;
    case feed::ParseErrorKind::kNotArticle: return SkipReason::kNotArticle;
  }
  return SkipReason::kMalformed;
}

// A file read and waiting for its parse.
struct Pending {
  size_t index;  // into the results
  std::string bytes;
  feed::ParseContext context;
};

// Reads one file into *pending, or settles its result (not an article, gone,
// unreadable, unchanged). True when it waits for its parse.
bool Read(const IngestOptions& options, const LoadRequest& request, LoadResult* result,
          Pending* pending) {
  const std::string& relative_path = request.relative_path;
  if (options.progress) options.progress->fetch_add(1, std::memory_order_relaxed);
  if (feed::FormatOf(relative_path) == feed::ArticleFormat::kNone ||
      watcher::IsIgnoredPath(relative_path)) {
    spdlog::debug("ignoring {}: not an article file (.txt, .md, .markdown, .html, .htm)", relative_path);
    if (options.metrics) options.metrics->CountSkip(SkipReason::kNotArticle);
    result->status = LoadStatus::kNotArticle;
    return false;
  }
  watcher::ReadError error;
  watcher::Completeness completeness;
  completeness.settle_ns = request.closed ? 0 : options.settle_ns;
  completeness.unchanged_since_mtime_ns = request.unchanged_since_mtime_ns;
  completeness.unchanged_since_size = request.unchanged_since_size;
  std::optional<watcher::FileContents> file = watcher::ReadArticleFile(
      options.input_dir, relative_path, options.max_article_bytes, &error, completeness);
  if (!file) {
    if (error.kind == watcher::ReadErrorKind::kGone) {
      result->status = LoadStatus::kGone;
    } else if (error.kind == watcher::ReadErrorKind::kBeingWritten) {
      if (request.unchanged_since_mtime_ns < 0)
        spdlog::debug("not reading {} yet: {}", relative_path, error.message);
      result->status = LoadStatus::kIncomplete;
      result->mtime_ns = error.mtime_ns;
      result->size = error.size;
    } else {
      spdlog::warn("skipping {}: {}", relative_path, error.message);
      if (options.metrics) options.metrics->CountSkip(SkipFor(error.kind));
      result->mtime_ns = error.mtime_ns;  // a rescan passes it by until it changes
      result->size = error.size;
    }
    return false;
  }
  result->mtime_ns = file->mtime_ns;
  result->mtime_seconds = file->mtime_seconds;
  result->size = file->bytes.size();
  result->content_hash = feed::ContentHash(file->bytes);
  if (!request.known_hash.empty() && result->content_hash == request.known_hash) {
    result->status = LoadStatus::kUnchanged;
    return false;
  }
  pending->bytes = std::move(file->bytes);
  pending->context = feed::ParseContext{options.base_url, feed::Timestamp{file->mtime_seconds, 0},
                                        options.max_content_bytes};
  return true;
}

// Settles a result from its parse, with one log line for each warning or skip.
void Settle(const IngestOptions& options, const std::string& relative_path, ParseResult parsed,
            LoadResult* result) {
  if (parsed.outcome == ParseOutcome::kCancelled) {
    *result = LoadResult{};
    result->status = LoadStatus::kCancelled;
    return;
  }
  if (parsed.outcome == ParseOutcome::kTimedOut || parsed.outcome == ParseOutcome::kCrashed) {
    spdlog::warn("skipping {}: {}", relative_path, parsed.err);
    if (options.metrics)
      options.metrics->CountSkip(parsed.outcome == ParseOutcome::kTimedOut
                                     ? SkipReason::kParseTimeout
                                     : SkipReason::kParserCrash);
    return;
  }
  for (const std::string& w : parsed.warnings) spdlog::warn("{}: {}", relative_path, w);
  for (const std::string& n : parsed.notes) spdlog::debug("{}: {}", relative_path, n);
  if (parsed.article) {
    if (parsed.article->explicit_id && !feed::IsAbsoluteIri(parsed.article->id)) {
      spdlog::info("{}: id \"{}\" is not an absolute IRI; Atom shows it as {}", relative_path,
                   parsed.article->id, feed::AtomEntryId(parsed.article->id));
    }
    result->article = std::move(parsed.article);
    result->status = LoadStatus::kLoaded;
    return;
  }
  if (parsed.outcome == ParseOutcome::kDraft) {
    spdlog::info("skipping {}: draft", relative_path);
    if (options.metrics) options.metrics->CountSkip(SkipReason::kDraft);
    result->status = LoadStatus::kDraft;
    return;
  }
  spdlog::warn("skipping {}: {}", relative_path, parsed.err);
  if (options.metrics) options.metrics->CountSkip(SkipFor(parsed.rejection));
}

bool Cancelled(const IngestOptions& options) {
  return options.cancel && options.cancel->load(std::memory_order_relaxed);
}

// Files read and parsed together. Never moved once its parse started: the parser
// reads the bytes in place, and a group that goes waits for that parse to end.
struct Group {
  Group() = default;
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  ~Group() {
    if (parsing.valid()) parsing.wait();
  }
  std::vector<Pending> files;
  size_t bytes = 0;
  std::future<std::vector<ParseResult>> parsing;  // by the pool, while more files are read
  std::vector<ParseResult> parsed;                // by the parser or here, at once
};

// Starts the group's parse: in the pool, or at once with the parser or here.
void StartParse(const IngestOptions& options, const std::vector<LoadRequest>& requests,
                Group* group) {
  std::vector<ParseJob> jobs;
  jobs.reserve(group->files.size());
  for (const Pending& p : group->files)
    jobs.push_back({requests[p.index].relative_path, p.bytes, &p.context});
  if (options.pool) {
    group->parsing = options.pool->Submit(std::move(jobs), options.cancel);
  } else if (options.parser) {
    group->parsed = options.parser->ParseMany(jobs, options.cancel);
  } else {
    for (const ParseJob& j : jobs) {
      if (Cancelled(options)) {
        group->parsed.push_back({ParseOutcome::kCancelled, std::nullopt, {}, "cancelled"});
      } else {
        group->parsed.push_back(ParseHere(j.relative_path, j.bytes, *j.context));
      }
    }
  }
}

// Waits for the group's parse and settles its files, in order.
void Finish(const IngestOptions& options, const std::vector<LoadRequest>& requests, Group* group,
            std::vector<LoadResult>* results) {
  std::vector<ParseResult> parsed;
  if (group->parsing.valid()) {
    try {
      parsed = group->parsing.get();
    } catch (const std::exception& e) {  // the pool's thread ran out of memory
      parsed.assign(group->files.size(), {ParseOutcome::kCrashed, std::nullopt, {}, e.what()});
    }
  } else {
    parsed = std::move(group->parsed);
  }
  for (size_t i = 0; i < group->files.size(); ++i) {
    const size_t at = group->files[i].index;
    Settle(options, requests[at].relative_path, std::move(parsed[i]), &(*results)[at]);
  }
}

}  // namespace

namespace {

int64_t SettleProbe(const std::string& relative_path, const ParseResult& r) {
  if (r.outcome == ParseOutcome::kProbed) {
    if (r.duration_seconds == 0)
      spdlog::debug("{}: its headers tell no duration", relative_path);
    return r.duration_seconds;
  }
  if (r.outcome == ParseOutcome::kTimedOut || r.outcome == ParseOutcome::kCrashed)
    spdlog::warn("{}: reading its duration failed: {}", relative_path, r.err);
  else if (r.outcome != ParseOutcome::kCancelled)
    spdlog::debug("{}: cannot read its duration: {}", relative_path, r.err);
  return 0;
}

}  // namespace

std::vector<int64_t> ProbeMediaDurations(const IngestOptions& options,
                                         const std::vector<std::string>& relative_paths) {
  std::vector<ParseJob> jobs;
  jobs.reserve(relative_paths.size());
  for (const std::string& p : relative_paths) jobs.push_back({p, {}, nullptr, options.input_dir});
  std::vector<ParseResult> results(jobs.size());
  try {
    if (options.pool) {
      // One batch per worker, so they probe side by side.
      const size_t per = (jobs.size() + options.pool->size() - 1) / std::max<size_t>(1, options.pool->size());
      std::vector<std::pair<size_t, std::future<std::vector<ParseResult>>>> running;
      for (size_t at = 0; at < jobs.size(); at += per) {
        std::vector<ParseJob> part(jobs.begin() + at, jobs.begin() + std::min(jobs.size(), at + per));
        running.emplace_back(at, options.pool->Submit(std::move(part), options.cancel));
      }
      for (auto& [at, f] : running) {
        std::vector<ParseResult> part = f.get();
        for (size_t i = 0; i < part.size(); ++i) results[at + i] = std::move(part[i]);
      }
    } else if (options.parser) {
      results = options.parser->ParseMany(jobs, options.cancel);
    } else {
      for (size_t i = 0; i < jobs.size(); ++i) results[i] = ProbeHere(options.input_dir, relative_paths[i]);
    }
  } catch (const std::exception& e) {  // the pool's thread ran out of memory
    for (ParseResult& r : results) r = {ParseOutcome::kCrashed, std::nullopt, {}, e.what()};
  }
  std::vector<int64_t> out(results.size());
  for (size_t i = 0; i < results.size(); ++i) out[i] = SettleProbe(relative_paths[i], results[i]);
  return out;
}

int64_t ProbeMediaDuration(const IngestOptions& options, const std::string& relative_path) {
  return ProbeMediaDurations(options, {relative_path}).front();
}

std::vector<LoadResult> LoadArticles(const IngestOptions& options,
                                     const std::vector<LoadRequest>& requests) {
  // Read in groups of bounded size, so a folder of 100,000 files is never all in
  // memory at once; each group is parsed in one pipelined batch. With the pool, up
  // to one group per worker (and one more) is parsed while the next is read; the
  // results are settled (logged, counted) in the files' order. The groups' bytes
  // stay under kBytesInFlight (and one file more per group).
  const size_t workers = options.pool ? options.pool->size() : 1;
  const size_t max_parsing = options.pool ? workers + 1 : 0;  // without: parsed at once
  constexpr size_t kGroupFiles = 64;
  constexpr size_t kBytesInFlight = 32 << 20;
  const size_t group_bytes = std::max<size_t>(256 << 10, kBytesInFlight / (max_parsing + 1));
  // Small loads are split so that every worker gets a share.
  const size_t group_files =
      std::clamp<size_t>((requests.size() + workers - 1) / workers, 1, kGroupFiles);
  std::vector<LoadResult> results(requests.size());
  std::deque<Group> groups;  // parsing or being filled (the last), oldest first
  Group* filling = nullptr;
  size_t next = 0;  // the next file to read
  for (; next < requests.size() && !Cancelled(options); ++next) {
    Pending p;
    p.index = next;
    if (!Read(options, requests[next], &results[next], &p))
      continue;
    if (!filling) filling = &groups.emplace_back();  // a deque never moves its elements
    filling->bytes += p.bytes.size();
    filling->files.push_back(std::move(p));
    if (filling->files.size() < group_files && filling->bytes < group_bytes) continue;
    StartParse(options, requests, filling);
    filling = nullptr;
    for (; groups.size() > max_parsing; groups.pop_front())
      Finish(options, requests, &groups.front(), &results);
  }
  if (filling) StartParse(options, requests, filling);  // at once kCancelled when cancelled
  for (; !groups.empty(); groups.pop_front()) Finish(options, requests, &groups.front(), &results);
  if (next < requests.size()) {
    spdlog::debug("load cancelled: {} of {} files not read", requests.size() - next,
                  requests.size());
    for (; next < requests.size(); ++next) results[next].status = LoadStatus::kCancelled;
  }
  return results;
}

std::vector<LoadResult> LoadArticles(const IngestOptions& options,
                                     const std::vector<std::string>& relative_paths) {
  std::vector<LoadRequest> requests;
  requests.reserve(relative_paths.size());
  for (const std::string& p : relative_paths) requests.push_back({p, {}, false, -1, 0});
  return LoadArticles(options, requests);
}

std::optional<std::vector<feed::Article>> LoadFolder(const IngestOptions& options,
                                                     std::string* err) {
  std::optional<watcher::Listing> listing = watcher::ScanDirectory(options.input_dir, err);
  if (!listing) return std::nullopt;
  for (const watcher::ScanProblem& p : listing->problems)
    spdlog::warn("skipping {}: {}", p.relative_path, p.message);
  std::vector<std::string> paths;
  paths.reserve(listing->files.size());
  for (const watcher::ScanEntry& e : listing->files) paths.push_back(e.relative_path);
  std::vector<feed::Article> articles;
  for (LoadResult& r : LoadArticles(options, paths)) {
    if (r.status == LoadStatus::kCancelled) {
      *err = "cancelled";
      return std::nullopt;
    }
    if (r.article) articles.push_back(*std::move(r.article));
  }
  std::vector<std::string> warnings;
  feed::MakeSlugsUnique(&articles, options.base_url, &warnings);
  for (const std::string& w : warnings) spdlog::warn("{}", w);
  return articles;
}

}  // namespace feedd::daemon
