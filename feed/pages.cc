#include "feed/pages.h"

#include "feed/html.h"

namespace feedd::feed {
namespace {

constexpr const char* kStyle =
    "body{font:17px/1.55 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "color:#222}a{color:#0645ad}h1{line-height:1.2}.meta{color:#666;font-size:.9rem}"
    "ul.articles{list-style:none;padding:0}ul.articles li{margin:0 0 1.2rem}"
    ".bio{border-top:1px solid #ddd;margin-top:2rem;padding-top:1rem;color:#444}";

void Head(const Channel& c, const std::string& title, const std::string& lang,
          const std::string& dir, std::string* out) {
  *out += "<!DOCTYPE html>\n<html lang=\"" + EscapeHtml(lang) + "\" dir=\"" + dir + "\">\n<head>\n";
  *out += "<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  *out += "<title>" + EscapeHtml(title) + "</title>\n";
  *out += "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"" + EscapeHtml(c.title) +
          " (RSS)\" href=\"" + EscapeHtml(c.base_url) + "/rss.xml\">\n";
  *out += "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"" + EscapeHtml(c.title) +
          " (Atom)\" href=\"" + EscapeHtml(c.base_url) + "/atom.xml\">\n";
  *out += "<link rel=\"alternate\" type=\"application/feed+json\" title=\"" + EscapeHtml(c.title) +
          " (JSON Feed)\" href=\"" + EscapeHtml(c.base_url) + "/feed.json\">\n";
  *out += std::string("<style>") + kStyle + "</style>\n</head>\n";
}

std::string DateLine(const Article& a) {
  const std::string iso = FormatRfc3339(a.published);
  return "<time datetime=\"" + iso + "\">" + iso.substr(0, 10) + "</time>";
}

}  // namespace

std::string RenderIndexPage(const Channel& c, std::span<const Article* const> articles) {
  std::string out;
  Head(c, c.title, c.language.empty() ? "en" : c.language, "auto", &out);
  out += "<body>\n<header>\n<h1>" + EscapeHtml(c.title) + "</h1>\n";
  if (!c.description.empty()) out += "<p>" + EscapeHtml(c.description) + "</p>\n";
  out += "<p class=\"meta\">Subscribe: <a href=\"" + EscapeHtml(c.base_url) +
         "/rss.xml\">RSS</a> · <a href=\"" + EscapeHtml(c.base_url) + "/atom.xml\">Atom</a> · <a href=\"" +
         EscapeHtml(c.base_url) + "/feed.json\">JSON Feed</a></p>\n";
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
  out += "</ul>\n</main>\n</body>\n</html>\n";
  return out;
}

std::string RenderArticlePage(const Channel& c, const Article& a) {
  std::string out;
  const std::string lang = !a.language.empty() ? a.language : a.right_to_left ? "" : c.language;
  Head(c, a.title + " · " + c.title, lang, a.right_to_left ? "rtl" : "ltr", &out);
  out += "<body>\n<article>\n<header>\n";
  if (!a.category.empty()) out += "<p class=\"meta\">" + EscapeHtml(a.category) + "</p>\n";
  out += "<h1>" + EscapeHtml(a.title) + "</h1>\n<p class=\"meta\">";
  if (!a.author.empty()) out += "<span class=\"author\">" + EscapeHtml(a.author) + "</span> · ";
  out += DateLine(a);
  for (const std::string& t : a.tags) out += " · " + EscapeHtml(t);
  out += "</p>\n</header>\n" + a.content_html + "\n";
  if (!a.author_bio.empty()) out += "<p class=\"bio\">" + EscapeHtml(a.author_bio) + "</p>\n";
  out += "</article>\n<footer><p class=\"meta\"><a href=\"" + EscapeHtml(c.base_url) +
         "/\">" + EscapeHtml(c.title) + "</a></p></footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace feedd::feed
