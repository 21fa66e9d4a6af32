// Turning a rendered body into a servable resource: gzip and brotli twins, strong
// ETags from the content hash, prebuilt header fields. Pure and deterministic (the
// brotli twin is made later, by a BrotliCompressor). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/publish/snapshot.h"

namespace feedd::daemon {

inline constexpr std::string_view kRssType = "application/rss+xml; charset=utf-8";
inline constexpr std::string_view kAtomType = "application/atom+xml; charset=utf-8";
inline constexpr std::string_view kHtmlType = "text/html; charset=utf-8";
inline constexpr std::string_view kJsonFeedType = "application/feed+json";

// Sent with every response, whatever it is: no content sniffing (a feed or a text
// reply is never run as HTML), and no full URLs in Referer to other sites.
inline constexpr std::string_view kSecurityFields =
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: strict-origin-when-cross-origin\r\n";
// Sent with every HTML page: feedd's pages need no script at all, so none may run,
// whatever an article smuggles in; images from anywhere, inline styles only, no
// <base>, no forms; audio and video (an episode's player) from anywhere.
inline constexpr std::string_view kHtmlPolicyField =
    "Content-Security-Policy: default-src 'none'; img-src * data:; media-src *; "
    "style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'\r\n";

// gzip (RFC 1952) of `data` at level 6, with no name and a zero time in the header,
// so the same input always gives the same bytes.
std::string Gzip(std::string_view data);

// brotli (RFC 7932) of `data` at `quality` (0-11), the window fitted to the body.
// Deterministic. Nullopt when `cancel` turned true before the end.
std::optional<std::string> Brotli(std::string_view data, int quality,
                                  const std::atomic<bool>* cancel = nullptr);

// The quality the brotli twin of a body of `size` bytes is made at; see the figures
// in resource.cc.
int BrotliQualityFor(size_t size);

// The quality of the twins made at once, for the cold resources (article pages,
// later index pages, category, tag and archive feeds: made on demand and read
// rarely), so that every resource has one and a static copy of the output folder
// sends feedd's bytes. Never dearer than the gzip twin (zlib level 6), measured on
// bench/scale's corpus here: a 7 KB page at 5 takes 150 us (zlib 181 us) and is
// 12% smaller than gzip; a 217 KB category feed at 5 takes 5.6 ms (zlib 6.7 ms), at
// 3 2.1 ms for gzip's size, so above 64 KB it is 3. (The best quality costs ~50
// times as much: only the hot resources get it, made later.)
int ColdBrotliQualityFor(size_t size);

class BrotliCompressor;

// `last_modified` 0 means none is sent. With `zero_copy`, bodies of at least
// kZeroCopyMin bytes are also put in a file (see SetBodyFileFolder) so the server can sendfile(2)
// them (used for the few hot resources: the feeds and the index; not for every
// article page, which would cost two descriptors each). With `brotli`, the brotli
// twin is queued there and appears on the resource when made (the hot resources);
// without, one is made at once at ColdBrotliQualityFor.
std::shared_ptr<const daemon::Resource> MakeResource(std::string body, std::string_view content_type,
                                                   int64_t last_modified, int cache_max_age,
                                                   bool zero_copy = false,
                                                   std::string_view cache_control = {},
                                                   std::string_view extra_fields = {},
                                                   BrotliCompressor* brotli = nullptr);

// The brotli twin of `res`, whose header fields `rep` already holds (its body is
// empty): compresses the identity body into it, with a body file when `zero_copy`
// (as MakeResource), and returns it; null when cancelled. Slow: the
// BrotliCompressor calls it.
std::unique_ptr<const daemon::Representation> CompleteBrotliTwin(
    const daemon::Resource& res, std::unique_ptr<daemon::Representation> rep, bool zero_copy,
    const std::atomic<bool>* cancel = nullptr);

inline constexpr size_t kZeroCopyMin = 16 * 1024;

// Keeps the zero-copy bodies in unnamed files (O_TMPFILE) in `folder` instead of
// memfds. sendfile(2) from a disk file system's page cache, which holds large
// folios, costs the kernel fewer page lookups per response than from shmem, which
// holds 4 KiB pages unless transparent huge pages are on for it: on a 6.18 kernel
// with ext4, 1.1 to 1.5 times the request rate for a 150 KB feed (bench/README.md).
// The files are never linked into the folder and vanish with their last snapshot.
// Empty `folder`: memfds. Returns false with *err when the folder cannot hold such
// files (memfds are used then). Call once at startup, before any resource is made.
bool SetBodyFileFolder(const std::string& folder, std::string* err);

// The body file MakeResource would use for `data`, for tests.
std::shared_ptr<const daemon::BodyFile> MakeBodyFileForTest(std::string_view data);

}  // namespace feedd::daemon
