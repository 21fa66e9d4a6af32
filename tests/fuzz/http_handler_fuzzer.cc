// The pure HTTP handler on any request: the input's fields, split at '\n', are the
// method, the target, and If-None-Match, If-Modified-Since, Accept-Encoding, Range
// and If-Range (each present when its line is there and does not start with '-').
// The reply is always a known status, and its body what the status allows; a media
// reply's range lies inside its file.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "daemon/http/handler.h"
#include "daemon/http/media_reply.h"
#include "daemon/publish/resource.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

const feedd::daemon::Snapshot& TheSnapshot() {
  static const feedd::daemon::Snapshot s = [] {
    using namespace feedd::daemon;
    feedd::daemon::Snapshot s;
    s.resources = s.resources.Set("/rss.xml", MakeResource(std::string(2000, 'r'), kRssType, 1767225600, 300, /*zero_copy=*/false));
    s.resources = s.resources.Set("/atom.xml", MakeResource("<feed/>", kAtomType, 1767225600, 300));
    s.resources = s.resources.Set("/feed.json", MakeResource("{}", kJsonFeedType, 0, 300));
    s.resources = s.resources.Set("/", MakeResource("<p>index</p>", kHtmlType, 1767225600, 300));
    s.resources = s.resources.Set("/articles/caf\xC3\xA9", MakeResource("<p>page</p>", kHtmlType, 0, 300));
    s.media = s.media.Set("ep 1.mp3", std::make_shared<const MediaFile>(MediaFile{"audio/mpeg", 1000, 0, 1}));
    s.media = s.media.Set("empty.png", std::make_shared<const MediaFile>(MediaFile{"image/png", 0, 0, 2}));
    s.article_count = 1;
    s.generation = 3;
    s.built_at = 90;
    return s;
  }();
  return s;
}

// Media from memory: "ep 1.mp3" holds 1000 bytes, "empty.png" none.
class MemoryOpener : public feedd::daemon::MediaOpener {
 public:
  std::shared_ptr<const feedd::daemon::OpenedMedia> Open(const std::string&,
                                                         const std::string& path) const override {
    const uint64_t size = path == "ep 1.mp3" ? 1000 : 0;
    const int fd = ::memfd_create("media", MFD_CLOEXEC);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(size)) != 0) return nullptr;
    return std::make_shared<const feedd::daemon::OpenedMedia>(fd, size, 1767225600000000000, 7);
  }
};

std::optional<std::string_view> Field(std::string_view f, bool present) {
  if (!present || (!f.empty() && f.front() == '-')) return std::nullopt;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string_view> f = feedd::fuzz::Split(in, '\n', 7);
  const size_t lines = static_cast<size_t>(std::count(in.begin(), in.end(), '\n')) + 1;
  feedd::daemon::HttpRequest req{f[0], f[1], Field(f[2], lines > 2), Field(f[3], lines > 3),
                                 Field(f[4], lines > 4), Field(f[5], lines > 5),
                                 Field(f[6], lines > 6)};
  feedd::daemon::Metrics metrics;
  feedd::daemon::HealthInfo health{100, true};
  health.metrics = &metrics;
  health.metrics_allowed = size % 2 == 0;
  static const MemoryOpener opener;
  const feedd::daemon::HttpReply reply =
      feedd::daemon::HandleRequest(TheSnapshot(), req, health, &opener);
  if (reply.own_file) {
    const auto* m = static_cast<const feedd::daemon::OpenedMedia*>(reply.own_file.get());
    FUZZ_CHECK(reply.status == 200 || reply.status == 206, std::to_string(reply.status));
    FUZZ_CHECK(reply.file_offset + reply.file_length <= m->size(), in);
    FUZZ_CHECK(reply.status != 206 || reply.file_length > 0, in);
  }
  FUZZ_CHECK(reply.status >= 200 && reply.status <= 599, std::to_string(reply.status));
  FUZZ_CHECK(feedd::daemon::ReasonPhrase(reply.status) != "", std::to_string(reply.status));
  if (reply.status == 304 || req.method == "HEAD") FUZZ_CHECK(!reply.send_body, in);
  std::string head;
  feedd::daemon::SerializeHead(reply, "Thu, 01 Jan 2026 00:00:00 GMT", true, false, &head);
  FUZZ_CHECK(head.find("\r\n\r\n") == head.size() - 4, head);
  // No field of the request reaches the reply's header unchecked (header injection).
  FUZZ_CHECK(head.find('\0') == std::string::npos, head);
  for (size_t at = head.find('\n'); at != std::string::npos; at = head.find('\n', at + 1))
    FUZZ_CHECK(at > 0 && head[at - 1] == '\r', head);
  return 0;
}
