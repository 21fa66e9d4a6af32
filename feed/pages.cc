#include "feed/pages.h"

#include <tuple>

#include "feed/html.h"
#include "feed/slug.h"
#include "feed/url.h"

namespace feedd::feed {
namespace {

constexpr const char* kStyle =
    "body{font:17px/1.55 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "color:#222}a{color:#0645ad}h1{line-height:1.2}.meta{color:#666;font-size:.9rem}"
    "ul.articles{list-style:none;padding:0}ul.articles li{margin:0 0 1.2rem}"
    ".bio{border-top:1px solid #ddd;margin-top:2rem;padding-top:1rem;color:#444}";

// A URL written into a page, through the allow-list (feed/url.h) and HTML-escaped;
// empty when refused. The page's URLs are feedd's own (the base URL and encoded
// slugs): when allowed they are written as they are.
std::string PageUrl(const std::string& url, UrlContext context = UrlContext::kLink) {
  const std::optional<std::string> safe = SafeUrl(url, context);
  return safe && !safe->empty() ? EscapeHtml(url) : std::string();
}

// <a href="url">text</a>, or the text alone when the URL is refused.
// "https://example.org/2026/story" -> "example.org/2026/story"
std::string ShortUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  return scheme == std::string::npos ? url : url.substr(scheme + 3);
}

std::string Anchor(const std::string& url, const std::string& text_html) {
  const std::string href = PageUrl(url);
  return href.empty() ? text_html : "<a href=\"" + href + "\">" + text_html + "</a>";
}

void Head(const Channel& c, const std::string& title, const std::string& lang,
          const std::string& dir, std::string* out, const Article* article = nullptr) {
  *out += "<!DOCTYPE html>\n<html lang=\"" + EscapeHtml(lang) + "\" dir=\"" + dir + "\">\n<head>\n";
  *out += "<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  *out += "<title>" + EscapeHtml(title) + "</title>\n";
  if (article) {  // Open Graph, for link previews in chats and social sites
    auto meta_html = [&](const char* property, const std::string& content_html) {
      if (content_html.empty()) return;
      *out += "<meta property=\"" + std::string(property) + "\" content=\"" + content_html +
              "\">\n";
    };
    auto meta = [&](const char* property, const std::string& content) {
      meta_html(property, EscapeHtml(content));
    };
    meta("og:type", "article");
    meta("og:title", article->title);
    meta_html("og:url", PageUrl(article->link));
    meta("og:description", article->summary);
    meta("og:site_name", c.title);
    meta("og:locale", article->language);
    meta("article:published_time", FormatRfc3339Utc(article->published));
    meta("article:modified_time", FormatRfc3339Utc(article->updated));
    meta("article:author", article->author);
    meta("article:section", article->category);
    for (const std::string& t : article->tags) meta("article:tag", t);
    meta_html("og:image", PageUrl(article->image.url, UrlContext::kImage));
    const Media& enc = article->enclosure;
    if (!enc.url.empty()) {
      const bool video = enc.type.starts_with("video/");
      if (video || enc.type.starts_with("audio/")) {
        meta_html(video ? "og:video" : "og:audio", PageUrl(enc.url));
        meta(video ? "og:video:type" : "og:audio:type", enc.type);
      }
    }
    *out += "<meta name=\"description\" content=\"" + EscapeHtml(article->summary) + "\">\n";
    if (const std::string canonical = PageUrl(article->link); !canonical.empty())
      *out += "<link rel=\"canonical\" href=\"" + canonical + "\">\n";
  }
  for (const auto& [type, name, file] :
       {std::tuple{"application/rss+xml", " (RSS)", "/rss.xml"},
        std::tuple{"application/atom+xml", " (Atom)", "/atom.xml"},
        std::tuple{"application/feed+json", " (JSON Feed)", "/feed.json"}}) {
    const std::string href = PageUrl(c.base_url + file);
    if (href.empty()) continue;
    *out += std::string("<link rel=\"alternate\" type=\"") + type + "\" title=\"" +
            EscapeHtml(c.title) + name + "\" href=\"" + href + "\">\n";
  }
  *out += std::string("<style>") + kStyle + "</style>\n</head>\n";
}

// "RSS · Atom · JSON Feed" links for the feeds under `path` ("" or "/tags/x").
std::string FeedLinks(const Channel& c, const std::string& path) {
  const std::string base = c.base_url + path;
  return Anchor(base + "/rss.xml", "RSS") + " · " + Anchor(base + "/atom.xml", "Atom") + " · " +
         Anchor(base + "/feed.json", "JSON Feed");
}

std::string GroupPath(std::string_view kind, const std::string& name) {
  return "/" + std::string(kind) + "/" + PercentEncode(Slugify(name));
}

// The day as the author wrote it; the machine-readable instant in UTC, as in the feeds.
std::string DateLine(const Article& a) {
  return "<time datetime=\"" + FormatRfc3339Utc(a.published) + "\">" +
         FormatRfc3339(a.published).substr(0, 10) + "</time>";
}

}  // namespace

