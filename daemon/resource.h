// Turning a rendered body into a servable resource: gzip twin, strong ETags from
// the content hash, prebuilt header fields. Pure and deterministic. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "feed/snapshot.h"

namespace feedd::daemon {

inline constexpr std::string_view kRssType = "application/rss+xml; charset=utf-8";
inline constexpr std::string_view kAtomType = "application/atom+xml; charset=utf-8";
inline constexpr std::string_view kHtmlType = "text/html; charset=utf-8";
inline constexpr std::string_view kJsonFeedType = "application/feed+json";

// gzip (RFC 1952) of `data` at level 6, with no name and a zero time in the header,
// so the same input always gives the same bytes.
std::string Gzip(std::string_view data);

// A 128-bit hash of `data` in hex: the ETag of a body, the content hash of a file.
std::string ContentHash(std::string_view data);

// `last_modified` 0 means none is sent. With `zero_copy`, bodies of at least
// kZeroCopyMin bytes are also put in a sealed memfd so the server can sendfile(2)
// them (used for the few hot resources: the feeds and the index; not for every
// article page, which would cost two descriptors each).
std::shared_ptr<const feed::Resource> MakeResource(std::string body, std::string_view content_type,
                                                   int64_t last_modified, int cache_max_age,
                                                   bool zero_copy = false,
                                                   std::string_view cache_control = {},
                                                   std::string_view extra_fields = {});

inline constexpr size_t kZeroCopyMin = 16 * 1024;

}  // namespace feedd::daemon
