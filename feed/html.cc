#include "feed/html.h"

#include <algorithm>
#include <cctype>

#include "feed/utf8.h"

namespace feedd::feed {

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string ParagraphsToHtml(const std::vector<std::string>& paragraphs) {
  std::string out;
  for (const std::string& p : paragraphs) {
    if (!out.empty()) out.push_back('\n');
    out += "<p>";
    out += EscapeHtml(p);
    out += "</p>";
  }
  return out;
}

namespace {

void AppendEntity(std::string_view entity, std::string* out) {
  static constexpr struct { const char* name; const char* text; } kNamed[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}};
  for (const auto& e : kNamed) {
    if (entity == e.name) {
      *out += e.text;
      return;
    }
  }
  if (entity.size() > 1 && entity[0] == '#') {
    const bool hex = entity[1] == 'x' || entity[1] == 'X';
    char32_t cp = 0;
    bool ok = entity.size() > (hex ? 2u : 1u);
    for (size_t i = hex ? 2 : 1; ok && i < entity.size(); ++i) {
      const char c = entity[i];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        cp = cp * (hex ? 16 : 10) + (c - '0');
      } else if (hex && std::isxdigit(static_cast<unsigned char>(c))) {
        cp = cp * 16 + (std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
      } else {
        ok = false;
      }
      if (cp > 0x10FFFF) ok = false;
    }
    if (ok && IsXmlChar(cp)) {
      AppendUtf8(cp, out);
      return;
    }
  }
  *out += '&';
  *out += entity;
  *out += ';';
}

bool IsBlockTag(std::string_view tag) {
  if (!tag.empty() && tag.front() == '/') tag.remove_prefix(1);
  const size_t end = tag.find_first_of(" \t\n/");
  tag = tag.substr(0, end);
  static constexpr std::string_view kBlock[] = {
      "p",  "br", "li", "ul", "ol", "h1", "h2",         "h3",    "h4",  "h5", "h6", "div",
      "tr", "td", "th", "hr", "pre", "blockquote", "table", "img", "dd", "dt"};
  for (std::string_view b : kBlock) {
    if (tag == b) return true;
  }
  return false;
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < html.size();) {
    const char c = html[i];
    if (c == '<') {
      const size_t end = html.find('>', i);
      if (end == std::string_view::npos) break;
      // Block tags separate words ("<li>a</li><li>b</li>"); inline tags do not ("<em>a</em>b").
      space = space || IsBlockTag(html.substr(i + 1, end - i - 1));
      i = end + 1;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = true;
      ++i;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    if (c == '&') {
      const size_t semi = html.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 10) {
        AppendEntity(html.substr(i + 1, semi - i - 1), &out);
        i = semi + 1;
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

std::string FirstParagraphText(std::string_view html) {
  const size_t open = html.find("<p>");
  if (open == std::string_view::npos) return "";
  const size_t close = html.find("</p>", open);
  const size_t end = close == std::string_view::npos ? html.size() : close;
  return HtmlToText(html.substr(open + 3, end - open - 3));
}

namespace {

bool HasScheme(std::string_view url) {
  for (size_t i = 0; i < url.size(); ++i) {
    const char c = url[i];
    if (c == ':') return i > 0;
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'))
      return false;
  }
  return false;
}

// "https://h/a/b/../c/./d?q" -> "https://h/a/c/d?q" (RFC 3986 section 5.2.4), never
// climbing above the host.
std::string RemoveDotSegments(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const size_t path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) return url;
  const size_t path_end = std::min(url.find('?', path_start), url.find('#', path_start));
  const std::string path = url.substr(path_start, path_end == std::string::npos
                                                      ? std::string::npos
                                                      : path_end - path_start);
  std::vector<std::string> segments;
  size_t i = 1;
  bool trailing_slash = false;
  while (i <= path.size()) {
    size_t end = path.find('/', i);
    if (end == std::string::npos) end = path.size();
    const std::string seg = path.substr(i, end - i);
    trailing_slash = end == path.size() && (seg == "." || seg == "..");
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (seg != ".") {
      segments.push_back(seg);
    }
    i = end + 1;
  }
  std::string out = url.substr(0, path_start);
  for (const std::string& seg : segments) out += "/" + seg;
  if (trailing_slash || out.size() == path_start) out += "/";
  if (path_end != std::string::npos) out += url.substr(path_end);
  return out;
}

std::string Resolve(std::string_view url, std::string_view site_root,
                    std::string_view page_url) {
  if (url.empty() || HasScheme(url) || url.substr(0, 2) == "//") return std::string(url);
  if (url[0] == '/') {
    // site_root may carry a path ("https://example.org/blog"); "/x" means the origin's /x.
    const size_t scheme_end = site_root.find("://");
    const size_t path =
        site_root.find('/', scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
    return std::string(site_root.substr(0, path)) + std::string(url);
  }
  if (url[0] == '#' || url[0] == '?') return std::string(page_url) + std::string(url);
  const size_t slash = page_url.find_last_of('/');
  return RemoveDotSegments(std::string(page_url.substr(0, slash + 1)) + std::string(url));
}

std::string ResolveSrcset(std::string_view value, std::string_view site_root,
                          std::string_view page_url) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == ',')) out.push_back(value[i++]);
    size_t end = i;
    while (end < value.size() && value[end] != ' ' && value[end] != ',') ++end;
    out += Resolve(value.substr(i, end - i), site_root, page_url);
    i = end;
    while (i < value.size() && value[i] != ',') out.push_back(value[i++]);
  }
  return out;
}

}  // namespace

