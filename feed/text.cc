#include "feed/text.h"

#include "feed/utf8.h"

namespace feedd::feed {
namespace {

// Looks at the start of the file as git and file(1) do: text has no NUL bytes to
// speak of, few control characters and mostly valid UTF-8.
bool LooksBinary(std::string_view bytes) {
  const std::string_view sample = bytes.substr(0, 8192);
  size_t nul = 0, control = 0, invalid = 0;
  for (size_t pos = 0; pos < sample.size();) {
    const size_t start = pos;
    const char32_t cp = DecodeUtf8(sample, &pos);
    if (cp == 0) {
      ++nul;
    } else if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' && cp != '\f') {
      ++control;
    } else if (cp == kReplacementChar && pos - start == 1 && pos < sample.size() - 3) {
      ++invalid;  // a sequence cut by the sample's end is not counted
    }
  }
  // A stray NUL or control character in a short text is tolerated (and stripped).
  const size_t n = sample.size();
  return nul > n / 100 + 1 || control > n / 10 + 2 || invalid * 10 > n * 3;
}

}  // namespace

std::optional<std::string> NormalizeText(std::string_view bytes, bool* had_invalid_utf8,
                                         std::string* err, TextRejection* why) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  if (LooksBinary(bytes)) {
    *err = "binary data, not text";
    if (why) *why = TextRejection::kBinary;
    return std::nullopt;
  }
  std::string unix_lines;
  unix_lines.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\r') {
      unix_lines.push_back('\n');
      if (i + 1 < bytes.size() && bytes[i + 1] == '\n') ++i;
    } else {
      unix_lines.push_back(bytes[i]);
    }
  }
  bool invalid = false;
  std::string text = SanitizeUtf8(unix_lines, &invalid);
  if (had_invalid_utf8) *had_invalid_utf8 = invalid;
  if (Trim(text).empty()) {
    *err = "empty: no text";
    if (why) *why = TextRejection::kEmpty;
    return std::nullopt;
  }
  return text;
}

}  // namespace feedd::feed
