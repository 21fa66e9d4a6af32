// What a saved web page says about itself, read in one walk over its parse tree:
// <html lang> and dir, <title>, <meta> tags (Open Graph, article:*, name=), the
// canonical link and <base>, the first schema.org article object of its JSON-LD, and
// where the marks of an article's parts are (h-entry, itemprop=articleBody, <h1>s).
// The base every relative URL of the page resolves against is settled here too.
#pragma once

#include <gumbo.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "feed/html_page.h"
#include "feed/url.h"

namespace feedd::feed {

// The first JSON-LD object whose @type is an article type (NewsArticle, BlogPosting,
// any type ending in "Article" or "Posting"), at the top, in arrays or in "@graph",
// with "@id" references followed for names.
struct JsonLdArticle {
  std::string headline, author, published, modified, section, description, language, status,
      publisher;
  std::string image;  // "image": a URL, the first of a list, or an ImageObject's url
  std::vector<std::string> keywords;
  int line = 0;  // of its <script>
  bool found = false;
};

struct PageMetadata {
  const GumboNode* body = nullptr;
  const GumboNode* h_entry = nullptr;       // the first class="h-entry"
  const GumboNode* article_body = nullptr;  // the first itemprop="articleBody"
  std::vector<const GumboNode*> h1s;        // every <h1> outside <head>, in order
  std::string lang, dir, title;             // <html lang>, dir ("rtl", "ltr" or ""), <title>
  std::unordered_map<std::string, std::string> meta;  // lowercased key: the first value
  std::unordered_map<std::string, int> meta_line;
  std::vector<std::string> meta_tags;  // every article:tag
  JsonLdArticle ld;
  std::string canonical;  // absolute http(s), or ""
  std::string base;       // <base> (against the canonical link), else the canonical link, or ""
  std::string site_root, page_url, scheme;  // what relative URLs resolve against
  bool own_base = true;     // no <base> or canonical link: relative URLs are feedd's
  std::string article_path;           // the page's file in the input folder, or ""
  std::string feedd_root, feedd_page;  // feedd's base URL and the article's page there

  std::string Meta(const std::string& key) const;
  int MetaLine(const std::string& key) const;
  // `raw` resolved against the page's base and passed through feed/url.h's allow-list.
  // A relative reference to a media file beside the page (feed/media.h) is local
  // (its /media/ URL at feedd) when IsLocalMedia says so.
  std::optional<std::string> Url(std::string_view raw, UrlContext context) const;
  // Whether `raw` is a relative path naming a media file in the input folder: the
  // page has no <base> or canonical link (its relative URLs are feedd's, as in
  // Markdown), or the path leads into the folder a browser's "save page, complete"
  // writes the page's files to ("story_files/" beside "story.html"), which exists
  // on no site. Otherwise a relative URL is the site's, as the page says.
  bool IsLocalMedia(std::string_view raw) const;
  // <title> without the site's name around it (" | Site", "Site - "): og:site_name or
  // the publisher when they match, else the shorter side of the last separator.
  std::string StrippedTitle(const std::string& h1) const;
  // What stands on either side of each separator in <title> (" | ", " - ", ": " and
  // the like), trimmed: the candidates for the article's own title.
  std::vector<std::string> TitleParts() const;
};

PageMetadata ReadPageMetadata(const GumboOutput& out, const HtmlPageOptions& options);

// Separators and white space off both ends ("| Site" → "Site").
std::string TrimSeparators(std::string s);
// og:locale's "de_DE" as a language tag.
std::string LocaleTag(std::string locale);

}  // namespace feedd::feed
