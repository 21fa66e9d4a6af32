#include "daemon/http_handler.h"

#include <cctype>
#include <charconv>

#include "feed/dates.h"
#include "feed/utf8.h"

namespace feedd::daemon {
namespace {

constexpr std::string_view kTextFields = "Content-Type: text/plain; charset=utf-8\r\n"
                                         "Cache-Control: no-store\r\n";

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
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
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

bool AcceptsGzip(std::string_view header) {
  std::optional<bool> gzip, star;
  size_t start = 0;
  while (start <= header.size()) {
    size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    std::string_view item = TrimOws(header.substr(start, end - start));
    start = end + 1;
    if (item.empty()) continue;
    const size_t semi = item.find(';');
    const std::string_view coding = TrimOws(item.substr(0, semi));
    double q = 1.0;
    if (semi != std::string_view::npos) {
      std::string_view params = item.substr(semi + 1);
      while (!params.empty()) {
        const size_t next = params.find(';');
        std::string_view p = TrimOws(params.substr(0, next));
        if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
          p.remove_prefix(2);
          // q is "0", "0.xxx", "1" or "1.000": zero unless some digit is not 0.
          q = 0.0;
          for (char c : p) {
            if (c >= '1' && c <= '9') q = 1.0;
          }
        }
        if (next == std::string_view::npos) break;
        params.remove_prefix(next + 1);
      }
    }
    if (feed::EqualsIgnoreCase(coding, "gzip") || feed::EqualsIgnoreCase(coding, "x-gzip")) gzip = q > 0;
    if (coding == "*") star = q > 0;
  }
  if (gzip) return *gzip;
  return star.value_or(false);
}

HttpReply ErrorReply(int status) { return TextReply(status, "other"); }

HttpReply HandleRequest(const feed::Snapshot& snap, const HttpRequest& req,
                        const HealthInfo& health) {
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
    r.fields = "Content-Type: application/json\r\nCache-Control: no-store\r\n";
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
    HttpReply r;
    r.route = "metrics";
    r.fields = "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nCache-Control: no-store\r\n";
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
  auto it = snap.resources.find(*path);
  if (it == snap.resources.end()) {
    HttpReply r = TextReply(404, "other");
    r.send_body = !head;
    return r;
  }
  const feed::Resource& res = *it->second;
  const bool gzip = !res.gzip.body.empty() && req.accept_encoding && AcceptsGzip(*req.accept_encoding);
  const feed::Representation& rep = gzip ? res.gzip : res.identity;
  HttpReply r;
  r.route = RouteOf(*path);
  bool not_modified = false;
  if (req.if_none_match) {
    // Either representation's tag validates: a cache may hold the other coding.
    not_modified = EtagListMatches(*req.if_none_match, res.identity.etag) ||
                   EtagListMatches(*req.if_none_match, res.gzip.etag);
  } else if (req.if_modified_since && res.last_modified > 0) {
    if (std::optional<feed::Timestamp> since = feed::ParseDate(*req.if_modified_since))
      not_modified = res.last_modified <= since->seconds;
  }
  if (not_modified) {
    r.status = 304;
    r.fields = rep.fields_304;
    r.send_body = false;
    return r;
  }
  r.status = 200;
  r.fields = rep.fields_200;
  r.body = rep.body;
  r.file = rep.file.get();
  r.send_body = !head;
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
  out->append(reply.own_fields);
  if (reply.status != 304) {
    out->append("Content-Length: ");
    auto [len_end, len_ec] = std::to_chars(num, num + sizeof num, reply.Body().size());
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
