// Markdown to HTML: md4c's parser (md_parse) with feedd's own renderer, so that
// every URL passes the allow-list (feed/url.h) where md4c reports it, raw HTML stays
// escaped, tables are at most `max_table_columns` wide and the output has a hard
// size cap. For safe documents the output is byte for byte what md4c-html 0.4.8
// writes. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "feed/url.h"

namespace feedd::feed {

struct MarkdownHtmlOptions {
  UrlBase base;                      // relative URLs resolve against it; empty: kept relative
  uint64_t max_bytes = 512 * 1024;   // of HTML (limits.max_content_size)
  unsigned max_table_columns = 128;  // cells beyond are dropped (md4c 0.5's cap)
};

struct MarkdownHtml {
  std::string html;  // one element per line, ending with a newline, as md4c-html
  bool cut = false;  // the cap was reached: the rest of the document is left out
};

// CommonMark with GitHub's tables, strikethrough, task lists and autolinks. Links
// and images whose URL is refused lose their element: a link's text stays, an
// image's alt text stays as text. When the cap is reached, parsing stops and the
// open elements are closed, so the HTML is well-formed and at most max_bytes long.
// A character reference to CR becomes a line feed. Returns std::nullopt with *err
// set only when md4c fails (out of memory).
std::optional<MarkdownHtml> RenderMarkdownHtml(std::string_view markdown,
                                               const MarkdownHtmlOptions& options,
                                               std::string* err);

}  // namespace feedd::feed
