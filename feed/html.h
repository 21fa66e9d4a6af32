// Small HTML helpers for article content. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::feed {

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string EscapeHtml(std::string_view text);

// One <p> element per paragraph, text escaped, joined by newlines; at most
// `max_bytes` long (the last paragraph cut between characters, still closed), and
// *cut (when given) set when anything was left out.
std::string ParagraphsToHtml(const std::vector<std::string>& paragraphs,
                             uint64_t max_bytes = UINT64_MAX, bool* cut = nullptr);

// The text of an HTML fragment: tags dropped, the entities md4c and EscapeHtml
// produce decoded, white space collapsed.
std::string HtmlToText(std::string_view html);

// The text of every <p> element of a fragment (as feedd's parsers write them), in
// order: what `feedd inspect` and the tests count as paragraphs.
std::vector<std::string> ParagraphTexts(std::string_view html);

// The text of the first <p> element of a fragment, or empty.
std::string FirstParagraphText(std::string_view html);

// Makes the URLs in href, src, srcset and poster attributes absolute. `site_root`
// is the base URL without a trailing slash (for "/path"); `page_url` is the
// article's own URL (for "#fragment" and "relative/path", which resolve against
// the folder holding the page). URLs with a scheme or "//" are left alone. Every
// value passes the allow-list of feed/url.h; a refused one is emptied. Linear.
// (Markdown resolves its URLs as it renders; this is for HTML from elsewhere.)
std::string AbsolutizeUrls(std::string_view html, std::string_view site_root,
                           std::string_view page_url);

// `text` cut at a word boundary at or before `max_chars` code points, with "…"
// appended when anything was cut. White space runs become one space.
std::string Summarize(std::string_view text, size_t max_chars);

}  // namespace feedd::feed
