// Replies for media files (/media/PATH): byte ranges (RFC 9110 section 14),
// validators from the file's identity, conditional requests. Pure apart from the
// MediaOpener it is given. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/http/handler.h"

namespace feedd::daemon {

struct ByteRange {
  uint64_t first = 0, last = 0;  // inclusive
};

enum class RangeOutcome {
  kWhole,          // no Range, another unit, a malformed one, or several ranges: 200
  kPartial,        // one satisfiable range: 206 with *range
  kUnsatisfiable,  // 416 with Content-Range: bytes */SIZE
};

// What a Range field value asks of a representation of `size` bytes. One range
// ("bytes=0-99", "bytes=100-", "bytes=-500") is served; several are answered with
// the whole file (RFC 9110 section 14.2 allows it), which every podcast client takes.
RangeOutcome EvaluateRange(std::string_view header, uint64_t size, ByteRange* range);

// The strong ETag of a file with this identity: "SIZE-MTIME-INODE" in hex. A
// replaced file (a new inode), a rewritten one (a new time) or a truncated one has
// a new tag.
std::string MediaEtag(uint64_t size, int64_t mtime_ns, uint64_t inode);

// The reply for the media file at `relative_path` (decoded, in the input folder)
// of `snap`, for GET or HEAD. 404 when the snapshot does not list it or `opener`
// cannot open it now.
HttpReply MediaReply(const Snapshot& snap, const std::string& relative_path,
                     const HttpRequest& req, const HealthInfo& health, const MediaOpener* opener);

// The server's opener: the file beneath the folder on disk (watcher::OpenFileBeneath).
class DiskMediaOpener final : public MediaOpener {
 public:
  std::shared_ptr<const OpenedMedia> Open(const std::string& root,
                                          const std::string& relative_path) const override;
};

}  // namespace feedd::daemon
