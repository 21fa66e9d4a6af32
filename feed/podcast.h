// What a podcast feed needs beyond RSS: Apple's category list and the
// Podcasting 2.0 guid. Pure. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace feedd::feed {

// Whether `category` ("Technology") and `subcategory` ("" or "Tech News" under
// "News") are in Apple Podcasts' list (podcasters.apple.com, "Apple Podcasts
// categories"), compared exactly as Apple spells them ("Society & Culture").
bool IsPodcastCategory(std::string_view category, std::string_view subcategory);

// Podcasting 2.0's <podcast:guid>: the UUID version 5 (RFC 4122, SHA-1) of the feed
// URL without its scheme and trailing slashes, in the namespace
// ead4c236-bf58-58c6-a2c6-a6b28d128cb6; lowercase with hyphens.
// "https://mp3s.nashownotes.com/pc20rss.xml" -> "917393e3-1b1e-5cef-ace4-edaa54e1f810".
std::string PodcastGuid(std::string_view feed_url);

// Whether `text` is a UUID in its hyphenated form, either case (for a configured guid).
bool IsUuid(std::string_view text);

// SHA-1 (FIPS 180-4) of `data`: 20 raw bytes. For UUID v5 only: not for security.
std::string Sha1(std::string_view data);

}  // namespace feedd::feed
