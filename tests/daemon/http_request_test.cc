#include "daemon/http/request.h"

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace feedd::daemon {
namespace {

// The first outcome of a connection fed with `bytes`: 0 for a request, else the
// error status; -1 when nothing was complete. Checked whole, byte by byte and in
// odd chunks: the answer must not depend on how the bytes arrive.
int FirstStatus(const std::string& bytes, const RequestLimits& limits = {}) {
  const std::vector<RequestOutcome> whole = ParseRequests(bytes, limits);
  EXPECT_EQ(whole, ParseRequests(bytes, limits, 1)) << bytes;
  EXPECT_EQ(whole, ParseRequests(bytes, limits, 7)) << bytes;
  return whole.empty() ? -1 : whole.front().status;
}

const std::string kGet = "GET /rss.xml HTTP/1.1\r\nHost: example.org\r\n";

struct Case {
  std::string name;
  std::string bytes;
  int status;  // 0: accepted as a request
};

TEST(HttpRequestTest, FramingTable) {
  const std::vector<Case> cases = {
      {"plain GET", kGet + "\r\n", 0},
      {"LF line ends", "GET / HTTP/1.1\nHost: x\n\n", 0},
      {"leading empty line", "\r\n" + kGet + "\r\n", 0},
      {"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0},
      {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"two Hosts", kGet + "Host: example.org\r\n\r\n", 400},
      {"two Hosts on HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"Host with port", "GET / HTTP/1.1\r\nHost: example.org:8080\r\n\r\n", 0},
      {"Host IPv6", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 0},
      {"Host with space", "GET / HTTP/1.1\r\nHost: exa mple.org\r\n\r\n", 400},
      {"Host with @ and path", "GET / HTTP/1.1\r\nHost: user@evil.example/x\r\n\r\n", 400},
      {"Host with path", "GET / HTTP/1.1\r\nHost: example.org/x\r\n\r\n", 400},
      {"Host with bad port", "GET / HTTP/1.1\r\nHost: example.org:80a\r\n\r\n", 400},
      {"Host with backslash", "GET / HTTP/1.1\r\nHost: a\\b\r\n\r\n", 400},
      {"obs-fold", kGet + "X-A: 1\r\n  continued\r\n\r\n", 400},
      {"obs-fold with tab", kGet + "X-A: 1\r\n\tcontinued\r\n\r\n", 400},
      {"space before colon", kGet + "X-A : 1\r\n\r\n", 400},
      {"bad field name", kGet + "X(A): 1\r\n\r\n", 400},
      {"empty field name", kGet + ": 1\r\n\r\n", 400},
      {"no colon", "GET /rss.xml HTTP/1.1\r\nHost x\r\n\r\n", 400},
      {"NUL in value", kGet + std::string("X-A: a\0b\r\n\r\n", 11), 400},
      {"bare CR in value", kGet + "X-A: a\rb\r\n\r\n", 400},
      {"obs-text in value", kGet + "X-A: caf\xc3\xa9\r\n\r\n", 0},
      {"Content-Length 0", kGet + "Content-Length: 0\r\n\r\n", 0},
      {"Content-Length twice, same", kGet + "Content-Length: 0\r\nContent-Length: 0\r\n\r\n", 400},
      {"Content-Length list", kGet + "Content-Length: 0, 0\r\n\r\n", 400},
      {"Content-Length sign", kGet + "Content-Length: +1\r\n\r\nx", 400},
      {"Content-Length empty", kGet + "Content-Length:\r\n\r\n", 400},
      {"Content-Length huge", kGet + "Content-Length: 99999999999999999999\r\n\r\n", 400},
      {"CL with TE", kGet + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"TE with CL", kGet + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
       400},
      {"TE gzip, chunked", kGet + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {"TE chunked, gzip", kGet + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 501},
      {"TE gzip", kGet + "Transfer-Encoding: gzip\r\n\r\nxxxx", 501},
      {"TE identity", kGet + "Transfer-Encoding: identity\r\n\r\n", 501},
      {"TE xchunked", kGet + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 501},
      {"TE twice",
       kGet + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
      {"TE on HTTP/1.0", "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"TE chunked", kGet + "Transfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 0},
      {"chunk extension",
       kGet + "Transfer-Encoding: chunked\r\n\r\n5;a=b;c=\"q\\\"x\"\r\nhello\r\n0\r\n\r\n", 0},
      {"chunk extension BWS",
       kGet + "Transfer-Encoding: chunked\r\n\r\n5 ; a\r\nhello\r\n0\r\n\r\n", 0},
      {"chunk size garbage", kGet + "Transfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n",
       400},
      {"chunk size missing", kGet + "Transfer-Encoding: chunked\r\n\r\n\r\n", 400},
      {"chunk data too long", kGet + "Transfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n",
       400},
      {"chunk size overflow", kGet + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
       400},
      {"trailer", kGet + "Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n", 0},
      {"bad trailer", kGet + "Transfer-Encoding: chunked\r\n\r\n0\r\nX T: 1\r\n\r\n", 400},
      {"GET with a small body", kGet + "Content-Length: 5\r\n\r\nhello", 0},
      {"garbage", "GARBAGE\r\n\r\n", 400},
      {"FTP version", "GET /rss.xml FTP/1.1\r\n\r\n", 400},
      {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400},
      {"HTTP/1.2 reads as 1.1", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 0},
      {"NUL in method", std::string("GET\0/ HTTP/1.1\r\n\r\n", 19), 400},
      {"two spaces", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"space in target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"tab in target", "GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"no target", "GET HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"POST with a body",
       "POST /rss.xml HTTP/1.1\r\nHost: example.org\r\nContent-Length: 5\r\n\r\nhello", 0},
  };
  for (const Case& c : cases) EXPECT_EQ(c.status, FirstStatus(c.bytes)) << c.name;
}

TEST(HttpRequestTest, Limits) {
  RequestLimits limits;  // 8192 header bytes, 100 fields
  std::string many = kGet;
  for (int i = 0; i < 1000; ++i) many += "A: b\r\n";
  EXPECT_EQ(431, FirstStatus(many + "\r\n"));
  std::string hundred = kGet;
  for (int i = 0; i < 99; ++i) hundred += "A: b\r\n";
  EXPECT_EQ(0, FirstStatus(hundred + "\r\n"));  // Host and 99 more: exactly 100
  EXPECT_EQ(431, FirstStatus(hundred + "A: b\r\n\r\n"));
  EXPECT_EQ(431, FirstStatus(kGet + "X-Big: " + std::string(16 * 1024, 'a') + "\r\n\r\n"));
  // A header that never ends is refused once it is over the limit, not when it ends.
  EXPECT_EQ(431, FirstStatus(kGet + "X-Big: " + std::string(9000, 'a')));
  EXPECT_EQ(414, FirstStatus("GET /" + std::string(9000, 'a')));
  EXPECT_EQ(414, FirstStatus("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Exactly at the limit is fine.
  const std::string head = "GET / HTTP/1.1\r\nHost: x\r\nX: ";
  std::string exact =
      head + std::string(limits.max_header_bytes - head.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(limits.max_header_bytes, exact.size());
  EXPECT_EQ(0, FirstStatus(exact));
  exact.insert(head.size(), "a");
  EXPECT_EQ(431, FirstStatus(exact));
  // Chunk lines and their extensions, trailers.
  const std::string te = kGet + "Transfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(400, FirstStatus(te + "5;" + std::string(2000, 'e') + "\r\nhello\r\n0\r\n\r\n"));
  EXPECT_EQ(400, FirstStatus(te + "0;" + std::string(2000, 'e')));  // never ends
  EXPECT_EQ(431,
            FirstStatus(te + "0\r\nX-T: " + std::string(9000, 't')));  // a trailer that never ends
  std::string trailers = te + "0\r\n";
  for (int i = 0; i < 101; ++i) trailers += "T: 1\r\n";
  EXPECT_EQ(431, FirstStatus(trailers + "\r\n"));
}

TEST(HttpRequestTest, BodiesAreDiscardedOrCloseTheConnection) {
  // A small body is read through: the next request follows.
  std::vector<RequestOutcome> r =
      ParseRequests(kGet + "Content-Length: 5\r\n\r\nhello" + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(2u, r.size());
  EXPECT_EQ("/rss.xml", r[0].target);
  EXPECT_TRUE(r[0].keep_alive);
  EXPECT_EQ("/b", r[1].target);
  r = ParseRequests(
      kGet + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\nT: x\r\n\r\n" +
      "HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(2u, r.size());
  EXPECT_EQ("HEAD", r[1].method);
  EXPECT_EQ("/c", r[1].target);
  // The methods the server does not support are read like GET: the handler says 405.
  r = ParseRequests(
      "POST /rss.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: "
      "x\r\n\r\n");
  ASSERT_EQ(2u, r.size());
  EXPECT_EQ("POST", r[0].method);
  EXPECT_EQ("GET", r[1].method);
  // A large body is not read: the request is answered and the connection closes,
  // so the body is never taken for a request.
  const std::string body(20000, 'x');
  r = ParseRequests("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n" + body);
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(0, r[0].status);
  EXPECT_FALSE(r[0].keep_alive);
  std::string chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) chunked += "400\r\n" + std::string(1024, 'y') + "\r\n";
  r = ParseRequests(chunked + "0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(1u, r.size());
  EXPECT_FALSE(r[0].keep_alive);
  // Expect: 100-continue: answered at once, then closed.
  r = ParseRequests(
      "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  ASSERT_EQ(1u, r.size());
  EXPECT_FALSE(r[0].keep_alive);
  // "gzip" alone with a body: 501, and the body is never answered as a request.
  r = ParseRequests(kGet +
                    "Transfer-Encoding: gzip\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(501, r[0].status);
  // Content-Length with Transfer-Encoding: 400 and nothing after it.
  r = ParseRequests(kGet +
                    "Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                    "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(400, r[0].status);
}

TEST(HttpRequestTest, KeepAliveByVersionAndConnection) {
  auto keep = [](const std::string& bytes) {
    std::vector<RequestOutcome> r = ParseRequests(bytes);
    EXPECT_EQ(1u, r.size()) << bytes;
    return !r.empty() && r[0].keep_alive;
  };
  EXPECT_TRUE(keep("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade, Close\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"));
}

TEST(HttpRequestTest, FieldsTheHandlerNeeds) {
  RequestReader reader(RequestLimits{});
  const std::string bytes =
      "GET /a?b HTTP/1.1\r\nhost: h:1\r\nIF-NONE-MATCH:  \"x\"  \r\nIf-Modified-Since: Sat, 03 Jan "
      "2026 "
      "00:00:00 GMT\r\nAccept-Encoding: gzip\r\nReferer: http://r/\r\nUser-Agent: ua/1\r\n"
      "If-None-Match: \"second\"\r\n\r\n";
  std::memcpy(reader.space(), bytes.data(), bytes.size());
  reader.Commit(bytes.size());
  ASSERT_EQ(RequestReader::Result::kRequest, reader.Next());
  const ParsedRequest& r = reader.request();
  EXPECT_EQ("GET", r.method);
  EXPECT_EQ("/a?b", r.target);
  EXPECT_EQ("GET /a?b HTTP/1.1", r.request_line);
  EXPECT_EQ(1, r.minor_version);
  EXPECT_EQ("h:1", r.host.value_or(""));
  EXPECT_EQ("\"x\"", r.if_none_match.value_or(""));
  EXPECT_EQ("Sat, 03 Jan 2026 00:00:00 GMT", r.if_modified_since.value_or(""));
  EXPECT_EQ("gzip", r.accept_encoding.value_or(""));
  EXPECT_EQ("http://r/", r.referer.value_or(""));
  EXPECT_EQ("ua/1", r.user_agent.value_or(""));
  EXPECT_EQ(RequestReader::Result::kNeedMore, reader.Next());
  EXPECT_EQ(0u, reader.buffered());
}

// X-Forwarded-For fields are kept in order, the last kMaxForwardedFields of them
// (those nearest the peer, the only ones a trusted proxy vouches for); a reused
// reader forgets the previous request's.
TEST(HttpRequestTest, ForwardedForFields) {
  RequestReader reader(RequestLimits{});
  std::string bytes = "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.1, 10.0.0.1\r\n"
                      "x-forwarded-for:  10.0.0.2 \r\n\r\n";
  bytes += "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 10; ++i) bytes += "X-Forwarded-For: 10.0.0." + std::to_string(i) + "\r\n";
  bytes += "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
  std::memcpy(reader.space(), bytes.data(), bytes.size());
  reader.Commit(bytes.size());
  ASSERT_EQ(RequestReader::Result::kRequest, reader.Next());
  ASSERT_EQ(2u, reader.request().forwarded_for_count);
  EXPECT_EQ("192.0.2.1, 10.0.0.1", reader.request().forwarded_for[0]);
  EXPECT_EQ("10.0.0.2", reader.request().forwarded_for[1]);
  ASSERT_EQ(RequestReader::Result::kRequest, reader.Next());
  ASSERT_EQ(ParsedRequest::kMaxForwardedFields, reader.request().forwarded_for_count);
  EXPECT_EQ("10.0.0.2", reader.request().forwarded_for[0]);
  EXPECT_EQ("10.0.0.9", reader.request().forwarded_for[7]);
  ASSERT_EQ(RequestReader::Result::kRequest, reader.Next());
  EXPECT_EQ(0u, reader.request().forwarded_for_count);
}

TEST(HttpRequestTest, RangeFields) {
  RequestReader reader(RequestLimits{});
  const std::string bytes =
      "GET /media/a.mp3 HTTP/1.1\r\nHost: h\r\nrange: bytes=0-99\r\nIf-Range: \"t\"\r\n\r\n"
      "GET /media/a.mp3 HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nRange: bytes=5-9\r\n\r\n";
  std::memcpy(reader.space(), bytes.data(), bytes.size());
  reader.Commit(bytes.size());
  ASSERT_EQ(RequestReader::Result::kRequest, reader.Next());
  EXPECT_EQ("bytes=0-99", reader.request().range.value_or(""));
  EXPECT_EQ("\"t\"", reader.request().if_range.value_or(""));
  // Two Range fields make no one range: neither is used (the whole file is sent).
  ASSERT_EQ(RequestReader::Result::kRequest, reader.Next());
  EXPECT_FALSE(reader.request().range);
  EXPECT_FALSE(reader.request().if_range);
}

TEST(HttpRequestTest, PipelinedRequestsKeepTheBufferBounded) {
  // Thousands of pipelined requests pass through the fixed buffer.
  std::string bytes;
  for (int i = 0; i < 5000; ++i)
    bytes += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::vector<RequestOutcome> r = ParseRequests(bytes, {}, 1000);
  ASSERT_EQ(5000u, r.size());
  EXPECT_EQ("/4999", r.back().target);
  // A body of megabytes in many small chunks is discarded with the buffer it has.
  RequestLimits big;
  big.max_body_bytes = 8u << 20;
  std::string chunked = "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4000; ++i) chunked += "7ff\r\n" + std::string(0x7ff, 'z') + "\r\n";
  const std::vector<RequestOutcome> c =
      ParseRequests(chunked + "0\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n", big, 3000);
  ASSERT_EQ(2u, c.size());
  EXPECT_EQ("/after", c[1].target);
}

TEST(HttpRequestTest, HostValidation) {
  for (const char* ok : {"", "example.org", "a-b.example.org:80", "127.0.0.1:8080", "[::1]",
                         "[::1]:80", "xn--bcher-kva.example", "a%41b"})
    EXPECT_TRUE(IsValidHost(ok)) << ok;
  for (const char* bad : {"a b", "user@host", "host/path", "host:8o", "[::1", "[]", "host:123456",
                          "a%4", "h\"", "h?x", "h#x"})
    EXPECT_FALSE(IsValidHost(bad)) << bad;
}

}  // namespace
}  // namespace feedd::daemon
