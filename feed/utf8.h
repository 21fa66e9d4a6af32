// UTF-8 helpers shared by the parsers and writers. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace feedd::feed {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes the code point at text[*pos] and advances *pos past it. An invalid or
// truncated sequence yields kReplacementChar and advances by one byte.
char32_t DecodeUtf8(std::string_view text, size_t* pos);

// Appends the UTF-8 encoding of `cp` to *out.
void AppendUtf8(char32_t cp, std::string* out);

// True when XML 1.0 allows `cp` in a document (tab, LF, CR, and the Char production).
bool IsXmlChar(char32_t cp);

// Returns `text` with invalid UTF-8 replaced by U+FFFD and the characters XML 1.0
// forbids removed. Sets *had_invalid (when given) if any byte sequence was invalid.
std::string SanitizeUtf8(std::string_view text, bool* had_invalid = nullptr);

// Number of code points in valid UTF-8 text.
size_t CountCodePoints(std::string_view text);

// True for a decimal digit in any of the common scripts (ASCII, Arabic-Indic,
// Extended Arabic-Indic, Devanagari, Bengali, Thai, fullwidth).
bool IsDigit(char32_t cp);

// True for sentence-final punctuation in common scripts (. ! ? … and their
// Arabic, CJK and Devanagari forms).
bool IsSentenceEnd(char32_t cp);

// True for white space, including no-break and ideographic spaces.
bool IsSpace(char32_t cp);

// Last code point of valid UTF-8 text, or 0 when empty.
char32_t LastCodePoint(std::string_view text);

// The last code point of `text` before any closing quotes and brackets (" ' ” ’ »
// › 」 』 ） ) ] 】 》 〉 and the like): the punctuation a quoted sentence ends
// with ("...open in May." → '.'; 「…です。」 → '。'). 0 for empty text.
char32_t LastCodePointBeforeClosers(std::string_view text);

// ASCII case-insensitive equality (for protocol tokens: month names, HTTP schemes).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Removes leading and trailing white space (ASCII and Unicode spaces).
std::string_view Trim(std::string_view text);

}  // namespace feedd::feed
