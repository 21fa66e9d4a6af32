// File names to URL slugs. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace feedd::feed {

// The slug of an article file: its name without the folder and extension, ASCII
// lowercased, every run of characters other than letters and digits (of any script)
// turned into a single '-', with no '-' at either end. A name with no letters or
// digits gets "article-" and a hash of the name, so every file has a slug.
std::string MakeSlug(std::string_view file_name);

// The same rule for any text (a category or tag name): "World News" -> "world-news".
std::string Slugify(std::string_view text);

// Percent-encodes everything outside RFC 3986's unreserved set, for URL paths.
std::string PercentEncode(std::string_view text);

}  // namespace feedd::feed
