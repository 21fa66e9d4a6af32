#include "feed/slug.h"

#include <cstdint>
#include <cstdio>

#include "feed/utf8.h"

namespace feedd::feed {
namespace {

// Punctuation, symbols and invisible characters outside ASCII that separate words
// in a name: Latin-1 punctuation, general punctuation (dashes, quotes, zero-width
// characters), CJK and fullwidth punctuation, and the Arabic comma and semicolon.
bool IsNonAsciiSeparator(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
         (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x20A0 && cp <= 0x2BFF) ||
         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || cp == 0x060C ||
         cp == 0x061B || cp == 0x061F || cp == 0x066A || cp == 0x066B || cp == 0x066C ||
         cp == 0x06D4 || cp == 0xFEFF || cp == kReplacementChar;
}

}  // namespace

std::string MakeSlug(std::string_view file_name) {
  const size_t slash = file_name.find_last_of('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  const size_t dot = file_name.find_last_of('.');
  const std::string_view stem = dot == std::string_view::npos || dot == 0
                                    ? file_name
                                    : file_name.substr(0, dot);
  std::string slug = Slugify(stem);
  if (slug.empty()) {
    uint32_t h = 2166136261u;  // FNV-1a: stable across runs and machines
    for (unsigned char c : file_name) h = (h ^ c) * 16777619u;
    char buf[32];
    std::snprintf(buf, sizeof buf, "article-%08x", h);
    slug = buf;
  }
  return slug;
}

std::string Slugify(std::string_view stem) {
  std::string slug;
  bool pending_dash = false;
  for (size_t pos = 0; pos < stem.size();) {
    const size_t start = pos;
    const char32_t cp = DecodeUtf8(stem, &pos);
    const bool ascii_alnum = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                             (cp >= '0' && cp <= '9');
    const bool keep = ascii_alnum || (cp >= 0x80 && !IsNonAsciiSeparator(cp) && !IsSpace(cp));
    if (!keep) {
      pending_dash = !slug.empty();
      continue;
    }
    if (pending_dash) slug.push_back('-');
    pending_dash = false;
    if (cp >= 'A' && cp <= 'Z') {
      slug.push_back(static_cast<char>(cp - 'A' + 'a'));
    } else {
      slug.append(stem.substr(start, pos - start));
    }
  }
  return slug;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace feedd::feed
