// Answers one HTTP request from a snapshot: routing, conditional requests (RFC 9110
// section 13), content coding, errors. Pure: no sockets, no clock, no Beast types,
// so it is tested without a network. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/metrics.h"
#include "daemon/publish/snapshot.h"

namespace feedd::daemon {

struct HttpRequest {
  std::string_view method;  // as sent: "GET", "HEAD", ...
  std::string_view target;  // as sent: "/rss.xml?x=1"
  std::optional<std::string_view> if_none_match;
  std::optional<std::string_view> if_modified_since;
  std::optional<std::string_view> accept_encoding;
  std::optional<std::string_view> range;     // media only (RFC 9110 section 14.2)
  std::optional<std::string_view> if_range;
};

// A media file opened for one reply: the descriptor (closed with it) and what
// fstat(2) said when it was opened.
class OpenedMedia final : public BodyFile {
 public:
  OpenedMedia(int fd, uint64_t size, int64_t mtime_ns, uint64_t inode)
      : fd_(fd), size_(size), mtime_ns_(mtime_ns), inode_(inode) {}
  ~OpenedMedia() override;
  OpenedMedia(const OpenedMedia&) = delete;
  OpenedMedia& operator=(const OpenedMedia&) = delete;
  int fd() const override { return fd_; }
  uint64_t size() const { return size_; }
  int64_t mtime_ns() const { return mtime_ns_; }
  uint64_t inode() const { return inode_; }

 private:
  int fd_;
  uint64_t size_;
  int64_t mtime_ns_;
  uint64_t inode_;
};

// Opens the media files the handler serves, so the handler itself stays free of
// the file system (tests give it files of their own). Thread-safe.
class MediaOpener {
 public:
  virtual ~MediaOpener() = default;
  // root/relative_path as it is now, a regular file opened beneath root; null when
  // there is none (gone, replaced by a folder, a link out of root, unreadable).
  virtual std::shared_ptr<const OpenedMedia> Open(const std::string& root,
                                                  const std::string& relative_path) const = 0;
};

// What /healthz reports besides the snapshot.
struct HealthInfo {
  int64_t now = 0;
  bool watching = true;
  bool state_ok = true;  // the state store is being written
  const Metrics* metrics = nullptr;  // for /metrics
  uint64_t open_connections = 0;
  uint64_t refused_connections = 0;
  bool metrics_allowed = true;  // the client may read /metrics (loopback, or public)
};

struct HttpReply {
  int status = 200;
  std::string_view fields;   // prebuilt header lines from the snapshot, or static
  std::string_view last_modified;  // "Last-Modified: ...\r\n" from the resource, or empty
  std::string own_fields;    // header lines made for this reply (Allow, ...)
  std::string_view body;     // a view into the snapshot or static text
  const daemon::BodyFile* file = nullptr;  // the same bytes as a file, when there is one
  // A file opened for this reply (a media file): `file` points at it, and the body
  // is its bytes from file_offset, file_length of them (there is no `body` then).
  std::shared_ptr<const BodyFile> own_file;
  uint64_t file_offset = 0;
  uint64_t file_length = 0;
  std::string own_body;      // a body made for this reply (healthz)
  bool send_body = true;     // false for HEAD and 304: Content-Length still describes it
  std::string_view route;    // "feed", "page", "index", "health", "other": for counters
  // Keeps a resource rendered for this request (an article page) alive until the
  // reply is written; the views above may point into it.
  std::shared_ptr<const Resource> hold;

  std::string_view Body() const { return own_body.empty() ? body : std::string_view(own_body); }
  // What Content-Length says: the body's size, or the file range's.
  uint64_t ContentLength() const { return own_file ? file_length : Body().size(); }
};

// The reply to `req`. The reply's views point into `snapshot` (or static storage):
// the caller keeps the snapshot alive until the reply is written.
// Media files (/media/PATH) are opened with `media`; without one they are 404.
HttpReply HandleRequest(const daemon::Snapshot& snapshot, const HttpRequest& req,
                        const HealthInfo& health, const MediaOpener* media = nullptr);

// Replies for requests the parser rejected: 400, 413, 414, 431, 501 (always closing).
HttpReply ErrorReply(int status);

// Status line and header block, ending in an empty line. `date` is an IMF-fixdate.
void SerializeHead(const HttpReply& reply, std::string_view date, bool keep_alive, bool http10,
                   std::string* out);

std::string_view ReasonPhrase(int status);

// Pieces exposed for tests.
std::optional<std::string> DecodeTargetPath(std::string_view target, int* error_status);
bool EtagListMatches(std::string_view header, std::string_view etag);

// The content codings feedd can send, best first when the client likes them equally.
enum class Coding { kBrotli, kGzip, kIdentity };

// What an Accept-Encoding field value (RFC 9110 section 12.5.3) allows: each coding's
// q-value in thousandths, 0 = refused. A coding not named gets the q of `*`, or 0;
// identity, when named by neither, stays acceptable but least preferred. Malformed
// q-values refuse their coding. Without the field a request accepts any coding.
struct AcceptedCodings {
  int br = 1, gzip = 1, identity = 1000;  // no Accept-Encoding field

  bool Accepts(Coding c) const { return Weight(c) > 0; }
  int Weight(Coding c) const {
    return c == Coding::kBrotli ? br : c == Coding::kGzip ? gzip : identity;
  }
  // The coding to send among those the resource has (identity always): the highest
  // q, brotli before gzip before identity on a tie; identity when none is acceptable.
  Coding Pick(bool have_gzip, bool have_br) const;
};
AcceptedCodings ParseAcceptEncoding(std::string_view header);

}  // namespace feedd::daemon
