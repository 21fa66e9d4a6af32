#include "daemon/ingest/loader.h"

#include "daemon/ingest/parse_worker.h"
#include "feed/content_hash.h"

#include <spdlog/spdlog.h>

#include "feed/article_id.h"
#include "feed/article_parser.h"
#include "watcher/scan.h"

namespace feedd::daemon {

namespace {

// A file read and waiting for its parse.
struct Pending {
  size_t index;  // into the results
  std::string bytes;
  feed::ParseContext context;
};

// Reads one file into *pending, or settles its result (not an article, gone,
// unreadable). True when it waits for its parse.
bool Read(const IngestOptions& options, const std::string& relative_path, LoadResult* result,
          Pending* pending) {
  if (feed::FormatOf(relative_path) == feed::ArticleFormat::kNone ||
      watcher::IsIgnoredPath(relative_path)) {
    spdlog::debug("ignoring {}: not an article file (.txt, .md, .markdown)", relative_path);
    if (options.metrics) options.metrics->CountSkip("not_article");
    result->status = LoadStatus::kNotArticle;
    return false;
  }
  std::string err;
  bool gone = false;
  std::optional<watcher::FileContents> file = watcher::ReadArticleFile(
      options.input_dir, relative_path, options.max_article_bytes, &err, &gone);
  if (!file) {
    if (gone) {
      result->status = LoadStatus::kGone;
    } else {
      spdlog::warn("skipping {}: {}", relative_path, err);
      if (options.metrics) options.metrics->CountSkip(Metrics::SkipReason(err));
    }
    return false;
  }
  result->mtime_ns = file->mtime_ns;
  result->mtime_seconds = file->mtime_seconds;
  result->size = file->bytes.size();
  result->content_hash = feed::ContentHash(file->bytes);
  pending->bytes = std::move(file->bytes);
  pending->context = feed::ParseContext{options.base_url, feed::Timestamp{file->mtime_seconds, 0},
                                        options.max_content_bytes};
  return true;
}

// Settles a result from its parse, with one log line for each warning or skip.
void Settle(const IngestOptions& options, const std::string& relative_path, ParseResult parsed,
            LoadResult* result) {
  if (parsed.outcome == ParseOutcome::kTimedOut || parsed.outcome == ParseOutcome::kCrashed) {
    spdlog::warn("skipping {}: {}", relative_path, parsed.err);
    if (options.metrics)
      options.metrics->CountSkip(parsed.outcome == ParseOutcome::kTimedOut ? "parse_timeout"
                                                                           : "parser_crash");
    return;
  }
  for (const std::string& w : parsed.warnings) spdlog::warn("{}: {}", relative_path, w);
  if (parsed.article) {
    if (parsed.article->explicit_id && !feed::IsAbsoluteIri(parsed.article->id)) {
      spdlog::info("{}: id \"{}\" is not an absolute IRI; Atom shows it as {}", relative_path,
                   parsed.article->id, feed::AtomEntryId(parsed.article->id));
    }
    result->article = std::move(parsed.article);
    result->status = LoadStatus::kLoaded;
    return;
  }
  if (parsed.err == "draft") {
    spdlog::info("skipping {}: draft", relative_path);
  } else {
    spdlog::warn("skipping {}: {}", relative_path, parsed.err);
  }
  if (options.metrics) options.metrics->CountSkip(Metrics::SkipReason(parsed.err));
}

// Parses the files read so far, with the worker (in one pipelined batch) or here.
void ParseAll(const IngestOptions& options, const std::vector<std::string>& paths,
              std::vector<Pending>* pending, std::vector<LoadResult>* results) {
  if (pending->empty()) return;
  if (options.parser) {
    std::vector<ParseJob> jobs;
    jobs.reserve(pending->size());
    for (const Pending& p : *pending) jobs.push_back({paths[p.index], p.bytes, &p.context});
    std::vector<ParseResult> parsed = options.parser->ParseMany(jobs);
    for (size_t i = 0; i < pending->size(); ++i) {
      const size_t at = (*pending)[i].index;
      Settle(options, paths[at], std::move(parsed[i]), &(*results)[at]);
    }
  } else {
    for (const Pending& p : *pending) {
      ParseResult parsed;
      parsed.article =
          feed::ParseArticle(paths[p.index], p.bytes, p.context, &parsed.warnings, &parsed.err);
      parsed.outcome = parsed.article ? ParseOutcome::kParsed : ParseOutcome::kRejected;
      Settle(options, paths[p.index], std::move(parsed), &(*results)[p.index]);
    }
  }
  pending->clear();
}

}  // namespace

std::vector<LoadResult> LoadArticles(const IngestOptions& options,
                                     const std::vector<std::string>& relative_paths) {
  // Read in groups of bounded size, so a folder of 100,000 files is never all in
  // memory at once, and each group is parsed in one pipelined batch.
  constexpr size_t kGroupFiles = 256;
  constexpr size_t kGroupBytes = 16 << 20;
  std::vector<LoadResult> results(relative_paths.size());
  std::vector<Pending> pending;
  size_t pending_bytes = 0;
  for (size_t i = 0; i < relative_paths.size(); ++i) {
    Pending p;
    p.index = i;
    if (!Read(options, relative_paths[i], &results[i], &p)) continue;
    pending_bytes += p.bytes.size();
    pending.push_back(std::move(p));
    if (pending.size() >= kGroupFiles || pending_bytes >= kGroupBytes) {
      ParseAll(options, relative_paths, &pending, &results);
      pending_bytes = 0;
    }
  }
  ParseAll(options, relative_paths, &pending, &results);
  return results;
}

std::optional<std::vector<feed::Article>> LoadFolder(const IngestOptions& options,
                                                     std::string* err) {
  std::vector<std::string> problems;
  std::optional<std::vector<watcher::ScanEntry>> entries =
      watcher::ScanDirectory(options.input_dir, &problems, err);
  if (!entries) return std::nullopt;
  for (const std::string& p : problems) spdlog::warn("skipping {}", p);
  std::vector<std::string> paths;
  paths.reserve(entries->size());
  for (const watcher::ScanEntry& e : *entries) paths.push_back(e.relative_path);
  std::vector<feed::Article> articles;
  for (LoadResult& r : LoadArticles(options, paths)) {
    if (r.article) articles.push_back(*std::move(r.article));
  }
  std::vector<std::string> warnings;
  feed::MakeSlugsUnique(&articles, options.base_url, &warnings);
  for (const std::string& w : warnings) spdlog::warn("{}", w);
  return articles;
}

}  // namespace feedd::daemon
