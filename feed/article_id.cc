#include "feed/article_id.h"

#include "feed/slug.h"

namespace feedd::feed {
namespace {

bool IsAlpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool IsHex(unsigned char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Whether the byte at s[i] is one no IRI may hold (RFC 3987 section 2.2, RFC 3986
// section 2): space, C0 controls and DEL, the characters excluded from URIs, a '%'
// that starts no percent-encoded byte, and the C1 controls U+0080 to U+009F
// (0xC2 0x80 to 0xC2 0x9F in UTF-8).
bool Forbidden(std::string_view s, size_t i) {
  const auto byte = [&](size_t j) { return static_cast<unsigned char>(s[j]); };
  const unsigned char c = byte(i);
  if (c <= 0x20 || c == 0x7F) return true;
  if (std::string_view("<>\"{}|\\^`").find(static_cast<char>(c)) != std::string_view::npos)
    return true;
  if (c == '%') return i + 2 >= s.size() || !IsHex(byte(i + 1)) || !IsHex(byte(i + 2));
  if (c == 0xC2) return i + 1 < s.size() && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9F;
  return false;
}

}  // namespace

bool IsAbsoluteIri(std::string_view id) {
  const size_t colon = id.find(':');
  if (colon == std::string_view::npos || colon == 0 || !IsAlpha(static_cast<unsigned char>(id[0])))
    return false;
  for (size_t i = 1; i < colon; ++i) {
    const unsigned char c = static_cast<unsigned char>(id[i]);
    if (!IsAlpha(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (Forbidden(id, i)) return false;
  }
  return true;
}

std::string AtomEntryId(const std::string& id) {
  // PercentEncode keeps exactly ALPHA / DIGIT / "-._~" and writes uppercase hex;
  // "~" is encoded too, as RFC 2141 (which the W3C validator follows) has no place
  // for it in a URN.
  if (IsAbsoluteIri(id)) return id;
  std::string out = "urn:feedd:";
  for (char c : PercentEncode(id)) {
    if (c == '~') {
      out += "%7E";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace feedd::feed
