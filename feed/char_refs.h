// HTML character references ("&amp;", "&#106;", "&#x6A;", "&colon;"), decoded as
// the HTML5 specification and browsers do. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace feedd::feed {

// Appends the text of one complete reference `ref`, from '&' to ';' inclusive (the
// form md4c reports as MD_TEXT_ENTITY), to *out. A numeric reference to 0, to a
// surrogate or beyond U+10FFFF gives U+FFFD. Returns false, appending nothing, for
// an unknown name or a malformed reference.
bool AppendCharacterReference(std::string_view ref, std::string* out);

// `text` as a browser reads an HTML attribute value: every character reference
// decoded, numeric ones also without their ';', the legacy named ones ("&amp",
// "&lt") without ';' unless followed by a letter, digit or '=' (HTML5 13.2.5.73).
// Linear in the size of `text`.
std::string DecodeCharacterReferences(std::string_view text);

}  // namespace feedd::feed
