// Checks on the text of settings: strict UTF-8 decoding, and whether a configured
// string may reach a feed or a page. Pure. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace feedd::config {

inline constexpr char32_t kInvalidUtf8 = 0xFFFFFFFF;

// Decodes the code point that starts at text[pos] (pos < text.size()) and sets *len
// to its length in bytes. Strict: overlong forms, surrogates (U+D800 to U+DFFF),
// values above U+10FFFF and truncated sequences are invalid: returns kInvalidUtf8
// with *len = 1.
char32_t DecodeUtf8Strict(std::string_view text, size_t pos, size_t* len);

// "U+0001".
std::string CodePointName(char32_t cp);

// Whether a configured string (a title, an author, a URL...) may go into XML and
// HTML as it is. Refused: invalid UTF-8 (lone surrogates included), the C0 controls
// (U+0000 to U+001F) but tab and line feed where `multi_line`, DEL (U+007F), the C1
// controls (U+0080 to U+009F), and the non-characters U+FFFE and U+FFFF. On refusal
// returns false with *why set to "contains U+0001 (a control character)" or "is not
// valid UTF-8 (byte 4)".
bool IsCleanSettingText(std::string_view text, bool multi_line, std::string* why);

}  // namespace feedd::config
