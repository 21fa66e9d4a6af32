// The one allow-list for every URL feedd writes into HTML it generates: article
// content (Markdown links, reference links, autolinks, images, and any later input
// kind), article pages (canonical, og:url, og:image, links) and feed content.
// Pure, thread-safe.
//
// Allowed: relative URLs (made absolute against the article's page), http, https,
// mailto, and in an image's src only, data:image/* other than data:image/svg+xml.
// Everything else (javascript:, vbscript:, data: elsewhere, file:, unknown schemes)
// is refused; the caller then drops the link and keeps its text.
//
// The URL is checked as a browser reads it (WHATWG URL parsing): leading and
// trailing spaces and C0 controls are stripped, ASCII tab and newline removed
// anywhere, the scheme compared case-insensitively. A scheme that appears only once
// percent-encoding is decoded ("javascript%3A", "%6Aavascript:") or once the other
// control characters are removed is refused too: a reader or proxy that decodes
// once more must not find script either.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::feed {

enum class UrlContext {
  kLink,   // <a href>, <link href>, og:url: navigation
  kImage,  // <img src>, og:image: fetched as an image, never run
};

struct UrlBase {
  std::string_view site_root;  // BASE_URL, no trailing slash; "/x" resolves against its origin
  std::string_view page_url;   // the page the URL appears on; "x" and "#f" resolve against it
  // The article's file, relative to the input folder ("2026/a.md"), or empty. When
  // set, a relative URL that names a media file (feed/media.h) beside it ("ep.mp3",
  // "../pics/a.jpg") is the file's /media/ URL: BASE_URL/media/2026/ep.mp3.
  std::string_view article_path = {};
};

// `url` is the URL's text as the browser's URL parser receives it: character
// references already decoded (DecodeCharacterReferences in feed/char_refs.h for text
// taken from an HTML attribute; md4c reports them separately). Returns the URL to
// write (absolute when it was relative and `base.site_root` is set; characters
// that are not allowed unescaped in a URL percent-encoded, as md4c does; not yet
// HTML-escaped), or std::nullopt when it is not allowed in `context`. An empty URL
// stays empty (it names the page itself).
std::optional<std::string> SafeUrl(std::string_view url, UrlContext context,
                                   const UrlBase& base = {});

// Every valid %XX decoded; a '%' not followed by two hex digits stays as it is.
std::string PercentDecode(std::string_view s);

// RFC 3986 reference resolution as feedd did it before the allow-list: `url`
// unchanged when it has a scheme or starts with "//", else against `base`.
std::string ResolveUrl(std::string_view url, const UrlBase& base);

}  // namespace feedd::feed