std::string AbsolutizeUrls(std::string_view html, std::string_view site_root,
                           std::string_view page_url) {
  static constexpr std::string_view kAttrs[] = {" href=\"", " src=\"", " srcset=\"",
                                                " poster=\""};
  std::string out;
  out.reserve(html.size());
  size_t i = 0;
  while (i < html.size()) {
    size_t best = std::string_view::npos;
    std::string_view attr;
    for (std::string_view a : kAttrs) {
      const size_t at = html.find(a, i);
      if (at < best) best = at, attr = a;
    }
    if (best == std::string_view::npos) break;
    const size_t value_start = best + attr.size();
    const size_t value_end = html.find('"', value_start);
    if (value_end == std::string_view::npos) break;
    out.append(html.substr(i, value_start - i));
    // Values are HTML-escaped; URLs never need the escaped characters decoded to resolve.
    const std::string_view value = html.substr(value_start, value_end - value_start);
    out += attr == " srcset=\"" ? ResolveSrcset(value, site_root, page_url)
                                : Resolve(value, site_root, page_url);
    i = value_end;
  }
  out.append(html.substr(i));
  return out;
}

std::string Summarize(std::string_view text, size_t max_chars) {
  std::string flat;
  bool space = false;
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    const char32_t cp = DecodeUtf8(text, &pos);
    if (IsSpace(cp)) {
      space = !flat.empty();
      continue;
    }
    if (space) flat.push_back(' ');
    space = false;
    flat.append(text.substr(start, pos - start));
  }
  if (CountCodePoints(flat) <= max_chars) return flat;
  size_t pos = 0, count = 0, last_space = std::string::npos;
  while (pos < flat.size() && count < max_chars) {
    if (flat[pos] == ' ') last_space = pos;
    DecodeUtf8(flat, &pos);
    ++count;
  }
  if (pos < flat.size() && flat[pos] == ' ') last_space = pos;
  // Cut at the last word boundary unless that would drop most of the text (one huge word).
  const size_t cut = last_space != std::string::npos && last_space > pos / 2 ? last_space : pos;
  std::string out = flat.substr(0, cut);
  while (!out.empty() && (out.back() == ',' || out.back() == ';' || out.back() == ':'))
    out.pop_back();
  return out + "\u2026";
}

}  // namespace feedd::feed
