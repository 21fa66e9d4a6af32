#include "daemon/ingest.h"

#include <spdlog/spdlog.h>

#include "feed/article_parser.h"
#include "watcher/scan.h"

namespace feedd::daemon {

std::optional<feed::Article> LoadArticle(const IngestOptions& options,
                                         const std::string& relative_path) {
  if (feed::FormatOf(relative_path) == feed::ArticleFormat::kNone) {
    spdlog::debug("ignoring {}: not an article file (.txt, .md, .markdown)", relative_path);
    return std::nullopt;
  }
  std::string err;
  std::optional<watcher::FileContents> file =
      watcher::ReadArticleFile(options.input_dir, relative_path, options.max_article_bytes, &err);
  if (!file) {
    spdlog::warn("skipping {}: {}", relative_path, err);
    return std::nullopt;
  }
  feed::ParseContext context{options.base_url, feed::Timestamp{file->mtime_seconds, 0}};
  std::vector<std::string> warnings;
  std::optional<feed::Article> article =
      feed::ParseArticle(relative_path, file->bytes, context, &warnings, &err);
  for (const std::string& w : warnings) spdlog::warn("{}: {}", relative_path, w);
  if (!article) {
    if (err == "draft") {
      spdlog::info("skipping {}: draft", relative_path);
    } else {
      spdlog::warn("skipping {}: {}", relative_path, err);
    }
  }
  return article;
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
    if (std::optional<feed::Article> a = LoadArticle(options, e.relative_path))
      articles.push_back(*std::move(a));
  }
  std::vector<std::string> warnings;
  feed::MakeSlugsUnique(&articles, options.base_url, &warnings);
  for (const std::string& w : warnings) spdlog::warn("{}", w);
  return articles;
}

}  // namespace feedd::daemon
