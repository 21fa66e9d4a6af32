#include "feed/utf8.h"

namespace feedd::feed {

char32_t DecodeUtf8(std::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const size_t i = *pos;
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    *pos = i + 1;
    return kReplacementChar;
  }
  if (i + len > text.size()) {
    *pos = i + 1;
    return kReplacementChar;
  }
  for (int k = 1; k < len; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      *pos = i + 1;
      return kReplacementChar;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *pos = i + 1;
    return kReplacementChar;
  }
  *pos = i + len;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsXmlChar(char32_t cp) {
  if (cp == 0x9 || cp == 0xA || cp == 0xD) return true;
  if (cp >= 0x20 && cp <= 0xD7FF) return true;
  if (cp >= 0xE000 && cp <= 0xFFFD) return true;
  return cp >= 0x10000 && cp <= 0x10FFFF;
}

std::string SanitizeUtf8(std::string_view text, bool* had_invalid) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    const char32_t cp = DecodeUtf8(text, &pos);
    if (cp == kReplacementChar && !(pos - start == 3 && text.substr(start, 3) == "\xEF\xBF\xBD")) {
      if (had_invalid) *had_invalid = true;
    }
    if (!IsXmlChar(cp)) continue;
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp == kReplacementChar) {
      AppendUtf8(cp, &out);
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  return out;
}

size_t CountCodePoints(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

bool IsDigit(char32_t cp) {
  static constexpr char32_t kZeros[] = {0x30,  0x660, 0x6F0, 0x966, 0x9E6,
                                        0xE50, 0xFF10};
  for (char32_t zero : kZeros) {
    if (cp >= zero && cp <= zero + 9) return true;
  }
  return false;
}

bool IsSentenceEnd(char32_t cp) {
  switch (cp) {
    case U'.': case U'!': case U'?': case U'\u2026':  // …
    case U'\u061F': case U'\u06D4':                   // Arabic question mark, full stop
    case U'\u3002': case U'\uFF01': case U'\uFF1F':  // CJK
    case U'\u0964': case U'\u0965':                   // Devanagari danda
      return true;
    default:
      return false;
  }
}

bool IsSpace(char32_t cp) {
  return cp == U' ' || cp == U'\t' || cp == U'\n' || cp == U'\r' || cp == U'\f' ||
         cp == U'\v' || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
         cp == 0xFEFF;
}

char32_t LastCodePoint(std::string_view text) {
  if (text.empty()) return 0;
  size_t start = text.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  size_t pos = start;
  return DecodeUtf8(text, &pos);
}

namespace {

bool IsCloser(char32_t cp) {
  switch (cp) {
    case U'"': case U'\'': case U')': case U']': case U'}':
    case U'\u201D': case U'\u2019': case U'\u00BB': case U'\u203A':  // ” ’ » ›
    case U'\u300D': case U'\u300F': case U'\u3009': case U'\u300B':  // 」 』 〉 》
    case U'\u3011': case U'\u3015': case U'\u3017': case U'\u3019':  // 】 〕 〗 〙
    case U'\uFF09': case U'\uFF3D': case U'\uFF5D': case U'\uFF63':  // ） ］ ｝ ｣
    case U'\uFE42': case U'\uFE44': case U'\u201C': case U'\u00AB':  // ﹂ ﹄; “ « close in some languages
      return true;
    default:
      return false;
  }
}

}  // namespace

char32_t LastCodePointBeforeClosers(std::string_view text) {
  for (int closers = 0; !text.empty() && closers < 8; ++closers) {
    size_t start = text.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    size_t pos = start;
    const char32_t cp = DecodeUtf8(text, &pos);
    if (!IsCloser(cp)) return cp;
    text.remove_suffix(text.size() - start);
  }
  return text.empty() ? 0 : LastCodePoint(text);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    size_t next = begin;
    if (!IsSpace(DecodeUtf8(text, &next))) break;
    begin = next;
  }
  size_t end = text.size();
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    size_t pos = start;
    if (!IsSpace(DecodeUtf8(text, &pos))) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

}  // namespace feedd::feed