std::string RenderIndexPage(const Channel& c, std::span<const Article* const> articles,
                            const std::vector<std::string>& categories,
                            const std::vector<std::string>& tags, const IndexPaging& paging) {
  std::string out;
  Head(c, c.title, c.language.empty() ? "en" : c.language, "auto", &out);
  out += "<body>\n<header>\n<h1>" + EscapeHtml(c.title) + "</h1>\n";
  if (!c.description.empty()) out += "<p>" + EscapeHtml(c.description) + "</p>\n";
  out += "<p class=\"meta\">Subscribe: " + FeedLinks(c, "") + "</p>\n";
  out += "<p class=\"meta\">Feed address to copy into a reader: <input readonly size=\"40\" "
         "value=\"" + EscapeHtml(c.base_url) + "/atom.xml\"></p>\n";
  out += "</header>\n<main>\n<ul class=\"articles\">\n";
  for (const Article* a : articles) {
    const std::string dir = a->right_to_left ? "rtl" : "ltr";
    out += "<li dir=\"" + dir + "\"";
    if (!a->language.empty()) out += " lang=\"" + EscapeHtml(a->language) + "\"";
    out += ">" + Anchor(a->link, EscapeHtml(a->title)) + "<br>\n";
    out += "<span class=\"meta\">" + DateLine(*a);
    if (!a->author.empty()) out += " · " + EscapeHtml(a->author);
    if (!a->category.empty()) out += " · " + EscapeHtml(a->category);
    out += "</span>";
    if (!a->summary.empty()) out += "<br>\n" + EscapeHtml(a->summary);
    out += "</li>\n";
  }
  out += "</ul>\n";
  if (!paging.newer.empty() || !paging.older.empty()) {
    out += "<nav class=\"pages\">";
    if (!paging.newer.empty())
      out += "<a rel=\"prev\" href=\"" + EscapeHtml(paging.newer) + "\">Newer articles</a> ";
    if (!paging.older.empty())
      out += "<a rel=\"next\" href=\"" + EscapeHtml(paging.older) + "\">Older articles</a>";
    out += "</nav>\n";
  }
  out += "</main>\n";
  for (const auto& [kind, title, names] :
       {std::tuple{"categories", "Categories", &categories}, std::tuple{"tags", "Tags", &tags}}) {
    if (names->empty()) continue;
    out += std::string("<section class=\"feeds\">\n<h2>") + title + "</h2>\n<ul>\n";
    for (const std::string& name : *names)
      out += "<li>" + EscapeHtml(name) + ": " + FeedLinks(c, GroupPath(kind, name)) + "</li>\n";
    out += "</ul>\n</section>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

std::string RenderArticlePage(const Channel& c, const Article& a) {
  std::string out;
  const std::string lang = !a.language.empty() ? a.language : a.right_to_left ? "" : c.language;
  Head(c, a.title + " · " + c.title, lang, a.right_to_left ? "rtl" : "ltr", &out, &a);
  out += "<body>\n<article>\n<header>\n";
  if (!a.category.empty()) out += "<p class=\"meta\">" + EscapeHtml(a.category) + "</p>\n";
  out += "<h1>" + EscapeHtml(a.title) + "</h1>\n<p class=\"meta\">";
  if (!a.author.empty()) out += "<span class=\"author\">" + EscapeHtml(a.author) + "</span> · ";
  out += DateLine(a);
  for (const std::string& t : a.tags) out += " · " + EscapeHtml(t);
  out += "</p>\n</header>\n";
  // The enclosure, playable where the browser can (media-src in the page's policy).
  if (const std::string src = PageUrl(a.enclosure.url); !src.empty()) {
    const std::string type = EscapeHtml(a.enclosure.type);
    if (a.enclosure.type.starts_with("audio/") || a.enclosure.type.starts_with("video/")) {
      const char* tag = a.enclosure.type.starts_with("video/") ? "video" : "audio";
      out += "<p class=\"enclosure\"><" + std::string(tag) +
             " controls preload=\"none\"><source src=\"" + src + "\" type=\"" + type + "\">" +
             Anchor(a.enclosure.url, "Download") + "</" + tag + "></p>\n";
    } else {
      out += "<p class=\"enclosure\">" + Anchor(a.enclosure.url, "Download (" + type + ")") + "</p>\n";
    }
  }
  out += a.content_html + "\n";
  if (!a.via.empty()) {
    out += "<p class=\"meta via\">First published at " +
           Anchor(a.via, EscapeHtml(ShortUrl(a.via))) + "</p>\n";
  }
  if (!a.category.empty() || !a.tags.empty()) {
    std::vector<std::string> lines;
    if (!a.category.empty())
      lines.push_back("More in " + EscapeHtml(a.category) + ": " +
                      FeedLinks(c, GroupPath("categories", a.category)));
    for (const std::string& t : a.tags)
      lines.push_back("Tagged " + EscapeHtml(t) + ": " + FeedLinks(c, GroupPath("tags", t)));
    out += "<p class=\"meta feeds\">";
    for (size_t i = 0; i < lines.size(); ++i) out += (i ? "<br>\n" : "") + lines[i];
    out += "</p>\n";
  }
  if (!a.author_bio.empty()) out += "<p class=\"bio\">" + EscapeHtml(a.author_bio) + "</p>\n";
  out += "</article>\n<footer><p class=\"meta\">" + Anchor(c.base_url + "/", EscapeHtml(c.title)) +
         "</p></footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace feedd::feed
