// The plain-text article format: what scrapers and people write by hand.
// Pure, thread-safe.
//
// Shape: an optional header block of "Key: Value" lines (Title, Author, Date,
// Category, Tags, Summary, Id, Language), then paragraphs separated by blank lines.
// Without a header the structure decides: a short first line followed by a longer
// headline is a section label (kicker); the next block is the headline; a line that
// is only a name followed by a paragraph starting with that name is the byline and
// the author's bio; a tail of teasers and relative-time lines ("2 mins ago") is the
// site's navigation. Every rule looks at lengths, positions, punctuation, digits and
// repetition, never at words of a particular language.
#pragma once

#include <cstdint>
#include <string_view>

#include "feed/fields.h"

namespace feedd::feed {

// `text` is normalized (feed/text.h). Never fails: any non-empty text has a title.
// The content is at most `max_content_bytes` of HTML (ParsedFields::content_cut).
// Linear in the size of `text`.
ParsedFields ParsePlainText(std::string_view text, uint64_t max_content_bytes = 512 * 1024);

}  // namespace feedd::feed
