// A fast 128-bit hash (XXH3) in hex: the content hash of an article file, the ETag
// of a rendered body, the "did it change?" test of every stage. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace feedd::feed {

// 32 lowercase hex digits; the same bytes always give the same string.
std::string ContentHash(std::string_view data);

}  // namespace feedd::feed
