#include "feed/html.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "feed/char_refs.h"
#include "feed/url.h"
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

std::string ParagraphsToHtml(const std::vector<std::string>& paragraphs, uint64_t max_bytes,
                             bool* cut) {
  std::string out;
  if (cut) *cut = false;
  for (const std::string& p : paragraphs) {
    const std::string escaped = EscapeHtml(p);
    const size_t open = (out.empty() ? 0 : 1) + 3;  // "\n<p>"
    if (out.size() + open + escaped.size() + 4 <= max_bytes) {
      if (!out.empty()) out.push_back('\n');
      out += "<p>";
      out += escaped;
      out += "</p>";
      continue;
    }
    if (cut) *cut = true;
    if (out.size() + open + 4 >= max_bytes) break;
    // As much of this paragraph as fits, cut between characters (and escapes).
    size_t room = max_bytes - out.size() - open - 4;
    std::string part;
    for (size_t pos = 0; pos < p.size();) {
      const size_t start = pos;
      DecodeUtf8(p, &pos);
      const std::string piece = EscapeHtml(std::string_view(p).substr(start, pos - start));
      if (piece.size() > room) break;
      part += piece;
      room -= piece.size();
    }
    if (!out.empty()) out.push_back('\n');
    out += "<p>" + part + "</p>";
    break;
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
      // Looks no further than an entity can be long: "&&&&" stays linear.
      const size_t semi = html.substr(i, 11).find(';');
      if (semi != std::string_view::npos) {
        const size_t end = i + semi;
        AppendEntity(html.substr(i + 1, end - i - 1), &out);
        i = end + 1;
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

std::vector<std::string> ParagraphTexts(std::string_view html) {
  std::vector<std::string> out;
  for (size_t pos = 0; (pos = html.find("<p>", pos)) != std::string_view::npos;) {
    const size_t end = html.find("</p>", pos);
    if (end == std::string_view::npos) break;
    out.push_back(HtmlToText(html.substr(pos + 3, end - pos - 3)));
    pos = end;
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

// One URL of an attribute value (HTML-escaped text) through the allow-list; a
// refused one becomes empty, which names the page itself and runs nothing.
std::string ResolveValue(std::string_view value, UrlContext context, const UrlBase& base) {
  std::optional<std::string> url = SafeUrl(DecodeCharacterReferences(value), context, base);
  return url ? EscapeHtml(*url) : std::string();
}

std::string ResolveSrcset(std::string_view value, const UrlBase& base) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == ',')) out.push_back(value[i++]);
    size_t end = i;
    while (end < value.size() && value[end] != ' ' && value[end] != ',') ++end;
    out += ResolveValue(value.substr(i, end - i), UrlContext::kImage, base);
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
  constexpr size_t kCount = std::size(kAttrs);
  const UrlBase base{site_root, page_url};
  // The next occurrence of each attribute, found again only once passed: one scan
  // of the fragment per attribute name, not one per attribute found.
  size_t next[kCount];
  for (size_t k = 0; k < kCount; ++k) next[k] = html.find(kAttrs[k]);
  std::string out;
  out.reserve(html.size());
  size_t i = 0;
  while (i < html.size()) {
    size_t best = std::string_view::npos, which = 0;
    for (size_t k = 0; k < kCount; ++k) {
      if (next[k] != std::string_view::npos && next[k] < i) next[k] = html.find(kAttrs[k], i);
      if (next[k] < best) best = next[k], which = k;
    }
    if (best == std::string_view::npos) break;
    const std::string_view attr = kAttrs[which];
    const size_t value_start = best + attr.size();
    const size_t value_end = html.find('"', value_start);
    if (value_end == std::string_view::npos) break;
    out.append(html.substr(i, value_start - i));
    const std::string_view value = html.substr(value_start, value_end - value_start);
    if (attr == " srcset=\"") {
      out += ResolveSrcset(value, base);
    } else {
      out += ResolveValue(value, attr == " href=\"" ? UrlContext::kLink : UrlContext::kImage,
                          base);
    }
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
