#include "daemon/inspect_command.h"

#include <cstdio>
#include <ctime>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "daemon/ingest/parse_worker.h"
#include "feed/article_parser.h"
#include "feed/dates.h"
#include "feed/html.h"
#include "watcher/scan.h"

namespace feedd::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// One file's report, as JSON (also what the text form prints).
json Inspect(const config::Config& c, ParseWorker& parser, const std::string& file) {
  json r;
  r["file"] = file;
  const fs::path path(file);
  const std::string folder = path.has_parent_path() ? path.parent_path().string() : ".";
  const std::string name = path.filename().string();
  const feed::ArticleFormat format = feed::FormatOf(name);
  r["format"] = format == feed::ArticleFormat::kMarkdown    ? "markdown"
                : format == feed::ArticleFormat::kPlainText ? "plain text"
                : format == feed::ArticleFormat::kHtml      ? "html"
                                                            : "none";
  if (format == feed::ArticleFormat::kNone) {
    r["published"] = false;
    r["skipped"] = "not an article file (.txt, .md, .markdown, .html, .htm)";
    return r;
  }
  watcher::ReadError error;
  watcher::Completeness complete;
  complete.check_writers = false;  // the publisher's own file, read as it is
  std::optional<watcher::FileContents> bytes =
      watcher::ReadArticleFile(folder, name, c.max_article_bytes, &error, complete);
  if (!bytes) {
    r["published"] = false;
    r["skipped"] = error.message;
    return r;
  }
  const feed::ParseContext context{c.base_url, feed::Timestamp{bytes->mtime_seconds, 0},
                                   c.max_content_bytes};
  ParseResult parsed = parser.Parse(name, bytes->bytes, context);
  r["warnings"] = parsed.warnings;
  r["cut"] = parsed.notes;
  if (!parsed.article) {
    r["published"] = false;
    r["skipped"] = parsed.outcome == ParseOutcome::kDraft ? "draft: true" : parsed.err;
    return r;
  }
  const feed::Article& a = *parsed.article;
  r["published"] = true;
  r["title"] = a.title;
  r["author"] = a.author.empty() ? c.author : a.author;
  r["author_bio"] = a.author_bio;
  r["section"] = a.category;
  r["tags"] = a.tags;
  r["date"] = feed::FormatRfc3339Utc(a.published);
  r["date_source"] = !a.explicit_date                          ? "file time"
                     : format == feed::ArticleFormat::kMarkdown ? "front matter"
                     : format == feed::ArticleFormat::kHtml     ? "page metadata"
                                                                : "header";
  if (a.updated.seconds != a.published.seconds) r["updated"] = feed::FormatRfc3339Utc(a.updated);
  if (!a.via.empty()) r["via"] = a.via;
  if (a.published.seconds > std::time(nullptr)) r["scheduled"] = true;
  r["language"] = a.language.empty() ? c.language : a.language;
  r["language_source"] = a.language.empty() ? "the feed's" : "the article's";
  r["direction"] = a.right_to_left ? "rtl" : "ltr";
  r["summary"] = a.summary;
  r["id"] = a.explicit_id ? a.id : "";
  r["slug"] = a.slug;
  // Media as the article names them: a path in the input folder, or a URL.
  r["image"] = a.image.path.empty() ? a.image.url : a.image.path;
  r["enclosure"] = a.enclosure.path.empty() ? a.enclosure.url : a.enclosure.path;
  r["enclosure_type"] = a.enclosure.type;
  json episode = json::object();
  if (a.episode.duration_seconds > 0) episode["duration_seconds"] = a.episode.duration_seconds;
  if (a.episode.number > 0) episode["episode"] = a.episode.number;
  if (a.episode.season > 0) episode["season"] = a.episode.season;
  if (!a.episode.type.empty()) episode["episode_type"] = a.episode.type;
  if (a.episode.explicit_content >= 0) episode["explicit"] = a.episode.explicit_content == 1;
  r["episode"] = std::move(episode);
  const std::vector<std::string> p = feed::ParagraphTexts(a.content_html);
  r["paragraphs"] = p.size();
  r["first_paragraph"] = p.empty() ? "" : p.front();
  r["last_paragraph"] = p.empty() ? "" : p.back();
  return r;
}

void PrintText(const json& r) {
  auto line = [](const char* key, const std::string& value) {
    if (!value.empty()) std::printf("  %-16s %s\n", key, value.c_str());
  };
  std::printf("%s\n", r["file"].get<std::string>().c_str());
  if (!r["published"].get<bool>()) {
    std::printf("  %-16s %s\n", "skipped:", r["skipped"].get<std::string>().c_str());
  } else {
    line("title:", r["title"]);
    line("author:", r["author"]);
    line("section:", r["section"]);
    std::string tags;
    for (const auto& t : r["tags"]) tags += (tags.empty() ? "" : ", ") + t.get<std::string>();
    line("tags:", tags);
    line("date:", r["date"].get<std::string>() + " (" + r["date_source"].get<std::string>() +
                      (r.contains("scheduled") ? "; scheduled: published then" : "") + ")");
    if (r.contains("updated")) line("updated:", r["updated"]);
    line("language:", r["language"].get<std::string>() + " (" +
                          r["language_source"].get<std::string>() + "), " +
                          r["direction"].get<std::string>());
    line("id:", r["id"]);
    if (r.contains("via")) line("via:", r["via"]);
    line("summary:", r["summary"]);
    line("image:", r["image"]);
    if (!r["enclosure"].get<std::string>().empty())
      line("enclosure:", r["enclosure"].get<std::string>() + " (" +
                             r["enclosure_type"].get<std::string>() + ")");
    if (!r["episode"].empty()) line("episode:", r["episode"].dump());
    line("paragraphs:", std::to_string(r["paragraphs"].get<size_t>()));
    line("first:", r["first_paragraph"]);
    line("last:", r["last_paragraph"]);
  }
  if (r.contains("cut"))
    for (const auto& n : r["cut"]) line("cut:", n.get<std::string>());
  if (r.contains("warnings"))
    for (const auto& w : r["warnings"]) line("warning:", w.get<std::string>());
}

}  // namespace

int RunInspect(const config::Config& config, const std::vector<std::string>& files, bool json_out) {
  ParseWorker parser("/proc/self/exe", std::chrono::milliseconds(config.parse_timeout_ms));
  json all = json::array();
  bool every_one = true;
  for (const std::string& file : files) {
    json r = Inspect(config, parser, file);
    every_one &= r["published"].get<bool>();
    if (json_out) {
      all.push_back(std::move(r));
    } else {
      PrintText(r);
    }
  }
  if (json_out) std::printf("%s\n", all.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  return every_one ? 0 : 1;
}

}  // namespace feedd::daemon
