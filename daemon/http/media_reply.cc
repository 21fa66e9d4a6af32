#include "daemon/http/media_reply.h"

#include <unistd.h>

#include <charconv>
#include <optional>

#include "daemon/publish/resource.h"
#include "feed/dates.h"
#include "feed/media.h"
#include "feed/utf8.h"
#include "watcher/scan.h"

namespace feedd::daemon {

OpenedMedia::~OpenedMedia() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Decimal digits only (no sign, no space); a value too large for 64 bits saturates,
// which is past the end of any file.
std::optional<uint64_t> Digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
  }
  return v;
}

constexpr std::string_view kTextTail =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Cache-Control: no-store\r\n";

HttpReply NotFound(bool head) {
  HttpReply r;
  r.status = 404;
  r.route = "media";
  r.own_fields = std::string(kTextTail) + std::string(kSecurityFields);
  r.own_body = "404 Not Found\n";
  r.send_body = !head;
  return r;
}

}  // namespace

std::shared_ptr<const OpenedMedia> DiskMediaOpener::Open(const std::string& root,
                                                         const std::string& relative_path) const {
  watcher::ReadError error;
  std::optional<watcher::OpenedFile> f = watcher::OpenFileBeneath(root, relative_path, &error);
  if (!f) return nullptr;
  return std::make_shared<const OpenedMedia>(f->fd, f->size, f->mtime_ns, f->inode);
}

