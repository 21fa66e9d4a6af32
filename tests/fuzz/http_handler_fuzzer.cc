// The pure HTTP handler on any request: the input's fields, split at '\n', are the
// method, the target, and If-None-Match, If-Modified-Since and Accept-Encoding
// (each present when its line is there and does not start with '-'). The reply is
// always a known status, and its body what the status allows.
#include <algorithm>
#include <cstdint>

#include "daemon/http/handler.h"
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
    s.article_count = 1;
    s.generation = 3;
    s.built_at = 90;
    return s;
  }();
  return s;
}

std::optional<std::string_view> Field(std::string_view f, bool present) {
  if (!present || (!f.empty() && f.front() == '-')) return std::nullopt;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string_view> f = feedd::fuzz::Split(in, '\n', 5);
  const size_t lines = static_cast<size_t>(std::count(in.begin(), in.end(), '\n')) + 1;
  feedd::daemon::HttpRequest req{f[0], f[1], Field(f[2], lines > 2), Field(f[3], lines > 3),
                                 Field(f[4], lines > 4)};
  feedd::daemon::Metrics metrics;
  feedd::daemon::HealthInfo health{100, true};
  health.metrics = &metrics;
  health.metrics_allowed = size % 2 == 0;
  const feedd::daemon::HttpReply reply = feedd::daemon::HandleRequest(TheSnapshot(), req, health);
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
