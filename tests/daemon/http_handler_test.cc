#include "daemon/http_handler.h"

#include <gtest/gtest.h>

#include "daemon/resource.h"

namespace feedd::daemon {
namespace {

feed::Snapshot MakeSnapshot() {
  feed::Snapshot s;
  s.resources["/rss.xml"] = MakeResource("<rss/>", kRssType, 1000000000, 300);
  s.resources["/articles/café"] = MakeResource("<p>page</p>", kHtmlType, 0, 300);
  s.article_count = 1;
  s.generation = 3;
  s.built_at = 90;
  return s;
}

HttpReply Handle(const feed::Snapshot& s, std::string_view method, std::string_view target,
                 std::optional<std::string_view> inm = {},
                 std::optional<std::string_view> ims = {},
                 std::optional<std::string_view> ae = {}) {
  return HandleRequest(s, HttpRequest{method, target, inm, ims, ae}, HealthInfo{100, true});
}

TEST(HttpHandlerTest, DecodeTargetPath) {
  struct Case {
    const char* target;
    const char* path;  // nullptr: rejected with `status`
    int status;
  } cases[] = {
      {"/rss.xml", "/rss.xml", 0},
      {"/rss.xml?x=1#f", "/rss.xml", 0},
      {"/articles/caf%C3%A9", "/articles/café", 0},
      {"http://host/rss.xml", "/rss.xml", 0},
      {"HTTPS://host", "/", 0},
      {"rss.xml", nullptr, 400},
      {"*", nullptr, 400},
      {"/a%zz", nullptr, 400},
      {"/a%2", nullptr, 400},
      {"/articles%2fx", nullptr, 404},
      {"/articles%2Fx", nullptr, 404},
      {"/a%5cb", nullptr, 404},
      {"/a%00", nullptr, 404},
      {"/../etc/passwd", nullptr, 404},
      {"/%2e%2e/etc/passwd", nullptr, 404},
      {"/articles/./x", nullptr, 404},
      {"/a\\b", nullptr, 404},
  };
  for (const Case& c : cases) {
    int status = 0;
    std::optional<std::string> path = DecodeTargetPath(c.target, &status);
    if (c.path) {
      ASSERT_TRUE(path) << c.target;
      EXPECT_EQ(c.path, *path) << c.target;
    } else {
      EXPECT_FALSE(path) << c.target;
      EXPECT_EQ(c.status, status) << c.target;
    }
  }
}

TEST(HttpHandlerTest, EtagLists) {
  EXPECT_TRUE(EtagListMatches("\"a\"", "\"a\""));
  EXPECT_TRUE(EtagListMatches("W/\"a\"", "\"a\""));
  EXPECT_TRUE(EtagListMatches("\"x\", W/\"a\"", "\"a\""));
  EXPECT_TRUE(EtagListMatches("  \"x\" ,\"a\"  ", "\"a\""));
  EXPECT_TRUE(EtagListMatches("*", "\"a\""));
  EXPECT_FALSE(EtagListMatches("\"ab\"", "\"a\""));
  EXPECT_FALSE(EtagListMatches("a", "\"a\""));
  EXPECT_FALSE(EtagListMatches("", "\"a\""));
  EXPECT_FALSE(EtagListMatches("\"unterminated", "\"a\""));
  EXPECT_TRUE(EtagListMatches("garbage, \"a\"", "\"a\""));
}

TEST(HttpHandlerTest, AcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip("*, gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_TRUE(AcceptsGzip("gzip ; q=1.0"));
}

TEST(HttpHandlerTest, Routing) {
  const feed::Snapshot s = MakeSnapshot();
  HttpReply ok = Handle(s, "GET", "/rss.xml");
  EXPECT_EQ(200, ok.status);
  EXPECT_EQ("<rss/>", ok.Body());
  EXPECT_EQ("feed", ok.route);
  EXPECT_EQ(200, Handle(s, "GET", "/articles/caf%C3%A9").status);
  HttpReply post = Handle(s, "POST", "/rss.xml");
  EXPECT_EQ(405, post.status);
  EXPECT_EQ("Allow: GET, HEAD\r\n", post.own_fields);
  EXPECT_EQ(404, Handle(s, "GET", "/atom.xml").status);
  HttpReply head = Handle(s, "HEAD", "/rss.xml");
  EXPECT_EQ(200, head.status);
  EXPECT_FALSE(head.send_body);
  EXPECT_EQ("<rss/>", head.Body());  // for Content-Length
}

TEST(HttpHandlerTest, Conditional) {
  const feed::Snapshot s = MakeSnapshot();
  const std::string etag = s.resources.at("/rss.xml")->identity.etag;
  EXPECT_EQ(304, Handle(s, "GET", "/rss.xml", etag).status);
  EXPECT_EQ(304, Handle(s, "GET", "/rss.xml", "W/" + etag).status);
  EXPECT_EQ(304, Handle(s, "GET", "/rss.xml", s.resources.at("/rss.xml")->gzip.etag).status);
  EXPECT_EQ(200, Handle(s, "GET", "/rss.xml", "\"x\"").status);
  const std::string lm = "Sun, 09 Sep 2001 01:46:40 GMT";  // 1000000000
  EXPECT_EQ(304, Handle(s, "GET", "/rss.xml", {}, lm).status);
  EXPECT_EQ(200, Handle(s, "GET", "/rss.xml", {}, "Sun, 09 Sep 2001 01:46:39 GMT").status);
  EXPECT_EQ(200, Handle(s, "GET", "/rss.xml", "\"x\"", lm).status);  // If-None-Match wins
  EXPECT_EQ(200, Handle(s, "GET", "/articles/caf%C3%A9", {}, lm).status);  // no Last-Modified
  HttpReply nm = Handle(s, "GET", "/rss.xml", etag);
  EXPECT_NE(std::string::npos, nm.fields.find("ETag: " + etag));
  EXPECT_EQ(std::string::npos, nm.fields.find("Content-Type"));
  EXPECT_FALSE(nm.send_body);
}

TEST(HttpHandlerTest, Gzip) {
  const feed::Snapshot s = MakeSnapshot();
  HttpReply gz = Handle(s, "GET", "/rss.xml", {}, {}, "gzip");
  EXPECT_NE(std::string::npos, gz.fields.find("Content-Encoding: gzip\r\n"));
  EXPECT_EQ(s.resources.at("/rss.xml")->gzip.body, gz.Body());
  HttpReply plain = Handle(s, "GET", "/rss.xml", {}, {}, "br");
  EXPECT_EQ(std::string::npos, plain.fields.find("Content-Encoding"));
}

TEST(HttpHandlerTest, Health) {
  feed::Snapshot s = MakeSnapshot();
  HttpReply h = Handle(s, "GET", "/healthz");
  EXPECT_EQ(200, h.status);
  EXPECT_EQ("{\"status\":\"ok\",\"articles\":1,\"generation\":3,\"snapshot_age_seconds\":10,"
            "\"watching\":true,\"state\":\"ok\"}\n",
            h.Body());
  HttpReply degraded = HandleRequest(s, HttpRequest{"GET", "/healthz", {}, {}, {}},
                                     HealthInfo{100, false, false});
  EXPECT_EQ(503, degraded.status);
  EXPECT_EQ("{\"status\":\"degraded\",\"articles\":1,\"generation\":3,\"snapshot_age_seconds\":10,"
            "\"watching\":false,\"state\":\"not writable\"}\n",
            degraded.Body());
  s.generation = 0;
  EXPECT_EQ(503, Handle(s, "GET", "/healthz").status);
}

TEST(HttpHandlerTest, SerializeHead) {
  const feed::Snapshot s = MakeSnapshot();
  std::string out;
  SerializeHead(Handle(s, "GET", "/rss.xml"), "Thu, 01 Jan 2026 00:00:00 GMT", true, false, &out);
  EXPECT_EQ(0u, out.find("HTTP/1.1 200 OK\r\nServer: feedd\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
                         "Content-Type: application/rss+xml; charset=utf-8\r\n"));
  EXPECT_NE(std::string::npos, out.find("Content-Length: 6\r\n\r\n"));
  EXPECT_EQ(std::string::npos, out.find("Connection"));
  SerializeHead(Handle(s, "GET", "/nope"), "D", false, true, &out);
  EXPECT_EQ(0u, out.find("HTTP/1.0 404 Not Found\r\n"));
  EXPECT_NE(std::string::npos, out.find("Connection: close\r\n"));
  const std::string etag = s.resources.at("/rss.xml")->identity.etag;
  SerializeHead(Handle(s, "GET", "/rss.xml", etag), "D", true, false, &out);
  EXPECT_EQ(std::string::npos, out.find("Content-Length"));
}

TEST(ResourceTest, DeterministicGzipAndEtags) {
  auto a = MakeResource("same body", kRssType, 5, 60);
  auto b = MakeResource("same body", kRssType, 5, 60);
  auto c = MakeResource("other body", kRssType, 5, 60);
  EXPECT_EQ(a->identity.etag, b->identity.etag);
  EXPECT_EQ(a->gzip.body, b->gzip.body);
  EXPECT_NE(a->identity.etag, c->identity.etag);
  EXPECT_NE(a->identity.etag, a->gzip.etag);
  EXPECT_EQ(0, a->gzip.body.compare(0, 2, "\x1f\x8b"));
  EXPECT_NE(std::string::npos, a->identity.fields_200.find("Cache-Control: max-age=60\r\n"));
  EXPECT_NE(std::string::npos, a->identity.fields_200.find("Last-Modified: Thu, 01 Jan 1970 00:00:05 GMT\r\n"));
}

}  // namespace
}  // namespace feedd::daemon