RangeOutcome EvaluateRange(std::string_view header, uint64_t size, ByteRange* range) {
  header = Trim(header);
  const size_t eq = header.find('=');
  if (eq == std::string_view::npos || !feed::EqualsIgnoreCase(Trim(header.substr(0, eq)), "bytes"))
    return RangeOutcome::kWhole;  // another unit: ignored (section 14.2)
  std::string_view set = header.substr(eq + 1);
  // Empty list members are allowed (section 5.6.1): "bytes=, 0-9".
  std::optional<std::string_view> spec;
  for (size_t start = 0; start <= set.size();) {
    size_t comma = set.find(',', start);
    if (comma == std::string_view::npos) comma = set.size();
    const std::string_view item = Trim(set.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    if (spec) return RangeOutcome::kWhole;  // several ranges: the whole file
    spec = item;
  }
  if (!spec) return RangeOutcome::kWhole;
  const size_t dash = spec->find('-');
  if (dash == std::string_view::npos) return RangeOutcome::kWhole;
  const std::string_view a = spec->substr(0, dash), b = spec->substr(dash + 1);
  if (a.empty()) {  // suffix: the last N bytes
    const std::optional<uint64_t> n = Digits(b);
    if (!n) return RangeOutcome::kWhole;
    if (*n == 0 || size == 0) return RangeOutcome::kUnsatisfiable;
    range->first = size - std::min(*n, size);
    range->last = size - 1;
    return RangeOutcome::kPartial;
  }
  const std::optional<uint64_t> first = Digits(a);
  if (!first) return RangeOutcome::kWhole;
  std::optional<uint64_t> last;
  if (!b.empty()) {
    last = Digits(b);
    if (!last || *last < *first) return RangeOutcome::kWhole;  // invalid: ignored
  }
  if (*first >= size) return RangeOutcome::kUnsatisfiable;
  range->first = *first;
  range->last = last ? std::min(*last, size - 1) : size - 1;
  return RangeOutcome::kPartial;
}

std::string MediaEtag(uint64_t size, int64_t mtime_ns, uint64_t inode) {
  std::string out = "\"";
  for (const uint64_t v : {size, static_cast<uint64_t>(mtime_ns), inode}) {
    char buf[17];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
    if (out.size() > 1) out.push_back('-');
    out.append(buf, end);
  }
  out.push_back('"');
  return out;
}

HttpReply MediaReply(const Snapshot& snap, const std::string& relative_path,
                     const HttpRequest& req, const HealthInfo& health, const MediaOpener* opener) {
  const bool head = req.method == "HEAD";
  const std::optional<feed::MediaType> type = feed::MediaTypeOf(relative_path);
  // Only what the publisher lists: media by name, not hidden, not temporary, in a
  // folder that was read. Then the file as it is now.
  if (!type || !opener || !snap.media.Find(relative_path)) return NotFound(head);
  std::shared_ptr<const OpenedMedia> file = opener->Open(snap.media_root, relative_path);
  if (!file) return NotFound(head);

  const uint64_t size = file->size();
  const std::string etag = MediaEtag(size, file->mtime_ns(), file->inode());
  int64_t modified = file->mtime_ns() / 1000000000;
  if (file->mtime_ns() < 0 && file->mtime_ns() % 1000000000 != 0) --modified;
  // A time ahead of the clock is sent as the Date (RFC 9110 section 8.8.2.1).
  const int64_t shown_modified = health.now > 0 && modified > health.now ? health.now : modified;

  HttpReply r;
  r.route = "media";
  std::string validators = "ETag: " + etag + "\r\n" + "Last-Modified: " +
                           feed::FormatHttpDate(shown_modified) + "\r\n" +
                           "Cache-Control: max-age=" + std::to_string(snap.media_max_age) + "\r\n";

  // Section 13.2.2: If-None-Match, else If-Modified-Since; then If-Range.
  bool not_modified = false;
  if (req.if_none_match) {
    not_modified = EtagListMatches(*req.if_none_match, etag);
  } else if (req.if_modified_since) {
    if (std::optional<feed::Timestamp> since = feed::ParseDate(*req.if_modified_since))
      not_modified = modified <= since->seconds;
  }
  if (not_modified) {
    r.status = 304;
    r.own_fields = std::move(validators);
    r.own_fields += "Accept-Ranges: bytes\r\n";
    r.own_fields += kSecurityFields;
    r.send_body = false;
    return r;
  }

  ByteRange range{0, size == 0 ? 0 : size - 1};
  RangeOutcome outcome = RangeOutcome::kWhole;
  // Ranges are defined for GET only (section 14.2): HEAD gets the whole file's head.
  if (req.range && !head) {
    bool current = true;
    if (req.if_range) {
      const std::string_view v = Trim(*req.if_range);
      if (!v.empty() && (v.front() == '"' || v.starts_with("W/"))) {
        current = v == etag;  // strong comparison; a weak tag never matches
      } else {
        const std::optional<feed::Timestamp> date = feed::ParseDate(v);
        current = date && date->seconds == modified;  // an exact match (section 13.1.5)
      }
    }
    if (current) outcome = EvaluateRange(*req.range, size, &range);
  }

  std::string fields = "Content-Type: " + std::string(type->mime) + "\r\n";
  fields += "Accept-Ranges: bytes\r\n";
  fields += validators;
  fields += kSecurityFields;
  if (outcome == RangeOutcome::kUnsatisfiable) {
    r.status = 416;
    r.own_fields = std::string(kTextTail) + "Content-Range: bytes */" + std::to_string(size) +
                   "\r\nAccept-Ranges: bytes\r\n" + std::string(kSecurityFields);
    r.own_body = "416 Range Not Satisfiable\n";
    r.send_body = !head;
    return r;
  }
  if (outcome == RangeOutcome::kPartial) {
    r.status = 206;
    fields += "Content-Range: bytes " + std::to_string(range.first) + "-" +
              std::to_string(range.last) + "/" + std::to_string(size) + "\r\n";
    r.file_offset = range.first;
    r.file_length = range.last - range.first + 1;
  } else {
    r.status = 200;
    r.file_offset = 0;
    r.file_length = size;
  }
  r.own_fields = std::move(fields);
  r.file = file.get();
  r.own_file = std::move(file);
  r.send_body = !head;
  return r;
}

}  // namespace feedd::daemon
