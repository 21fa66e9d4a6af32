#include "daemon/http/handler.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "daemon/http/media_reply.h"
#include "daemon/publish/resource.h"
#include "feed/dates.h"
#include "feed/media.h"
#include "feed/utf8.h"

namespace feedd::daemon {
namespace {

// Header lines of the replies not made from a resource; each ends in the security
// fields every response carries (kSecurityFields, spelled out to stay constexpr).
constexpr std::string_view kTextFields =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: strict-origin-when-cross-origin\r\n";
constexpr std::string_view kHealthFields =
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: strict-origin-when-cross-origin\r\n";
constexpr std::string_view kMetricsFields =
    "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: strict-origin-when-cross-origin\r\n";
static_assert(kTextFields.ends_with(kSecurityFields) && kHealthFields.ends_with(kSecurityFields) &&
              kMetricsFields.ends_with(kSecurityFields));

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpReply TextReply(int status, std::string_view route) {
  HttpReply r;
  r.status = status;
  r.fields = kTextFields;
  r.own_body = std::to_string(status) + " " + std::string(ReasonPhrase(status)) + "\n";
  r.route = route;
  return r;
}

std::string_view RouteOf(std::string_view path) {
  if (path == "/rss.xml" || path == "/atom.xml" || path == "/feed.json") return "feed";
  if (path == "/") return "index";
  return "page";
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

std::optional<std::string> DecodeTargetPath(std::string_view target, int* error_status) {
  *error_status = 400;
  // Absolute form ("http://host/path"), as proxies send it.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() && feed::EqualsIgnoreCase(target.substr(0, scheme.size()), scheme)) {
      const size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  if (target.empty() || target.front() != '/') return std::nullopt;
  target = target.substr(0, target.find_first_of("?#"));
  std::string path;
  path.reserve(target.size());
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] != '%') {
      path.push_back(target[i]);
      continue;
    }
    if (i + 2 >= target.size() || HexValue(target[i + 1]) < 0 || HexValue(target[i + 2]) < 0)
      return std::nullopt;
    const char c = static_cast<char>(HexValue(target[i + 1]) * 16 + HexValue(target[i + 2]));
    i += 2;
    *error_status = 404;
    if (c == '/' || c == '\\' || c == '\0') return std::nullopt;  // encoded separators, NUL
    path.push_back(c);
  }
  *error_status = 404;
  if (path.find('\\') != std::string::npos || path.find('\0') != std::string::npos)
    return std::nullopt;
  // No "." or ".." segments: the snapshot has none, and nothing may look past it.
  for (size_t start = 1; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string_view seg = std::string_view(path).substr(start, end - start);
    if (seg == "." || seg == "..") return std::nullopt;
    start = end + 1;
  }
  return path;
}

bool EtagListMatches(std::string_view header, std::string_view etag) {
  // etag is strong and quoted; the header is "*" or a list of (W/)"tags". Weak
  // comparison (RFC 9110 section 8.8.3.2): W/"x" matches "x".
  const std::string_view opaque = etag;
  size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ','))
      ++i;
    if (i >= header.size()) break;
    if (header[i] == '*') return true;
    if (header.compare(i, 2, "W/") == 0) i += 2;
    if (i >= header.size() || header[i] != '"') {
      // Malformed member: skip to the next comma.
      while (i < header.size() && header[i] != ',') ++i;
      continue;
    }
    const size_t close = header.find('"', i + 1);
    if (close == std::string_view::npos) return false;
    if (header.substr(i, close - i + 1) == opaque) return true;
    i = close + 1;
  }
  return false;
}

namespace {

// A qvalue ("0", "0.ddd", "1", "1.000"; RFC 9110 section 12.4.2) in thousandths, or
// -1 when it is none.
int ParseQValue(std::string_view v) {
  if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return -1;
  int q = (v[0] - '0') * 1000;
  if (v.size() == 1) return q;
  if (v[1] != '.') return -1;
  int scale = 100;
  for (char c : v.substr(2)) {
    if (c < '0' || c > '9') return -1;
    q += (c - '0') * scale;
    scale /= 10;
  }
  return q > 1000 ? -1 : q;
}

}  // namespace

