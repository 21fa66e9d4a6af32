#include "daemon/ingest.h"

#include "daemon/parse_worker.h"
#include "daemon/resource.h"

#include <spdlog/spdlog.h>

#include "feed/article_parser.h"
#include "watcher/scan.h"

namespace feedd::daemon {

LoadResult LoadArticle(const IngestOptions& options, const std::string& relative_path) {
  LoadResult result;
  if (feed::FormatOf(relative_path) == feed::ArticleFormat::kNone ||
      watcher::IsIgnoredPath(relative_path)) {
    spdlog::debug("ignoring {}: not an article file (.txt, .md, .markdown)", relative_path);
    if (options.metrics) options.metrics->CountSkip("not_article");
    result.status = LoadStatus::kNotArticle;
    return result;
  }
  std::string err;
  bool gone = false;
  std::optional<watcher::FileContents> file = watcher::ReadArticleFile(
      options.input_dir, relative_path, options.max_article_bytes, &err, &gone);
  if (!file) {
    if (gone) {
      result.status = LoadStatus::kGone;
    } else {
      spdlog::warn("skipping {}: {}", relative_path, err);
      if (options.metrics) options.metrics->CountSkip(Metrics::SkipReason(err));
    }
    return result;
  }
  result.mtime_ns = file->mtime_ns;
  result.mtime_seconds = file->mtime_seconds;
  result.size = file->bytes.size();
  result.content_hash = ContentHash(file->bytes);
  feed::ParseContext context{options.base_url, feed::Timestamp{file->mtime_seconds, 0},
                             options.max_content_bytes};
  std::vector<std::string> warnings;
  if (options.parser) {
    ParseResult parsed = options.parser->Parse(relative_path, file->bytes, context);
    if (parsed.outcome == ParseOutcome::kTimedOut || parsed.outcome == ParseOutcome::kCrashed) {
      spdlog::warn("skipping {}: {}", relative_path, parsed.err);
      if (options.metrics)
        options.metrics->CountSkip(parsed.outcome == ParseOutcome::kTimedOut ? "parse_timeout"
                                                                             : "parser_crash");
      return result;
    }
    result.article = std::move(parsed.article);
    warnings = std::move(parsed.warnings);
    err = std::move(parsed.err);
  } else {
    result.article = feed::ParseArticle(relative_path, file->bytes, context, &warnings, &err);
  }
  for (const std::string& w : warnings) spdlog::warn("{}: {}", relative_path, w);
  if (result.article) {
    result.status = LoadStatus::kLoaded;
    return result;
  }
  if (err == "draft") {
    spdlog::info("skipping {}: draft", relative_path);
  } else {
    spdlog::warn("skipping {}: {}", relative_path, err);
  }
  if (options.metrics) options.metrics->CountSkip(Metrics::SkipReason(err));
  return result;
}

std::optional<std::vector<feed::Article>> LoadFolder(const IngestOptions& options,
                                                     std::string* err) {
  std::vector<std::string> problems;
  std::optional<std::vector<watcher::ScanEntry>> entries =
      watcher::ScanDirectory(options.input_dir, &problems, err);
  if (!entries) return std::nullopt;
  for (const std::string& p : problems) spdlog::warn("skipping {}", p);
  std::vector<feed::Article> articles;
  for (const watcher::ScanEntry& e : *entries) {
    LoadResult r = LoadArticle(options, e.relative_path);
    if (r.article) articles.push_back(*std::move(r.article));
  }
  std::vector<std::string> warnings;
  feed::MakeSlugsUnique(&articles, options.base_url, &warnings);
  for (const std::string& w : warnings) spdlog::warn("{}", w);
  return articles;
}

}  // namespace feedd::daemon
