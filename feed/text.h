// Turns the raw bytes of an article file into clean UTF-8 text. Pure, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::feed {

// Why bytes are not text worth publishing.
enum class TextRejection { kBinary, kEmpty };

// Detects binary data, drops a UTF-8 byte-order mark, turns CRLF and CR into LF,
// replaces invalid UTF-8 with U+FFFD (setting *had_invalid_utf8) and removes the
// characters XML 1.0 forbids. Returns std::nullopt with *err set to
// "binary data, not text" or "empty: no text" (and *why, when given) when there is
// nothing to publish.
std::optional<std::string> NormalizeText(std::string_view bytes, bool* had_invalid_utf8,
                                         std::string* err, TextRejection* why = nullptr);

}  // namespace feedd::feed
