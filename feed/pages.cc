#include "feed/pages.h"

#include <tuple>

#include "feed/html.h"
#include "feed/slug.h"

namespace feedd::feed {
namespace {

constexpr const char* kStyle =
    "body{font:17px/1.55 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "color:#222}a{color:#0645ad}h1{line-height:1.2}.meta{color:#666;font-size:.9rem}"
    "ul.articles{list-style:none;padding:0}ul.articles li{margin:0 0 1.2rem}"
    ".bio{border-top:1px solid #ddd;margin-top:2rem;padding-top:1rem;color:#444}";

void Head(const Channel& c, const std::string& title, const std::string& lang,
          const std::string& dir, std::string* out, const Article* article = nullptr) {
  *out += "<!DOCTYPE html>\n<html lang=\"" + EscapeHtml(lang) + "\" dir=\"" + dir + "\">\n<head>\n";
  *out += "<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  *out += "<title>" + EscapeHtml(title) + "</title>\n";
  if (article) {  // Open Graph, for link previews in chats and social sites
    auto meta = [&](const char* property, const std::string& content) {
      if (content.empty()) return;
      *out += "<meta property=\"" + std::string(property) + "\" content=\"" + EscapeHtml(content) +
              "\">\n";
    };
    meta("og:type", "article");
    meta("og:title", article->title);
    meta("og:url", article->link);
    meta("og:description", article->summary);
    meta("og:site_name", c.title);
    meta("og:locale", article->language);
    meta("article:published_time", FormatRfc3339(article->published));
    meta("article:modified_time", FormatRfc3339(article->updated));
    meta("article:author", article->author);
    meta("article:section", article->category);
    for (const std::string& t : article->tags) meta("article:tag", t);
    *out += "<meta name=\"description\" content=\"" + EscapeHtml(article->summary) + "\">\n";
    *out += "<link rel=\"canonical\" href=\"" + EscapeHtml(article->link) + "\">\n";
  }
  *out += "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"" + EscapeHtml(c.title) +
          " (RSS)\" href=\"" + EscapeHtml(c.base_url) + "/rss.xml\">\n";
  *out += "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"" + EscapeHtml(c.title) +
          " (Atom)\" href=\"" + EscapeHtml(c.base_url) + "/atom.xml\">\n";
  *out += "<link rel=\"alternate\" type=\"application/feed+json\" title=\"" + EscapeHtml(c.title) +
          " (JSON Feed)\" href=\"" + EscapeHtml(c.base_url) + "/feed.json\">\n";
  *out += std::string("<style>") + kStyle + "</style>\n</head>\n";
}

// "RSS · Atom · JSON Feed" links for the feeds under `path` ("" or "/tags/x").
std::string FeedLinks(const Channel& c, const std::string& path) {
  const std::string base = EscapeHtml(c.base_url + path);
  return "<a href=\"" + base + "/rss.xml\">RSS</a> · <a href=\"" + base +
         "/atom.xml\">Atom</a> · <a href=\"" + base + "/feed.json\">JSON Feed</a>";
}

std::string GroupPath(std::string_view kind, const std::string& name) {
  return "/" + std::string(kind) + "/" + PercentEncode(Slugify(name));
}

std::string DateLine(const Article& a) {
  const std::string iso = FormatRfc3339(a.published);
  return "<time datetime=\"" + iso + "\">" + iso.substr(0, 10) + "</time>";
}

}  // namespace

std::string RenderIndexPage(const Channel& c, std::span<const Article* const> articles,
                            const std::vector<std::string>& categories,
                            const std::vector<std::string>& tags) {
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
    out += "><a href=\"" + EscapeHtml(a->link) + "\">" + EscapeHtml(a->title) + "</a><br>\n";
    out += "<span class=\"meta\">" + DateLine(*a);
    if (!a->author.empty()) out += " · " + EscapeHtml(a->author);
    if (!a->category.empty()) out += " · " + EscapeHtml(a->category);
    out += "</span>";
    if (!a->summary.empty()) out += "<br>\n" + EscapeHtml(a->summary);
    out += "</li>\n";
  }
  out += "</ul>\n</main>\n";
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
  out += "</p>\n</header>\n" + a.content_html + "\n";
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
  out += "</article>\n<footer><p class=\"meta\"><a href=\"" + EscapeHtml(c.base_url) +
         "/\">" + EscapeHtml(c.title) + "</a></p></footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace feedd::feed