AcceptedCodings ParseAcceptEncoding(std::string_view header) {
  int br = -1, gzip = -1, identity = -1, star = -1;  // -1: not named
  size_t start = 0;
  while (start <= header.size()) {
    size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    const std::string_view item = TrimOws(header.substr(start, end - start));
    start = end + 1;
    if (item.empty()) continue;
    const size_t semi = item.find(';');
    const std::string_view coding = TrimOws(item.substr(0, semi));
    // One comparison per member (this runs for every request): by length first.
    int* slot = nullptr;
    switch (coding.size()) {
      case 1: slot = coding[0] == '*' ? &star : nullptr; break;
      case 2: slot = feed::EqualsIgnoreCase(coding, "br") ? &br : nullptr; break;
      case 4: slot = feed::EqualsIgnoreCase(coding, "gzip") ? &gzip : nullptr; break;
      case 6: slot = feed::EqualsIgnoreCase(coding, "x-gzip") ? &gzip : nullptr; break;
      case 8: slot = feed::EqualsIgnoreCase(coding, "identity") ? &identity : nullptr; break;
    }
    if (!slot) continue;  // a coding feedd does not send
    int q = 1000;
    if (semi != std::string_view::npos) {
      std::string_view params = item.substr(semi + 1);
      for (;;) {
        const size_t next = params.find(';');
        const std::string_view p = TrimOws(params.substr(0, next));
        if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
          q = std::max(0, ParseQValue(p.substr(2)));  // malformed: refused
        if (next == std::string_view::npos) break;
        params.remove_prefix(next + 1);
      }
    }
    *slot = q;
  }
  AcceptedCodings a;
  a.br = br >= 0 ? br : std::max(star, 0);
  a.gzip = gzip >= 0 ? gzip : std::max(star, 0);
  a.identity = identity >= 0 ? identity : star >= 0 ? star : 1;
  return a;
}

Coding AcceptedCodings::Pick(bool have_gzip, bool have_br) const {
  Coding best = Coding::kIdentity;
  int weight = identity;
  if (have_gzip && gzip > 0 && gzip >= weight) {
    best = Coding::kGzip;
    weight = gzip;
  }
  if (have_br && br > 0 && br >= weight) best = Coding::kBrotli;
  return best;
}

HttpReply ErrorReply(int status) { return TextReply(status, "other"); }

