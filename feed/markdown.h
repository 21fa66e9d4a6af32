// The Markdown article format as Jekyll and Hugo write it: optional YAML front
// matter between "---" lines, then a CommonMark (GitHub dialect) body rendered
// with md4c. Raw HTML in the body is escaped, not passed through. Pure, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "feed/fields.h"

namespace feedd::feed {

// `text` is normalized (feed/text.h). On a front matter error returns std::nullopt
// with *err set to "line N: front matter: what".
std::optional<ParsedFields> ParseMarkdown(std::string_view text, std::string* err);

}  // namespace feedd::feed
