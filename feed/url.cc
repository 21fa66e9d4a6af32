#include "feed/url.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

#include "feed/media.h"

namespace feedd::feed {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The WHATWG URL parser's first steps: strip leading and trailing C0 controls and
// spaces, remove every ASCII tab and newline.
std::string Clean(std::string_view url) {
  auto c0_or_space = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!url.empty() && c0_or_space(url.front())) url.remove_prefix(1);
  while (!url.empty() && c0_or_space(url.back())) url.remove_suffix(1);
  std::string out;
  out.reserve(url.size());
  for (char c : url) {
    if (c != '\t' && c != '\n' && c != '\r') out.push_back(c);
  }
  return out;
}

// The scheme, lowercased, when `url` starts with one ("HTTPS:" -> "https"), else "".
std::string SchemeOf(std::string_view url) {
  if (url.empty() || !IsAsciiAlpha(url[0])) return "";
  for (size_t i = 1; i < url.size(); ++i) {
    const char c = url[i];
    if (c == ':') {
      std::string scheme(url.substr(0, i));
      for (char& s : scheme) s = Lower(s);
      return scheme;
    }
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'))
      return "";
  }
  return "";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = Lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}


// What a more lenient reader could take for the scheme: controls and spaces gone
// everywhere, percent-encoding decoded (twice, for "%256A").
std::string ProbeScheme(std::string_view cleaned) {
  std::string s(cleaned);
  for (int round = 0; round < 3; ++round) {
    std::string stripped;
    stripped.reserve(s.size());
    for (char c : s) {
      if (static_cast<unsigned char>(c) > 0x20 && c != 0x7F) stripped.push_back(c);
    }
    s = PercentDecode(stripped);
  }
  return SchemeOf(s);
}

// data:image/png;base64,... -> true; svg+xml, other types and malformed -> false.
bool IsRasterImageData(std::string_view url) {
  std::string_view rest = url.substr(5);  // after "data:"
  const size_t comma = rest.find(',');
  if (comma == std::string_view::npos) return false;
  std::string_view type = rest.substr(0, std::min(comma, rest.find(';')));
  while (!type.empty() && (type.front() == ' ')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ')) type.remove_suffix(1);
  std::string lower(type);
  for (char& c : lower) c = Lower(c);
  if (lower.compare(0, 6, "image/") != 0 || lower.size() == 6) return false;
  for (char c : lower.substr(6)) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'))
      return false;
  }
  return lower != "image/svg+xml";
}

// md4c-html's URL escaping: letters, digits and -_.+!*(),%#@?=;:/$& stay, and so
// does an IPv6 literal host ("http://[::1]:8080/"); every other byte is
// percent-encoded.
std::string EscapeUrl(std::string_view url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  static constexpr std::string_view kKeep = "-_.+!*(),%#@?=;:/$&";
  size_t host_begin = 0, host_end = 0;
  if (const size_t sep = url.find("://"); sep != std::string_view::npos && !SchemeOf(url).empty()) {
    const size_t close = url.find(']', sep + 3);
    if (sep + 3 < url.size() && url[sep + 3] == '[' && close != std::string_view::npos) {
      host_begin = sep + 3;
      host_end = close + 1;
    }
  }
  std::string out;
  out.reserve(url.size());
  for (size_t i = 0; i < url.size(); ++i) {
    const char c = url[i];
    const bool host_bracket = (c == '[' || c == ']') && i >= host_begin && i < host_end;
    if (std::isalnum(static_cast<unsigned char>(c)) || kKeep.find(c) != std::string_view::npos ||
        host_bracket) {
      out.push_back(c);
    } else {
      const unsigned char u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

// "https://h/a/b/../c/./d?q" -> "https://h/a/c/d?q" (RFC 3986 section 5.2.4), never
// climbing above the host. Linear in the size of `url`.
std::string RemoveDotSegments(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const size_t path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) return url;
  const size_t path_end = std::min(url.find('?', path_start), url.find('#', path_start));
  const std::string_view path = std::string_view(url).substr(
      path_start, path_end == std::string::npos ? std::string::npos : path_end - path_start);
  std::vector<std::string_view> segments;
  size_t i = 1;
  bool trailing_slash = false;
  while (i <= path.size()) {
    size_t end = path.find('/', i);
    if (end == std::string::npos) end = path.size();
    const std::string_view seg = path.substr(i, end - i);
    trailing_slash = end == path.size() && (seg == "." || seg == "..");
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (seg != ".") {
      segments.push_back(seg);
    }
    i = end + 1;
  }
  std::string out = url.substr(0, path_start);
  for (std::string_view seg : segments) {
    out.push_back('/');
    out.append(seg);
  }
  if (trailing_slash || out.size() == path_start) out += "/";
  if (path_end != std::string::npos) out += url.substr(path_end);
  return out;
}

}  // namespace

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string ResolveUrl(std::string_view url, const UrlBase& base) {
  if (url.empty() || base.site_root.empty() || !SchemeOf(url).empty() ||
      url.substr(0, 2) == "//")
    return std::string(url);
  if (!base.article_path.empty() && url[0] != '/' && url[0] != '#' && url[0] != '?') {
    // A media file beside the article: its /media/ URL (the fragment and query kept,
    // as "#t=30" for a place in an episode).
    const size_t end = url.find_first_of("?#");
    const std::string_view path = url.substr(0, end);
    if (MediaTypeOf(path)) {
      if (std::optional<std::string> file = ResolveRelativePath(base.article_path, path)) {
        std::string out = std::string(base.site_root) + MediaUrlPath(*file);
        if (end != std::string_view::npos) out += url.substr(end);
        return out;
      }
    }
  }
  if (url[0] == '/') {
    // site_root may carry a path ("https://example.org/blog"); "/x" means the origin's /x.
    const size_t scheme_end = base.site_root.find("://");
    const size_t path =
        base.site_root.find('/', scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
    return std::string(base.site_root.substr(0, path)) + std::string(url);
  }
  const std::string_view page = base.page_url.empty() ? base.site_root : base.page_url;
  if (url[0] == '#' || url[0] == '?') return std::string(page) + std::string(url);
  const size_t slash = page.find_last_of('/');
  return RemoveDotSegments(std::string(page.substr(0, slash + 1)) + std::string(url));
}

std::optional<std::string> SafeUrl(std::string_view url, UrlContext context,
                                   const UrlBase& base) {
  const std::string cleaned = Clean(url);
  const std::string scheme = SchemeOf(cleaned);
  const std::string probe = ProbeScheme(cleaned);
  auto allowed = [&](const std::string& s) {
    return s.empty() || s == "http" || s == "https" || s == "mailto" ||
           (s == "data" && context == UrlContext::kImage && IsRasterImageData(cleaned));
  };
  // A scheme hidden by encoding ("http%3A//x") is none to a browser: such a URL is
  // relative, and resolved as such.
  if (!allowed(scheme) || !allowed(probe)) return std::nullopt;
  return ResolveUrl(EscapeUrl(cleaned), base);
}

}  // namespace feedd::feed
