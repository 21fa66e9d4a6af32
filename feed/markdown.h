// The Markdown article format as Jekyll and Hugo write it: optional YAML front
// matter between "---" lines, then a CommonMark (GitHub dialect) body rendered by
// feed/markdown_html.h: raw HTML in the body is escaped, not passed through, and
// every URL passes the allow-list of feed/url.h. Pure, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "feed/fields.h"
#include "feed/markdown_html.h"

namespace feedd::feed {

// Why a Markdown article cannot be read.
enum class MarkdownRejection {
  kFrontMatter,  // *err: "line N: front matter: what"
  kBody,         // the Markdown parser itself gave up
};

// `text` is normalized (feed/text.h). On a front matter error returns std::nullopt
// with *err set to "line N: front matter: what" (and *why, when given). `options`
// say how URLs resolve and how large the content may become
// (ParsedFields::content_cut tells it was cut).
std::optional<ParsedFields> ParseMarkdown(std::string_view text,
                                          const MarkdownHtmlOptions& options, std::string* err,
                                          MarkdownRejection* why = nullptr);
inline std::optional<ParsedFields> ParseMarkdown(std::string_view text, std::string* err) {
  return ParseMarkdown(text, MarkdownHtmlOptions{}, err);
}

}  // namespace feedd::feed
