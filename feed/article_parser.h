// From one file's bytes to a publishable Article. Pure: no I/O, no logging, never
// throws on bad input. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feed/article.h"
#include "feed/fields.h"

namespace feedd::feed {

enum class ArticleFormat { kNone, kPlainText, kMarkdown, kHtml };

// By extension, case-insensitively: .txt is plain text; .md and .markdown are
// Markdown; .html and .htm are saved web pages (feed/html_page.h).
ArticleFormat FormatOf(std::string_view file_name);

struct ParseContext {
  std::string base_url;   // no trailing slash, e.g. "https://example.org/news"
  Timestamp file_mtime;   // used when the article states no date
  uint64_t max_content_bytes = 512 * 1024;  // of content HTML (limits.max_content_size)
};

// Per article: at most this many tags, each tag and the category at most this many
// characters; more is cut, with one warning.
inline constexpr size_t kMaxTags = 64;
inline constexpr size_t kMaxNameChars = 100;

// Why a file is not published, for callers that act differently per case.
enum class ParseErrorKind {
  kBinary,       // binary data, not text
  kEmpty,        // no text at all
  kFrontMatter,  // the front matter cannot be read (`message` says where and what)
  kMalformed,    // the body cannot be read (the Markdown parser gave up, HTML nested too deep)
  kDraft,        // `draft: true`: withheld by its author, so any published version must go
  kNotArticle,   // not an article file by its name (last: the parse worker's wire checks it)
};

struct ParseError {
  ParseErrorKind kind = ParseErrorKind::kMalformed;
  std::string message;  // for logs: "draft", "binary data, not text", "line 3: front matter: ..."
};

// Parses the file at `relative_path` (relative to the input folder; its name gives
// the slug and the format). Problems that still allow publishing ("invalid UTF-8
// replaced", "unrecognized date", "content cut at N bytes", tags cut) are appended
// to *warnings. Every URL in the content has passed feed/url.h. Linear or n log n
// in the size of `bytes`, apart from the libraries' own parsers. On failure returns
// std::nullopt and sets *error: its kind, and its message "binary data, not text",
// "empty: no text", "draft", "not an article file" or "line N: front matter: ...".
// What a structural rule left out (a site's navigation, a byline and bio) goes to
// *cuts, when given.
std::optional<Article> ParseArticle(std::string_view relative_path, std::string_view bytes,
                                    const ParseContext& context, std::vector<std::string>* warnings,
                                    ParseError* error, std::vector<Cut>* cuts = nullptr);

// One log line's words for a cut: "left out 3 blocks as site navigation (why), from
// "Recent Posts"".
std::string DescribeCut(const Cut& cut);

// The same, with only the message: sets *err to error.message.
std::optional<Article> ParseArticle(std::string_view relative_path, std::string_view bytes,
                                    const ParseContext& context,
                                    std::vector<std::string>* warnings, std::string* err);

// The summary length derived from the first paragraph, in characters.
inline constexpr size_t kSummaryChars = 300;

}  // namespace feedd::feed

namespace feedd::feed {

// Two files with the same slug ("a b.txt", "a-b.md") would share a URL and an id.
// Given articles sorted by source path, returns each one's published slug: the first
// keeps its slug, the others get "-2", "-3"... (never a slug another file asks for).
std::vector<std::string> UniqueSlugs(const std::vector<const Article*>& sorted_by_source);

// `article` published under `slug`: link and (derived, not explicit) id follow it.
Article WithSlug(const Article& article, const std::string& slug, const std::string& base_url);

// Sorts `articles` by source path and applies UniqueSlugs; one warning per renamed
// article ("a/A_B.txt: slug \"a-b\" is taken; published as \"a-b-2\"").
void MakeSlugsUnique(std::vector<Article>* articles, const std::string& base_url,
                     std::vector<std::string>* warnings);

}  // namespace feedd::feed
