#include "config/text.h"

#include <cstdio>

namespace feedd::config {

char32_t DecodeUtf8Strict(std::string_view text, size_t pos, size_t* len) {
  *len = 1;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) return b0;
  size_t n = 0;
  char32_t cp = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return kInvalidUtf8;
  }
  if (text.size() - pos < n) return kInvalidUtf8;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return kInvalidUtf8;
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kInvalidUtf8;
  *len = n;
  return cp;
}

std::string CodePointName(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

bool IsCleanSettingText(std::string_view text, bool multi_line, std::string* why) {
  for (size_t pos = 0, len = 0; pos < text.size(); pos += len) {
    const char32_t cp = DecodeUtf8Strict(text, pos, &len);
    if (cp == kInvalidUtf8) {
      const auto b = static_cast<unsigned char>(text[pos]);
      // A surrogate written in UTF-8 (ED A0..BF ..): say what it is.
      if (b == 0xED && pos + 1 < text.size() &&
          (static_cast<unsigned char>(text[pos + 1]) & 0xE0) == 0xA0) {
        *why = "contains a surrogate code point (U+D800 to U+DFFF), which is not a character";
      } else {
        *why = "is not valid UTF-8 (byte " + std::to_string(pos + 1) + ")";
      }
      return false;
    }
    if (multi_line && (cp == '\t' || cp == '\n')) continue;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      *why = "contains " + CodePointName(cp) + " (a control character)";
      return false;
    }
    if (cp == 0xFFFE || cp == 0xFFFF) {
      *why = "contains " + CodePointName(cp) + " (not a character)";
      return false;
    }
  }
  return true;
}

}  // namespace feedd::config
