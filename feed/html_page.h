// A saved web page (a browser's "Save as", a CMS export, a crawler's output) to the
// fields of an article: the page is parsed by Gumbo, Google's HTML5 parser, the
// metadata read in order of trust, the main content found by a Readability-style
// scoring of its blocks and reduced to an allow-list of elements and attributes.
// Pure, thread-safe, never throws on bad input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "feed/fields.h"

namespace feedd::feed {

struct HtmlPageOptions {
  std::string_view site_root;  // feedd's base URL, no trailing slash
  std::string_view page_url;   // the article's page at feedd: the base of last resort
  // The page's file in the input folder ("2026/story.html"), or empty: relative
  // references to media files beside it become their /media/ URLs (PageMetadata::Url).
  std::string_view article_path = {};
  uint64_t max_bytes = 512 * 1024;  // of content HTML (limits.max_content_size)
};

// Deeper nesting than this (elements the parser keeps open) is refused before
// parsing: the HTML5 tree builder's cost grows with the square of the depth, and
// Blink stops nesting at 512 levels too. Every walk over the tree is bounded by it as
// well, whatever the estimate missed.
inline constexpr size_t kMaxHtmlNesting = 512;

// Metadata, each field from the first source that has it:
//   title:    JSON-LD headline, og:title, twitter:title, microformats p-name, the
//             article's <h1>, the side of <title> an element around the article
//             shows whole, <title> without the site's name (" | Site", "Site - ")
//   author:   JSON-LD author name(s) (joined by ", "), article:author (unless a URL),
//             <meta name="author">, microformats p-author, rel="author", itemprop=author
//   date:     JSON-LD datePublished, article:published_time, dt-published,
//             microdata itemprop=datePublished, hAtom .published, Dublin Core
//             (dcterms.issued, DC.Date, ...), the first <time datetime> at or after
//             the headline
//   updated:  JSON-LD dateModified, article:modified_time, dt-updated, microdata
//             itemprop=dateModified, hAtom .updated, dcterms.modified
//   section:  JSON-LD articleSection, article:section, a rel="category" link
//   tags:     JSON-LD keywords (of platform facets like "Tag:X", "Lite:true", only the
//             tag ones), article:tag, microformats p-category, rel="tag" links
//   summary:  JSON-LD description, og:description, <meta name="description">
//   language: JSON-LD inLanguage, <html lang>, og:locale
//   direction: <html dir> or <body dir>
//   via:      <link rel="canonical"> (absolute http or https), never the id
//   draft:    JSON-LD creativeWorkStatus "Draft", or <meta name="draft" content="true">
// JSON-LD counts when its @type is an article type (NewsArticle, BlogPosting, any
// type ending in "Article" or "Posting"), found at the top, in arrays or in
// "@graph", with "@id" references followed (Yoast's graph names the author so).
//
// The body is an h-entry's e-content or itemprop="articleBody" when the page marks
// one; otherwise the block with the best Readability score (text length, commas,
// paragraphs it holds, less its link density, class and id hints), with its
// siblings of similar score and the lead picture before it. Left out inside it:
// scripts, styles, forms, frames, nav, aside, header and footer, blocks whose class or id says comments, sidebar,
// share, related, menu, banner, newsletter and the like, link-dense blocks, the
// byline, and the headline itself; hidden blocks (hidden, aria-hidden, display:none),
// AMP's ads and analytics, icons (under 100 px), and short lines that are no
// sentence when mostly a link or before the first paragraph (kickers, date lines,
// "4 min read"). Text in generic blocks (div, section) becomes <p> paragraphs, two
// <br> in a row ending one. Every URL is resolved against the page's <base>, its canonical
// link, or `page_url`, and passes feed/url.h's allow-list; an image is taken at its
// real source (a lazy loader's data-src or data-srcset, src, the best srcset
// candidate, its <picture>'s <source>, the <noscript> copy after it).
//
// Returns std::nullopt with *err set when the page cannot be read ("nested more
// than 512 elements deep"). A page without a title or text still parses; the
// caller decides (an empty body is published as such, as in other formats).
std::optional<ParsedFields> ParseHtmlPage(std::string_view utf8, const HtmlPageOptions& options,
                                          std::string* err);

// The deepest nesting of elements the parser would keep open, estimated from the
// tags alone (elements a sibling closes, like <p> and <li>, and void elements do
// not count; comments, scripts and styles are skipped). Linear.
size_t EstimateHtmlNesting(std::string_view html);

}  // namespace feedd::feed
