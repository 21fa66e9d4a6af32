#include "daemon/http/handler.h"

#include <sys/stat.h>
#include <unistd.h>

#include <brotli/decode.h>
#include <gtest/gtest.h>

#include "daemon/publish/brotli_compressor.h"
#include "daemon/publish/resource.h"
#include "tests/test_util.h"

namespace feedd::daemon {
namespace {

daemon::Snapshot MakeSnapshot() {
  daemon::Snapshot s;
  s.resources = s.resources.Set("/rss.xml", MakeResource("<rss/>", kRssType, 1000000000, 300));
  s.resources = s.resources.Set("/articles/café", MakeResource("<p>page</p>", kHtmlType, 0, 300));
  s.article_count = 1;
  s.generation = 3;
  s.built_at = 90;
  return s;
}

HttpReply Handle(const daemon::Snapshot& s, std::string_view method, std::string_view target,
                 std::optional<std::string_view> inm = {},
                 std::optional<std::string_view> ims = {},
                 std::optional<std::string_view> ae = {}) {
  return HandleRequest(s, HttpRequest{method, target, inm, ims, ae, {}, {}}, HealthInfo{100, true});
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
  // The coding picked when the resource has all three, and when it has no br twin.
  struct Case {
    const char* header;
    Coding all, no_br;
  } cases[] = {
      {"gzip", Coding::kGzip, Coding::kGzip},
      {"deflate, GZIP;q=0.5", Coding::kGzip, Coding::kGzip},
      {"x-gzip", Coding::kGzip, Coding::kGzip},
      {"gzip, deflate, br", Coding::kBrotli, Coding::kGzip},  // a tie: br
      {"br", Coding::kBrotli, Coding::kIdentity},
      {"BR;Q=0.5", Coding::kBrotli, Coding::kIdentity},
      {"br;q=0, gzip", Coding::kGzip, Coding::kGzip},
      {"gzip;q=1, br;q=0.5", Coding::kGzip, Coding::kGzip},  // the client's preference
      {"br;q=0.9, gzip;q=0.8", Coding::kBrotli, Coding::kGzip},
      {"*", Coding::kBrotli, Coding::kGzip},
      {"*, br;q=0", Coding::kGzip, Coding::kGzip},
      {"*, gzip;q=0", Coding::kBrotli, Coding::kIdentity},
      {"*;q=0", Coding::kIdentity, Coding::kIdentity},
      {"gzip;q=0.000", Coding::kIdentity, Coding::kIdentity},
      {"gzip;q=0.001", Coding::kGzip, Coding::kGzip},  // identity unnamed: below anything
      {"identity;q=1, gzip;q=0.5", Coding::kIdentity, Coding::kIdentity},
      {"identity;q=0.2, br;q=0.1", Coding::kIdentity, Coding::kIdentity},
      {"identity;q=0, gzip;q=0.1", Coding::kGzip, Coding::kGzip},
      {"deflate, compress", Coding::kIdentity, Coding::kIdentity},
      {"", Coding::kIdentity, Coding::kIdentity},
      {"gzip ; q=1.0", Coding::kGzip, Coding::kGzip},
      {" , gzip;level=9;q=0.5 ,", Coding::kGzip, Coding::kGzip},
      // Malformed q-values refuse their coding.
      {"gzip;q=2", Coding::kIdentity, Coding::kIdentity},
      {"gzip;q=1.5", Coding::kIdentity, Coding::kIdentity},
      {"gzip;q=0.0001", Coding::kIdentity, Coding::kIdentity},
      {"br;q=abc, gzip", Coding::kGzip, Coding::kGzip},
      {"br;q=, gzip", Coding::kGzip, Coding::kGzip},
      {"brotli, gzipx, gzip;q=0", Coding::kIdentity, Coding::kIdentity},
  };
  for (const Case& c : cases) {
    const AcceptedCodings a = ParseAcceptEncoding(c.header);
    EXPECT_EQ(c.all, a.Pick(true, true)) << c.header;
    EXPECT_EQ(c.no_br, a.Pick(true, false)) << c.header;
    EXPECT_EQ(Coding::kIdentity, a.Pick(false, false)) << c.header;
  }
  EXPECT_EQ(500, ParseAcceptEncoding("br;q=0.5").br);
  EXPECT_EQ(0, ParseAcceptEncoding("br;q=0.5").gzip);
  EXPECT_EQ(125, ParseAcceptEncoding("gzip;q=0.125").gzip);
  EXPECT_EQ(1000, ParseAcceptEncoding("gzip;q=1.").gzip);
  EXPECT_FALSE(ParseAcceptEncoding("").Accepts(Coding::kGzip));
  EXPECT_TRUE(ParseAcceptEncoding("").Accepts(Coding::kIdentity));
  EXPECT_FALSE(ParseAcceptEncoding("*;q=0").Accepts(Coding::kIdentity));
  // No field at all: any coding is acceptable, identity is sent.
  EXPECT_EQ(Coding::kIdentity, AcceptedCodings().Pick(true, true));
  EXPECT_TRUE(AcceptedCodings().Accepts(Coding::kGzip));
  EXPECT_TRUE(AcceptedCodings().Accepts(Coding::kBrotli));
}

TEST(HttpHandlerTest, Routing) {
  const daemon::Snapshot s = MakeSnapshot();
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
  const daemon::Snapshot s = MakeSnapshot();
  const std::string etag = (*s.resources.Find("/rss.xml"))->identity.etag;
  EXPECT_EQ(304, Handle(s, "GET", "/rss.xml", etag).status);
  EXPECT_EQ(304, Handle(s, "GET", "/rss.xml", "W/" + etag).status);
  EXPECT_EQ(304, Handle(s, "GET", "/rss.xml", (*s.resources.Find("/rss.xml"))->gzip.etag).status);
  EXPECT_EQ(200, Handle(s, "GET", "/rss.xml", "\"x\"").status);
  const std::string lm = "Sun, 09 Sep 2001 01:46:40 GMT";  // 1000000000
  EXPECT_EQ(304, Handle(s, "GET", "/rss.xml", {}, lm).status);
  EXPECT_EQ(200, Handle(s, "GET", "/rss.xml", {}, "Sun, 09 Sep 2001 01:46:39 GMT").status);
  EXPECT_EQ(200, Handle(s, "GET", "/rss.xml", "\"x\"", lm).status);  // If-None-Match wins
  EXPECT_EQ(200, Handle(s, "GET", "/articles/caf%C3%A9", {}, lm).status);  // no Last-Modified
  HttpReply nm = Handle(s, "GET", "/rss.xml", etag);
  EXPECT_NE(std::string::npos, nm.fields.find("ETag: " + etag));
  EXPECT_EQ(std::string::npos, nm.fields.find("Content-Type:"));
  EXPECT_FALSE(nm.send_body);
}

TEST(HttpHandlerTest, Gzip) {
  const daemon::Snapshot s = MakeSnapshot();
  HttpReply gz = Handle(s, "GET", "/rss.xml", {}, {}, "gzip");
  EXPECT_NE(std::string::npos, gz.fields.find("Content-Encoding: gzip\r\n"));
  EXPECT_EQ((*s.resources.Find("/rss.xml"))->gzip.body, gz.Body());
  // A resource made without a compressor has its quick brotli twin at once.
  HttpReply br = Handle(s, "GET", "/rss.xml", {}, {}, "br");
  EXPECT_NE(std::string::npos, br.fields.find("Content-Encoding: br\r\n"));
  HttpReply plain = Handle(s, "GET", "/rss.xml", {}, {}, "compress");
  EXPECT_EQ(std::string::npos, plain.fields.find("Content-Encoding"));
}

TEST(HttpHandlerTest, Health) {
  daemon::Snapshot s = MakeSnapshot();
  HttpReply h = Handle(s, "GET", "/healthz");
  EXPECT_EQ(200, h.status);
  EXPECT_EQ("{\"status\":\"ok\",\"articles\":1,\"generation\":3,\"snapshot_age_seconds\":10,"
            "\"watching\":true,\"state\":\"ok\"}\n",
            h.Body());
  HttpReply degraded = HandleRequest(s, HttpRequest{"GET", "/healthz", {}, {}, {}, {}, {}},
                                     HealthInfo{100, false, false});
  EXPECT_EQ(503, degraded.status);
  EXPECT_EQ("{\"status\":\"degraded\",\"articles\":1,\"generation\":3,\"snapshot_age_seconds\":10,"
            "\"watching\":false,\"state\":\"not writable\"}\n",
            degraded.Body());
  s.generation = 0;
  EXPECT_EQ(503, Handle(s, "GET", "/healthz").status);
}

TEST(HttpHandlerTest, SerializeHead) {
  const daemon::Snapshot s = MakeSnapshot();
  std::string out;
  SerializeHead(Handle(s, "GET", "/rss.xml"), "Thu, 01 Jan 2026 00:00:00 GMT", true, false, &out);
  EXPECT_EQ(0u, out.find("HTTP/1.1 200 OK\r\nServer: feedd\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
                         "Content-Type: application/rss+xml; charset=utf-8\r\n"));
  EXPECT_NE(std::string::npos, out.find("Content-Length: 6\r\n\r\n"));
  EXPECT_EQ(std::string::npos, out.find("Connection"));
  SerializeHead(Handle(s, "GET", "/nope"), "D", false, true, &out);
  EXPECT_EQ(0u, out.find("HTTP/1.0 404 Not Found\r\n"));
  EXPECT_NE(std::string::npos, out.find("Connection: close\r\n"));
  const std::string etag = (*s.resources.Find("/rss.xml"))->identity.etag;
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
  EXPECT_EQ("Last-Modified: Thu, 01 Jan 1970 00:00:05 GMT\r\n", a->last_modified_field);
}

// Two versions in one second: the second's last-changed time runs a second ahead
// (NextChange). It is sent as the Date, but a client holding the first version
// (If-Modified-Since = its Last-Modified) still gets the second.
TEST(HttpHandlerTest, LastModifiedAheadOfTheClockIsSentAsTheDate) {
  daemon::Snapshot s;
  s.generation = 1;
  s.resources = s.resources.Set("/rss.xml", MakeResource("<rss>2</rss>", kRssType, 101, 300));
  const HttpReply r = Handle(s, "GET", "/rss.xml");  // the clock says 100
  std::string head;
  SerializeHead(r, "Thu, 01 Jan 1970 00:01:40 GMT", true, false, &head);
  EXPECT_NE(std::string::npos, head.find("Last-Modified: Thu, 01 Jan 1970 00:01:40 GMT\r\n"));
  EXPECT_EQ(std::string::npos, head.find("00:01:41"));
  EXPECT_EQ(200, Handle(s, "GET", "/rss.xml", {}, "Thu, 01 Jan 1970 00:01:40 GMT").status);
  EXPECT_EQ(304, Handle(s, "GET", "/rss.xml", {}, "Thu, 01 Jan 1970 00:01:41 GMT").status);
}

std::string Unbrotli(const std::string& data) {
  std::string out(1 << 20, '\0');
  size_t size = out.size();
  if (BrotliDecoderDecompress(data.size(), reinterpret_cast<const uint8_t*>(data.data()), &size,
                              reinterpret_cast<uint8_t*>(out.data())) !=
      BROTLI_DECODER_RESULT_SUCCESS)
    return "<brotli decoding failed>";
  out.resize(size);
  return out;
}

// Varied text, so the compressed twins are big enough for a memfd.
std::string Prose(size_t bytes) {
  std::string out = "<rss>";
  uint32_t x = 12345;
  static const char* const kWords[] = {"the",    "city",    "council", "said", "on",
                                       "monday", "that",    "its",     "plan", "for",
                                       "new",    "housing", "would",   "go"};
  while (out.size() < bytes) {
    x = x * 1103515245 + 12345;
    out += kWords[(x >> 16) % 14];
    out += (x >> 8) % 9 == 0 ? ".\n" : " ";
  }
  return out + "</rss>";
}

TEST(ResourceTest, BrotliTwin) {
  BrotliCompressor brotli;
  auto a = MakeResource("<p>same body</p>", kHtmlType, 5, 60, false, {}, {}, &brotli);
  auto b = MakeResource("<p>same body</p>", kHtmlType, 5, 60, false, {}, {}, &brotli);
  const std::string big_body = Prose(400 * 1024);
  auto big = MakeResource(big_body, kRssType, 5, 60, true, {}, {}, &brotli);
  auto none = MakeResource("<p>same body</p>", kHtmlType, 5, 60);
  // A resource dropped before its turn is skipped.
  { auto gone = MakeResource(Prose(100000), kRssType, 5, 60, false, {}, {}, &brotli); }
  brotli.Drain();
  // Made without a compressor (a cold resource): its twin at the quick quality, at once.
  ASSERT_NE(nullptr, none->brotli());
  EXPECT_FALSE(none->brotli_expected);
  EXPECT_EQ(*Brotli("<p>same body</p>", 5), none->brotli()->body);
  EXPECT_EQ(5, ColdBrotliQualityFor(64 * 1024));
  EXPECT_EQ(3, ColdBrotliQualityFor(64 * 1024 + 1));
  for (const auto& res : {a, b, big, none}) {
    const daemon::Representation* br = res->brotli();
    ASSERT_NE(nullptr, br);
    EXPECT_EQ(res->identity.body, Unbrotli(br->body));
    EXPECT_EQ(res->identity.etag.substr(0, res->identity.etag.size() - 1) + "-br\"", br->etag);
    EXPECT_NE(std::string::npos, br->fields_200.find("Content-Encoding: br\r\n"));
    EXPECT_NE(std::string::npos, br->fields_200.find("ETag: " + br->etag + "\r\n"));
    EXPECT_NE(std::string::npos, br->fields_200.find("Vary: Accept-Encoding\r\n"));
    EXPECT_NE(std::string::npos, br->fields_304.find("ETag: " + br->etag + "\r\n"));
    EXPECT_EQ(std::string::npos, br->fields_304.find("Content-Encoding"));
    // The same fields as the gzip twin but for the coding and the tag.
    std::string as_gzip = res->gzip.fields_200;
    as_gzip.replace(as_gzip.find("gzip"), 4, "br");
    as_gzip.replace(as_gzip.find("-gz\""), 4, "-br\"");
    EXPECT_EQ(as_gzip, br->fields_200);
  }
  EXPECT_EQ(a->brotli()->body, b->brotli()->body);  // deterministic
  EXPECT_LT(big->brotli()->body.size(), big->gzip.body.size());
  EXPECT_NE(nullptr, big->brotli()->file);  // hot and over kZeroCopyMin: a memfd
  EXPECT_EQ(nullptr, a->brotli()->file);
  // The memfd holds the same bytes.
  std::string from_file(big->brotli()->body.size(), '\0');
  ASSERT_EQ(static_cast<ssize_t>(from_file.size()),
            ::pread(big->brotli()->file->fd(), from_file.data(), from_file.size(), 0));
  EXPECT_EQ(big->brotli()->body, from_file);
  // Streamed in steps: the empty body, one over several steps, and a cancel.
  EXPECT_EQ("", Unbrotli(*Brotli("", 11)));
  const std::string three_steps = Prose(150 * 1024);
  EXPECT_EQ(three_steps, Unbrotli(*Brotli(three_steps, 5)));
  std::atomic<bool> cancel{true};
  EXPECT_FALSE(Brotli(three_steps, 11, &cancel));
  EXPECT_EQ(11, BrotliQualityFor(400 * 1024));
  EXPECT_EQ(9, BrotliQualityFor(4 * 1024 * 1024));
}

daemon::Snapshot SnapshotWithTwins(BrotliCompressor* brotli) {
  daemon::Snapshot s;
  s.resources = s.resources.Set("/rss.xml", MakeResource("<rss>brotli</rss>", kRssType, 1000000000, 300, false, {}, {}, brotli));
  s.resources = s.resources.Set("/", MakeResource("<p>index</p>", kHtmlType, 0, 300, false, {}, {}, brotli));
  s.generation = 1;
  brotli->Drain();
  return s;
}

TEST(HttpHandlerTest, Brotli) {
  BrotliCompressor brotli;
  const daemon::Snapshot s = SnapshotWithTwins(&brotli);
  const daemon::Resource& rss = *(*s.resources.Find("/rss.xml"));
  HttpReply br = Handle(s, "GET", "/rss.xml", {}, {}, "gzip, deflate, br");
  EXPECT_EQ(200, br.status);
  EXPECT_EQ(rss.brotli()->fields_200, br.fields);
  EXPECT_NE(std::string::npos, br.fields.find("Content-Encoding: br\r\n"));
  EXPECT_EQ("<rss>brotli</rss>", Unbrotli(std::string(br.Body())));
  HttpReply head = Handle(s, "HEAD", "/rss.xml", {}, {}, "br");
  EXPECT_EQ(rss.brotli()->fields_200, head.fields);
  EXPECT_FALSE(head.send_body);
  EXPECT_EQ(rss.brotli()->body.size(), head.Body().size());  // its Content-Length
  EXPECT_EQ(rss.gzip.fields_200, Handle(s, "GET", "/rss.xml", {}, {}, "br;q=0, gzip").fields);
  EXPECT_EQ(rss.gzip.fields_200, Handle(s, "GET", "/rss.xml", {}, {}, "gzip, br;q=0.5").fields);
  EXPECT_EQ(rss.identity.fields_200, Handle(s, "GET", "/rss.xml").fields);
  EXPECT_EQ(rss.identity.fields_200, Handle(s, "GET", "/rss.xml", {}, {}, "*;q=0").fields);
  // 304 for the br tag, and with If-Modified-Since.
  HttpReply nm = Handle(s, "GET", "/rss.xml", rss.brotli()->etag, {}, "br");
  EXPECT_EQ(304, nm.status);
  EXPECT_EQ(rss.brotli()->fields_304, nm.fields);
  HttpReply ims = Handle(s, "GET", "/rss.xml", {}, "Sun, 09 Sep 2001 01:46:40 GMT", "br, gzip");
  EXPECT_EQ(304, ims.status);
  EXPECT_EQ(rss.brotli()->fields_304, ims.fields);
  // A client that refuses br does not get a 304 for the br twin it cannot use.
  EXPECT_EQ(200, Handle(s, "GET", "/rss.xml", rss.brotli()->etag, {}, "gzip").status);
}

TEST(HttpHandlerTest, NotModifiedNamesTheTagThatMatched) {
  BrotliCompressor brotli;
  const daemon::Snapshot s = SnapshotWithTwins(&brotli);
  const daemon::Resource& rss = *(*s.resources.Find("/rss.xml"));
  struct Case {
    std::string if_none_match;
    const char* accept_encoding;
    const daemon::Representation* expect;  // null: 200
  } cases[] = {
      // A cache holding the identity response freshens it even if it would now get gzip.
      {rss.identity.etag, "gzip", &rss.identity},
      {"W/" + rss.identity.etag, "gzip", &rss.identity},
      {rss.identity.etag, "gzip, br", &rss.identity},
      {rss.gzip.etag, "gzip, br", &rss.gzip},
      {rss.gzip.etag, "", nullptr},  // gzip not acceptable
      {rss.gzip.etag, "gzip;q=0", nullptr},
      {rss.identity.etag, "identity;q=0, gzip", nullptr},
      {rss.brotli()->etag, "gzip, br", rss.brotli()},
      {rss.brotli()->etag, "*", rss.brotli()},
      // Several stored responses: the one the client would be sent wins.
      {rss.identity.etag + ", " + rss.gzip.etag, "gzip", &rss.gzip},
      {rss.gzip.etag + ", " + rss.identity.etag, "identity", &rss.identity},
      {rss.identity.etag + ", " + rss.brotli()->etag, "br", rss.brotli()},
      {"*", "br", rss.brotli()},
      {"*", "gzip", &rss.gzip},
      {"\"other\"", "gzip", nullptr},
  };
  for (const Case& c : cases) {
    const HttpReply r = Handle(s, "GET", "/rss.xml", c.if_none_match, {}, c.accept_encoding);
    if (!c.expect) {
      EXPECT_EQ(200, r.status) << c.if_none_match << " / " << c.accept_encoding;
      continue;
    }
    EXPECT_EQ(304, r.status) << c.if_none_match << " / " << c.accept_encoding;
    EXPECT_EQ(c.expect->fields_304, r.fields) << c.if_none_match << " / " << c.accept_encoding;
    EXPECT_NE(std::string::npos, r.fields.find("ETag: " + c.expect->etag + "\r\n"));
    EXPECT_NE(std::string::npos, r.fields.find("Vary: Accept-Encoding\r\n"));
    EXPECT_EQ(std::string::npos, r.fields.find("Content-Encoding"));
  }
  // Without Accept-Encoding any coding is acceptable: a cache's gzip tag validates.
  const HttpReply gz = Handle(s, "GET", "/rss.xml", rss.gzip.etag);
  EXPECT_EQ(304, gz.status);
  EXPECT_EQ(rss.gzip.fields_304, gz.fields);
}

TEST(HttpHandlerTest, SecurityFieldsOnEveryReply) {
  BrotliCompressor brotli;
  daemon::Snapshot s = SnapshotWithTwins(&brotli);
  s.resources = s.resources.Set("/feed.json", MakeResource("{}", kJsonFeedType, 0, 300));
  s.resources = s.resources.Set("/articles/a", MakeResource("<p>a</p>", kHtmlType, 0, 300));
  Metrics metrics;
  HealthInfo allowed{100, true};
  allowed.metrics = &metrics;
  HealthInfo forbidden = allowed;
  forbidden.metrics_allowed = false;
  const std::string csp =
      "Content-Security-Policy: default-src 'none'; img-src * data:; media-src *; style-src 'unsafe-inline'; "
      "base-uri 'none'; form-action 'none'\r\n";
  struct Case {
    HttpRequest req;
    const HealthInfo* health;
    int status;
    bool html;
  } cases[] = {
      {{"GET", "/rss.xml", {}, {}, {}, {}, {}}, &allowed, 200, false},
      {{"GET", "/rss.xml", {}, {}, "gzip", {}, {}}, &allowed, 200, false},
      {{"GET", "/rss.xml", {}, {}, "br", {}, {}}, &allowed, 200, false},
      {{"GET", "/rss.xml", (*s.resources.Find("/rss.xml"))->identity.etag, {}, {}, {}, {}},
       &allowed,
       304,
       false},
      {{"GET", "/feed.json", {}, {}, {}, {}, {}}, &allowed, 200, false},
      {{"GET", "/", {}, {}, {}, {}, {}}, &allowed, 200, true},
      {{"GET", "/", {}, {}, "br", {}, {}}, &allowed, 200, true},
      {{"HEAD", "/", {}, {}, "gzip", {}, {}}, &allowed, 200, true},
      {{"GET", "/", (*s.resources.Find("/"))->identity.etag, {}, {}, {}, {}}, &allowed, 304, true},
      {{"GET", "/articles/a", {}, {}, {}, {}, {}}, &allowed, 200, true},
      {{"GET", "/nope", {}, {}, {}, {}, {}}, &allowed, 404, false},
      {{"GET", "nope", {}, {}, {}, {}, {}}, &allowed, 400, false},
      {{"POST", "/", {}, {}, {}, {}, {}}, &allowed, 405, false},
      {{"GET", "/healthz", {}, {}, {}, {}, {}}, &allowed, 200, false},
      {{"GET", "/metrics", {}, {}, {}, {}, {}}, &allowed, 200, false},
      {{"GET", "/metrics", {}, {}, {}, {}, {}}, &forbidden, 403, false},
  };
  std::string head;
  for (const Case& c : cases) {
    const HttpReply r = HandleRequest(s, c.req, *c.health);
    EXPECT_EQ(c.status, r.status) << c.req.method << " " << c.req.target;
    SerializeHead(r, "D", true, false, &head);
    EXPECT_NE(std::string::npos, head.find("\r\nX-Content-Type-Options: nosniff\r\n")) << head;
    EXPECT_NE(std::string::npos,
              head.find("\r\nReferrer-Policy: strict-origin-when-cross-origin\r\n"))
        << head;
    EXPECT_EQ(c.html, head.find("\r\n" + csp) != std::string::npos) << head;
    EXPECT_EQ(head.find("X-Content-Type-Options"), head.rfind("X-Content-Type-Options")) << head;
  }
  for (int status : {400, 413, 431, 500, 503}) {
    SerializeHead(ErrorReply(status), "D", false, false, &head);
    EXPECT_NE(std::string::npos, head.find("\r\nX-Content-Type-Options: nosniff\r\n")) << head;
    EXPECT_NE(std::string::npos,
              head.find("\r\nReferrer-Policy: strict-origin-when-cross-origin\r\n"));
  }
}

TEST(HttpHandlerTest, MetricsOnlyWhenAllowed) {
  const daemon::Snapshot s = MakeSnapshot();
  Metrics metrics;
  HealthInfo health{100, true};
  health.metrics = &metrics;
  health.metrics_allowed = false;
  const HttpReply denied = HandleRequest(s, HttpRequest{"GET", "/metrics", {}, {}, {}, {}, {}}, health);
  EXPECT_EQ(403, denied.status);
  EXPECT_EQ("metrics", denied.route);
  EXPECT_EQ("403 Forbidden: /metrics is served to loopback clients only\n", denied.Body());
  EXPECT_EQ(std::string::npos, denied.Body().find("feedd_"));
  EXPECT_NE(std::string::npos, denied.fields.find("Content-Type: text/plain"));
  std::string head;
  SerializeHead(denied, "D", true, false, &head);
  EXPECT_EQ(0u, head.find("HTTP/1.1 403 Forbidden\r\n"));
  const HttpReply denied_head =
      HandleRequest(s, HttpRequest{"HEAD", "/metrics", {}, {}, {}, {}, {}}, health);
  EXPECT_EQ(403, denied_head.status);
  EXPECT_FALSE(denied_head.send_body);
  // /healthz stays public.
  const HttpReply h = HandleRequest(s, HttpRequest{"GET", "/healthz", {}, {}, {}, {}, {}}, health);
  EXPECT_EQ(200, h.status);
  EXPECT_EQ(0u, h.Body().find("{\"status\":\"ok\","));
  health.metrics_allowed = true;
  const HttpReply ok = HandleRequest(s, HttpRequest{"GET", "/metrics", {}, {}, {}, {}, {}}, health);
  EXPECT_EQ(200, ok.status);
  EXPECT_NE(std::string::npos, ok.Body().find("feedd_articles 1\n"));
}

}  // namespace
}  // namespace feedd::daemon