HttpReply HandleRequest(const daemon::Snapshot& snap, const HttpRequest& req,
                        const HealthInfo& health, const MediaOpener* media) {
  const bool head = req.method == "HEAD";
  if (req.method != "GET" && !head) {
    HttpReply r = TextReply(405, "other");
    r.own_fields = "Allow: GET, HEAD\r\n";
    return r;
  }
  int status = 400;
  std::optional<std::string> path = DecodeTargetPath(req.target, &status);
  if (!path) {
    HttpReply r = TextReply(status, "other");
    r.send_body = !head;
    return r;
  }
  if (*path == "/healthz") {
    const bool ready = snap.generation > 0;
    HttpReply r;
    r.status = ready && health.state_ok ? 200 : 503;
    r.route = "health";
    r.fields = kHealthFields;
    r.own_body = std::string("{\"status\":\"") +
                 (!ready ? "starting" : health.state_ok ? "ok" : "degraded") +
                 "\",\"articles\":" + std::to_string(snap.article_count) +
                 ",\"generation\":" + std::to_string(snap.generation) +
                 ",\"snapshot_age_seconds\":" +
                 std::to_string(ready ? health.now - snap.built_at : 0) +
                 ",\"watching\":" + (health.watching ? "true" : "false") +
                 ",\"state\":\"" + (health.state_ok ? "ok" : "not writable") + "\"}\n";
    r.send_body = !head;
    return r;
  }
  if (*path == "/metrics" && health.metrics) {
    if (!health.metrics_allowed) {
      HttpReply r = TextReply(403, "metrics");
      r.own_body = "403 Forbidden: /metrics is served to loopback clients only\n";
      r.send_body = !head;
      return r;
    }
    HttpReply r;
    r.route = "metrics";
    r.fields = kMetricsFields;
    Metrics::Gauges g;
    g.articles = snap.article_count;
    g.snapshot_age_seconds = snap.generation > 0 ? health.now - snap.built_at : 0;
    g.open_connections = health.open_connections;
    g.refused_connections = health.refused_connections;
    g.watching = health.watching;
    g.state_ok = health.state_ok;
    r.own_body = health.metrics->Render(g);
    r.send_body = !head;
    return r;
  }
  if (snap.generation == 0) {
    // Still reading the folder: not "not found" but "not yet" (a reader retries).
    HttpReply r = TextReply(503, "other");
    r.own_fields = "Retry-After: 1\r\n";
    r.send_body = !head;
    return r;
  }
  if (path->starts_with(feed::kMediaPrefix))
    return MediaReply(snap, path->substr(feed::kMediaPrefix.size()), req, health, media);
  ResourcePtr found = snap.Find(*path);
  if (!found) {
    HttpReply r = TextReply(404, "other");
    r.send_body = !head;
    return r;
  }
  const daemon::Resource& res = *found;
  const daemon::Representation* br = res.brotli();
  const bool have_gzip = !res.gzip.body.empty();
  const AcceptedCodings accepted =
      req.accept_encoding ? ParseAcceptEncoding(*req.accept_encoding) : AcceptedCodings();
  const Coding coding = accepted.Pick(have_gzip, br != nullptr);
  const daemon::Representation& rep = coding == Coding::kBrotli ? *br
                                    : coding == Coding::kGzip ? res.gzip
                                                              : res.identity;
  HttpReply r;
  r.route = RouteOf(*path);
  // A last-changed time ahead of the clock (two changes in one second) is sent as
  // the Date (RFC 9110 section 8.8.2.1); If-Modified-Since is still compared with
  // the real one, so a client holding the older version gets the newer.
  if (res.last_modified > health.now && health.now > 0) {
    r.own_fields = "Last-Modified: " + feed::FormatHttpDate(health.now) + "\r\n";
  } else {
    r.last_modified = res.last_modified_field;
  }
  bool not_modified = false;
  const daemon::Representation* validated = &rep;
  if (req.if_none_match) {
    // The selected representation's tag, or another coding's the client also accepts:
    // a cache may hold that one. The 304 names the one that matched, so the cache
    // freshens the response it holds (RFC 9111 section 4.3.4).
    not_modified = EtagListMatches(*req.if_none_match, rep.etag);
    const std::pair<const daemon::Representation*, Coding> others[] = {
        {br, Coding::kBrotli},
        {have_gzip ? &res.gzip : nullptr, Coding::kGzip},
        {&res.identity, Coding::kIdentity}};
    for (const auto& [other, other_coding] : others) {
      if (not_modified) break;
      if (other && other != &rep && accepted.Accepts(other_coding) &&
          EtagListMatches(*req.if_none_match, other->etag)) {
        not_modified = true;
        validated = other;
      }
    }
  } else if (req.if_modified_since && res.last_modified > 0) {
    if (std::optional<feed::Timestamp> since = feed::ParseDate(*req.if_modified_since))
      not_modified = res.last_modified <= since->seconds;
  }
  if (not_modified) {
    r.status = 304;
    r.fields = validated->fields_304;
    r.send_body = false;
    r.hold = std::move(found);
    return r;
  }
  r.status = 200;
  r.fields = rep.fields_200;
  r.body = rep.body;
  r.file = rep.file.get();
  r.send_body = !head;
  r.hold = std::move(found);
  return r;
}

void SerializeHead(const HttpReply& reply, std::string_view date, bool keep_alive, bool http10,
                   std::string* out) {
  out->clear();
  out->append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  char num[24];
  auto [end, ec] = std::to_chars(num, num + sizeof num, reply.status);
  out->append(num, end);
  out->push_back(' ');
  out->append(ReasonPhrase(reply.status));
  out->append("\r\nServer: feedd\r\nDate: ");
  out->append(date);
  out->append("\r\n");
  out->append(reply.fields);
  out->append(reply.last_modified);
  out->append(reply.own_fields);
  if (reply.status != 304) {
    out->append("Content-Length: ");
    auto [len_end, len_ec] = std::to_chars(num, num + sizeof num, reply.ContentLength());
    out->append(num, len_end);
    out->append("\r\n");
  }
  if (!keep_alive) {
    out->append("Connection: close\r\n");
  } else if (http10) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
}

}  // namespace feedd::daemon