namespace feedd::daemon {
namespace {

// Hot bodies live in unnamed files in the body folder (sendfile from a disk's page
// cache is cheaper than from shmem), else in sealed memfds.
TEST(ResourceTest, BodyFilesAreUnnamedFilesInTheBodyFolderElseMemfds) {
  auto link_of = [](int fd) {
    char buf[256];
    const ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  };
  auto contents = [](int fd) {
    std::string out(64, '\0');
    const ssize_t n = ::pread(fd, out.data(), out.size(), 0);
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return out;
  };
  testing::TempDir dir;
  std::string err;
  ASSERT_TRUE(SetBodyFileFolder(dir.path().string(), &err)) << err;
  std::shared_ptr<const daemon::BodyFile> f = MakeBodyFileForTest("body bytes");
  ASSERT_TRUE(f);
  struct stat st {};
  ASSERT_EQ(0, ::fstat(f->fd(), &st));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(0u, st.st_nlink);  // never linked into the folder
  EXPECT_EQ("body bytes", contents(f->fd()));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

  EXPECT_FALSE(SetBodyFileFolder((dir.path() / "missing").string(), &err));
  EXPECT_EQ((dir.path() / "missing").string() + ": No such file or directory", err);
  std::shared_ptr<const daemon::BodyFile> m = MakeBodyFileForTest("in memory");
  ASSERT_TRUE(m);
  EXPECT_EQ(0u, link_of(m->fd()).rfind("/memfd:feedd-body", 0)) << link_of(m->fd());
  EXPECT_EQ("in memory", contents(m->fd()));
  ASSERT_TRUE(SetBodyFileFolder("", &err));
}

}  // namespace
}  // namespace feedd::daemon
