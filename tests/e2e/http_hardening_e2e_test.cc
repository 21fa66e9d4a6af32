// Hostile and clumsy clients against the real binary (issue 9): strict framing,
// bounded memory per connection, lingering close, 503 when full, timeouts, the
// access log and who may read /metrics.
#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using namespace std::chrono_literals;
using testing::Connection;
using testing::Count;
using testing::Daemon;
using testing::Drop;
using testing::HttpResponse;
using testing::TempDir;
using testing::WaitUntil;

// An article whose page is about `bytes` long.
std::string BigArticle(size_t bytes) {
  std::string body;
  for (int i = 0; body.size() < bytes; ++i)
    body += "Paragraph " + std::to_string(i) + " of a long article.\n\n";
  return "Title: Big\n\n" + body;
}

size_t RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

// Reads until the server closes (true) or `timeout` passes (false); *reset is set
// when the close was a reset rather than an orderly end.
bool ReadToClose(Connection& c, std::chrono::milliseconds timeout, bool* reset = nullptr) {
  const auto deadline = testing::Clock::now() + timeout;
  char buf[65536];
  while (testing::Clock::now() < deadline) {
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n > 0) {
      c.buffer().append(buf, static_cast<size_t>(n));
      continue;
    }
    if (reset) *reset = n < 0 && errno == ECONNRESET;
    return true;
  }
  return false;
}

std::string SmuggledRequest() {
  return "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
}

class HardeningTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::filesystem::path in() const { return dir_.path(); }
};

struct Odd {
  std::string name;
  std::string bytes;
  int status;
};

// Side by side with nginx on the same odd requests (issue 9): each is refused with
// the status nginx and RFC 9112 give, the connection closes, and nothing sent after
// the refused request is answered (no request smuggling).
TEST_F(HardeningTest, FramingAsStrictAsNginx) {
  Drop(in() / "a.txt", "Title: A\n\nBody.\n");
  Daemon d(in());
  ASSERT_GT(d.port(), 0) << d.Log();
  const std::string get = "GET /rss.xml HTTP/1.1\r\nHost: x\r\n";
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string thousand = get;
  for (int i = 0; i < 1000; ++i) thousand += "a: b\r\n";
  const std::vector<Odd> odd = {
      {"Host with a space", "GET / HTTP/1.1\r\nHost: exa mple.org\r\n\r\n", 400},
      {"Host with @ and a path", "GET / HTTP/1.1\r\nHost: a@evil.example/x\r\n\r\n", 400},
      {"HTTP/1.1 without Host", "GET /rss.xml HTTP/1.1\r\n\r\n", 400},
      {"two Hosts", get + "Host: y\r\n\r\n", 400},
      {"obs-fold", get + "X-A: 1\r\n continued\r\n\r\n", 400},
      {"Content-Length twice", get + "Content-Length: 0\r\nContent-Length: 0\r\n\r\n", 400},
      {"Content-Length list", get + "Content-Length: 0, 0\r\n\r\n", 400},
      {"gzip, chunked", get + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled, 501},
      {"chunked, gzip", get + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n" + smuggled, 501},
      {"gzip alone with a body", get + "Transfer-Encoding: gzip\r\n\r\n" + smuggled, 501},
      {"identity", get + "Transfer-Encoding: identity\r\n\r\n" + smuggled, 501},
      {"xchunked", get + "Transfer-Encoding: xchunked\r\n\r\n" + smuggled, 501},
      {"Transfer-Encoding on HTTP/1.0",
       "GET /rss.xml HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400},
      {"Content-Length with Transfer-Encoding",
       get + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400},
      {"1000 header fields", thousand + "\r\n", 431},
      {"bad field name", get + "X(A): 1\r\n\r\n", 400},
      {"a trailer that never ends",
       get + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: " + std::string(20000, 't'), 431},
  };
  for (const Odd& o : odd) {
    Connection c(d.port());
    ASSERT_TRUE(c.Send(o.bytes)) << o.name;
    std::optional<HttpResponse> r = c.ReadResponse();
    ASSERT_TRUE(r) << o.name;
    EXPECT_EQ(o.status, r->status) << o.name;
    EXPECT_EQ("close", r->Header("connection")) << o.name;
    EXPECT_TRUE(ReadToClose(c, 10s)) << o.name;
    EXPECT_EQ(std::string::npos, c.buffer().find("HTTP/1.1 ")) << o.name << ": answered again";
  }
  {  // HTTP/1.0 without Host is still served.
    Connection old(d.port());
    old.Send("GET /rss.xml HTTP/1.0\r\n\r\n");
    std::optional<HttpResponse> r = old.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(200, r->status);
  }
  // Still serving after all of that.
  EXPECT_EQ(200, d.Get("/rss.xml")->status);
  EXPECT_EQ(0, d.Stop());
}

// POST and the other unsupported methods get 405 with Allow, their body read and
// discarded, and the connection goes on; a GET with a small body is served.
TEST_F(HardeningTest, MethodsWithBodiesGet405) {
  Drop(in() / "a.txt", "Title: A\n\nBody.\n");
  Daemon d(in());
  Connection c(d.port());
  c.Send(
      "POST /rss.xml HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: "
      "11\r\n\r\nhello world"
      "PUT /rss.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
      "GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<HttpResponse> post = c.ReadResponse();
  std::optional<HttpResponse> put = c.ReadResponse();
  std::optional<HttpResponse> health = c.ReadResponse();
  std::optional<HttpResponse> rss = c.ReadResponse();
  ASSERT_TRUE(post && put && health && rss);
  EXPECT_EQ(405, post->status);
  EXPECT_EQ("GET, HEAD", post->Header("allow"));
  EXPECT_EQ(405, put->status);
  EXPECT_EQ(200, health->status);
  EXPECT_EQ(200, rss->status);
  EXPECT_FALSE(c.ClosedWithin(200ms));
  // A body too large to read through: 405, then the connection closes (lingering),
  // and nothing in the body is taken for a request.
  {
    Connection big(d.port());
    std::string body;
    while (body.size() < 300000) body += SmuggledRequest();
    big.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n\r\n");
    std::thread sender([&] { big.Send(body); });
    std::optional<HttpResponse> r = big.ReadResponse();
    sender.join();
    ASSERT_TRUE(r);
    EXPECT_EQ(405, r->status);
    EXPECT_TRUE(ReadToClose(big, 10s));
    EXPECT_EQ(std::string::npos, big.buffer().find("HTTP/1.1 "));
  }
  EXPECT_EQ(0, d.Stop());
}

// The request that grew feedd to 2 GB in seconds: a chunked GET whose trailer
// never ends. Now every part of a request is bounded and the buffer has a fixed
// size: the daemon's memory stays put while several such clients stream.
TEST_F(HardeningTest, MemoryPerConnectionIsBounded) {
  Drop(in() / "a.txt", "Title: A\n\nBody.\n");
  Daemon d(in(), {"--header-timeout", "20s"});
  ASSERT_GT(d.port(), 0) << d.Log();
  ASSERT_EQ(200, d.Get("/rss.xml")->status);
  const size_t before = RssKb(d.pid());
  ASSERT_GT(before, 0u);
  std::atomic<size_t> peak{before};
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max(peak.load(), RssKb(d.pid()));
      std::this_thread::sleep_for(10ms);
    }
  });
  const std::vector<std::string> attacks = {
      "GET /rss.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: ",
      "GET /rss.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=",
      "GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Header: ",
      "GET /",
  };
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&, i] {
      Connection c(d.port());
      timeval tv{2, 0};
      ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      c.Send(attacks[static_cast<size_t>(i) % attacks.size()]);
      const std::string block(64 * 1024, 'a');
      for (int k = 0; k < 128; ++k) {  // 8 MB each, or until the server stops reading
        if (!c.Send(block)) break;
      }
      std::optional<HttpResponse> r = c.ReadResponse(false, 10s);
      if (r && r->status >= 400) ++answered;
    });
  }
  for (auto& t : clients) t.join();
  done = true;
  sampler.join();
  EXPECT_EQ(8, answered.load());
  EXPECT_LT(peak.load(), before + 16 * 1024)
      << "RSS went from " << before << " KB to " << peak << " KB";
  EXPECT_EQ(200, d.Get("/rss.xml")->status);
  EXPECT_EQ(0, d.Stop());
}

// A close after a response is a lingering close: the client reads the whole
// response even though it sent more than the server read (issue 9: of a 360 KB
// feed a client got 110 KB, then ECONNRESET).
TEST_F(HardeningTest, LingeringCloseDeliversTheWholeResponse) {
  Drop(in() / "big.txt", BigArticle(360 * 1024));
  Daemon d(in(), {"--max-article-size", "10M", "--max-content-size", "64M"});
  ASSERT_GT(d.port(), 0) << d.Log();
  std::string pipelined;  // more than the server reads at once: some stay unread
  for (int i = 0; i < 2000; ++i) pipelined += "GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int round = 0; round < 3; ++round) {
    Connection c(d.port(), 4096);  // a small window: the response takes a while
    ASSERT_TRUE(
        c.Send("GET /articles/big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + pipelined));
    std::optional<HttpResponse> r = c.ReadResponse(false, 20s);
    ASSERT_TRUE(r) << "round " << round << ": the response was cut short";
    EXPECT_EQ(200, r->status);
    EXPECT_GT(r->body.size(), 360u * 1024);
    EXPECT_EQ(std::stoul(r->Header("content-length")), r->body.size());
    EXPECT_NE(std::string::npos, r->body.find("</html>"));
    bool reset = true;
    EXPECT_TRUE(ReadToClose(c, 10s, &reset));
    EXPECT_FALSE(reset);
    EXPECT_EQ("", c.buffer());  // the pipelined requests were not answered
  }
  // A 400 while the client still writes: the client reads the 400.
  for (int round = 0; round < 3; ++round) {
    Connection c(d.port());
    c.Send("GARBAGE\r\n\r\n");
    std::thread more([&] { c.Send(std::string(512 * 1024, 'x')); });
    std::optional<HttpResponse> r = c.ReadResponse(false, 10s);
    more.join();
    ASSERT_TRUE(r) << "round " << round;
    EXPECT_EQ(400, r->status);
  }
  // A drain on SIGTERM: the response in flight arrives whole, and so does every
  // response after it that the server began before it stopped: no reset.
  Connection c(d.port(), 4096);
  c.Send("GET /articles/big HTTP/1.1\r\nHost: x\r\n\r\n" + pipelined);
  ASSERT_TRUE(c.ReadSome(2s, 1024));
  ASSERT_EQ(0, ::kill(d.pid(), SIGTERM));
  bool reset = true;
  EXPECT_TRUE(ReadToClose(c, 20s, &reset));
  EXPECT_FALSE(reset);
  std::optional<HttpResponse> r = c.ReadResponse(false, 1s);
  ASSERT_TRUE(r);
  EXPECT_NE(std::string::npos, r->body.find("</html>"));
  while (!c.buffer().empty()) ASSERT_TRUE(c.ReadResponse(false, 1s)) << "a response cut short";
  ::shutdown(c.fd(), SHUT_RDWR);  // done reading: the server's lingering ends
  EXPECT_EQ(0, d.Wait(15s));
}

// Beyond max_connections, and beyond max_connections_per_client for one address,
// a new client is told so: 503 with Retry-After, then the close.
// Two connections that hold the two slots, each served 200. The harness's own
// connections (it waited for the first snapshot) may still be closing on a busy
// machine: `a` connects again until its /metrics says it is the only one open;
// only then does `b` connect.
struct Slots {
  std::unique_ptr<Connection> a, b;
};
Slots FillTheSlots(int port) {
  Slots s;
  WaitUntil([&] {
    s.a = std::make_unique<Connection>(port);
    s.a->Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    std::optional<HttpResponse> m = s.a->ReadResponse();
    if (m && m->status == 200 && m->body.find("feedd_http_connections_open 1\n") != std::string::npos)
      return true;
    s.a.reset();
    return false;
  });
  if (!s.a) return s;
  s.b = std::make_unique<Connection>(port);
  s.b->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<HttpResponse> r = s.b->ReadResponse();
  if (!r || r->status != 200) s.b.reset();
  return s;
}

TEST_F(HardeningTest, FullServerAnswers503) {
  Drop(in() / "a.txt", "Title: A\n\nBody.\n");
  {
    Daemon d(in(), {"--max-connections", "2", "--max-connections-per-client", "0"});
    Slots slots = FillTheSlots(d.port());
    ASSERT_TRUE(slots.a && slots.b) << "the two slots could not be filled";
    Connection& a = *slots.a;
    // Refusals so far (filling the slots on a busy machine may have met some).
    auto refusals = [&] {
      a.Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
      std::optional<HttpResponse> m = a.ReadResponse();
      const std::string key = "\nfeedd_http_connections_refused_total ";
      const size_t at = m ? m->body.find(key) : std::string::npos;
      return at == std::string::npos ? -1L : std::atol(m->body.c_str() + at + key.size());
    };
    const long before = refusals();
    ASSERT_GE(before, 0);
    Connection refused(d.port());
    refused.Send("GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n");
    std::optional<HttpResponse> r = refused.ReadResponse();
    ASSERT_TRUE(r) << "a silent close";
    EXPECT_EQ(503, r->status);
    EXPECT_EQ("5", r->Header("retry-after"));
    EXPECT_EQ("close", r->Header("connection"));
    bool reset = true;
    EXPECT_TRUE(ReadToClose(refused, 10s, &reset));
    EXPECT_FALSE(reset);
    EXPECT_EQ(before + 1, refusals());
    EXPECT_EQ(0, d.Stop());
  }
  {
    Daemon d(in(), {"--max-connections-per-client", "2"});
    Slots slots = FillTheSlots(d.port());
    ASSERT_TRUE(slots.a && slots.b) << "the two slots could not be filled";
    std::unique_ptr<Connection>& a = slots.a;
    std::optional<HttpResponse> r = d.Get("/rss.xml");
    ASSERT_TRUE(r);
    EXPECT_EQ(503, r->status);
    EXPECT_TRUE(r->Has("retry-after"));
    a.reset();  // one slot free again
    EXPECT_TRUE(WaitUntil([&] {
      std::optional<HttpResponse> again = d.Get("/rss.xml");
      return again && again->status == 200;
    }));
    EXPECT_EQ(0, d.Stop());
  }
}

// The header timeout drops a client that sends half a header and stops; the write
// timeout runs between writes (nginx's send_timeout), so a slow reader that keeps
// reading finishes responses that take several write timeouts, and one that stops
// reading is cut off.
// Regression: the first byte of a connection's first request restarted the header
// timeout, so a client could hold a connection for twice the limit.
TEST_F(HardeningTest, TheFirstRequestsHeaderTimeoutRunsFromTheAccept) {
  Daemon d(in(), {"--header-timeout", "2s"});
  ASSERT_GT(d.port(), 0) << d.Log();
  Connection c(d.port());
  std::this_thread::sleep_for(1500ms);
  c.Send("G");
  // Closed 2 s after the accept (0.5 s from now); the old code waited 2 s more.
  EXPECT_TRUE(c.ClosedWithin(1200ms));
}

TEST_F(HardeningTest, TimeoutsHold) {
  Drop(in() / "big.txt", BigArticle(2 * 1024 * 1024));
  Daemon d(in(), {"--max-article-size", "10M", "--max-content-size", "64M", "--header-timeout",
                  "1s", "--idle-timeout", "2s", "--write-timeout", "1s"});
  ASSERT_GT(d.port(), 0) << d.Log();
  Connection half(d.port());
  half.Send("GET /rss.xml HTTP/1.1\r\nHo");
  EXPECT_TRUE(half.ClosedWithin(10s));
  // After a first request, half of a second one: the header timeout holds too.
  Connection second(d.port());
  second.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(second.ReadResponse());
  second.Send("GET /rss.xml HTTP/1.1\r\nHo");
  EXPECT_TRUE(second.ClosedWithin(10s));

  // Four pipelined 2 MB pages: more than the kernel's buffers hold, so the server
  // waits for the reader many times.
  const std::string four = [] {
    std::string r;
    for (int i = 0; i < 4; ++i) r += "GET /articles/big HTTP/1.1\r\nHost: x\r\n\r\n";
    return r;
  }();
  // Reads `burst` bytes, sleeps `pause`, until `want` bytes or the server closes.
  auto read_slowly = [](Connection& c, size_t want, size_t burst, std::chrono::milliseconds pause) {
    char buf[65536];
    const auto start = testing::Clock::now();
    while (c.buffer().size() < want && testing::Clock::now() - start < 60s) {
      for (size_t got = 0; got < burst;) {
        pollfd p{c.fd(), POLLIN, 0};
        if (::poll(&p, 1, 3000) <= 0) return testing::Clock::now() - start;
        const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
        if (n <= 0) return testing::Clock::now() - start;
        c.buffer().append(buf, static_cast<size_t>(n));
        got += static_cast<size_t>(n);
      }
      std::this_thread::sleep_for(pause);
    }
    return testing::Clock::now() - start;
  };
  const HttpResponse one = *d.Get("/articles/big");
  const size_t page = one.body.size();
  ASSERT_GT(page, 2u * 1024 * 1024);
  Connection slow(d.port(), 4096);
  slow.Send(four);
  const auto took = read_slowly(slow, 4 * page, 256 * 1024, 100ms);
  for (int i = 0; i < 4; ++i) {
    std::optional<HttpResponse> r = slow.ReadResponse(false, 1s);
    ASSERT_TRUE(r) << "response " << i << " cut off";
    EXPECT_EQ(one.body, r->body) << i;
  }
  EXPECT_GT(took, 2s) << "the test did not read slowly enough to mean anything";

  Connection stalled(d.port(), 4096);
  stalled.Send(four);
  std::this_thread::sleep_for(4s);  // four write timeouts without reading a byte
  read_slowly(stalled, 4 * page, 1 << 30, 0ms);
  EXPECT_LT(stalled.buffer().size(), 4 * page) << "a reader that stopped was not cut off";
  EXPECT_EQ(0, d.Stop());
}

// access_log: one Combined Log Format line per request at info level; off by
// default.
TEST_F(HardeningTest, AccessLogInCombinedLogFormat) {
  Drop(in() / "a.txt", "Title: A\n\nBody.\n");
  Daemon d(in(), {"--access-log"});
  ASSERT_GT(d.port(), 0) << d.Log();
  std::optional<HttpResponse> r = d.Get(
      "/rss.xml", {"Referer: https://reader.example/list", "User-Agent: Reader/1.0 (\"quoted\")"});
  ASSERT_TRUE(r);
  std::optional<HttpResponse> h = d.Get("/feed.json", {}, "HEAD");
  {
    Connection bad(d.port());
    bad.Send("GARBAGE\r\n\r\n");
    ASSERT_TRUE(bad.ReadResponse());
  }
  const std::string rss_line =
      "127.0.0.1 - - \\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] \"GET /rss.xml "
      "HTTP/1.1\" 200 " +
      std::to_string(r->body.size()) +
      " \"https://reader.example/list\" \"Reader/1.0 \\(\\\\\"quoted\\\\\"\\)\"";
  EXPECT_TRUE(WaitUntil([&] { return std::regex_search(d.Log(), std::regex(rss_line)); }))
      << d.Log();
  EXPECT_TRUE(WaitUntil([&] {
    return std::regex_search(d.Log(), std::regex("\\[info\\] 127\\.0\\.0\\.1 - - \\[[^\\]]+\\] "
                                                 "\"HEAD /feed.json HTTP/1.1\" 200 0 \"-\" \"-\""));
  })) << d.Log();
  EXPECT_TRUE(WaitUntil([&] {
    return std::regex_search(
        d.Log(), std::regex("127\\.0\\.0\\.1 - - \\[[^\\]]+\\] \"-\" 400 \\d+ \"-\" \"-\""));
  })) << d.Log();
  EXPECT_EQ(0, d.Stop());

  Daemon quiet(in());
  ASSERT_EQ(200, quiet.Get("/rss.xml")->status);
  EXPECT_EQ(0, quiet.Stop());
  EXPECT_EQ(std::string::npos, quiet.Log().find("127.0.0.1 - - ["));
}

// /metrics answers loopback clients (the tests' only kind: the classification of
// other addresses is a unit test), and with metrics_listen it is also served on
// its own address, where the feeds are not.
TEST_F(HardeningTest, MetricsOnLoopbackAndOnItsOwnListener) {
  Drop(in() / "a.txt", "Title: A\n\nBody.\n");
  Daemon d(in(), {"--metrics-listen", "127.0.0.1:0"});
  ASSERT_GT(d.port(), 0) << d.Log();
  std::optional<HttpResponse> m = d.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(200, m->status);
  EXPECT_NE(std::string::npos, m->body.find("feedd_http_connections_open"));
  std::smatch match;
  const std::string log = d.Log();
  ASSERT_TRUE(
      std::regex_search(log, match, std::regex("serving /metrics on 127\\.0\\.0\\.1:(\\d+)")))
      << log;
  const int metrics_port = std::stoi(match[1]);
  EXPECT_NE(d.port(), metrics_port);
  auto get = [&](const std::string& target) {
    Connection c(metrics_port);
    c.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return c.ReadResponse();
  };
  std::optional<HttpResponse> there = get("/metrics");
  ASSERT_TRUE(there);
  EXPECT_EQ(200, there->status);
  EXPECT_NE(std::string::npos, there->body.find("feedd_http_connections_open"));
  EXPECT_EQ(200, get("/healthz")->status);
  EXPECT_EQ(404, get("/rss.xml")->status);  // the feeds stay on the main listener
  EXPECT_EQ(200, d.Get("/rss.xml")->status);
  EXPECT_EQ(0, d.Stop());
}


// A reverse proxy in front (issue 14): from a trusted peer (loopback by default)
// the client X-Forwarded-For names is the one in the access log and the one the
// loopback-only /metrics judges; from an untrusted peer the field is ignored.
TEST_F(HardeningTest, TrustedProxiesNameTheClient) {
  Drop(in() / "a.txt", "Title: A\n\nBody.\n");
  auto line_for = [](const std::string& client, const std::string& target) {
    return std::regex("\\[info\\] " + std::regex_replace(client, std::regex("\\."), "\\.") +
                      " - - \\[[^\\]]+\\] \"GET " + target + " HTTP/1\\.1\" ");
  };
  {
    Daemon d(in(), {"--access-log"});
    ASSERT_GT(d.port(), 0) << d.Log();
    // A client's own entry left of the proxy's is not believed.
    EXPECT_EQ(200, d.Get("/rss.xml", {"X-Forwarded-For: 6.6.6.6, 203.0.113.7"})->status);
    EXPECT_EQ(200, d.Get("/atom.xml", {"X-Forwarded-For: [2001:db8::7]:4711"})->status);
    // /metrics is for loopback clients: not for the one behind the proxy.
    std::optional<HttpResponse> m = d.Get("/metrics", {"X-Forwarded-For: 203.0.113.7"});
    EXPECT_EQ(403, m->status);
    EXPECT_EQ(200, d.Get("/metrics", {"X-Forwarded-For: 127.0.0.9"})->status);
    EXPECT_EQ(200, d.Get("/metrics")->status);
    EXPECT_TRUE(WaitUntil([&] { return std::regex_search(d.Log(), line_for("203.0.113.7", "/rss.xml")); }))
        << d.Log();
    EXPECT_TRUE(WaitUntil([&] { return std::regex_search(d.Log(), line_for("2001:db8::7", "/atom.xml")); }))
        << d.Log();
    EXPECT_TRUE(std::regex_search(d.Log(), line_for("203.0.113.7", "/metrics"))) << d.Log();
    EXPECT_EQ(0, d.Stop());
  }
  {
    // Nobody trusted: the field is the client's word only.
    Daemon d(in(), {"--access-log", "--trusted-proxies", ""});
    ASSERT_GT(d.port(), 0) << d.Log();
    EXPECT_EQ(200, d.Get("/rss.xml", {"X-Forwarded-For: 203.0.113.7"})->status);
    EXPECT_EQ(200, d.Get("/metrics", {"X-Forwarded-For: 203.0.113.7"})->status);
    EXPECT_TRUE(WaitUntil([&] { return std::regex_search(d.Log(), line_for("127.0.0.1", "/rss.xml")); }))
        << d.Log();
    EXPECT_EQ(std::string::npos, d.Log().find("203.0.113.7")) << d.Log();
    EXPECT_EQ(0, d.Stop());
  }
}

// Behind a proxy every client shares the proxy's address and its connections: the
// per-client limit counts a forwarded request against the client it names while
// it is answered, and a refusal (503) leaves the proxy's connection open for the
// other clients. A connection from a trusted address that forwards nothing is an
// ordinary client, limited as before.
TEST_F(HardeningTest, PerClientLimitCountsTheForwardedClient) {
  Drop(in() / "a.txt", "Title: A\n\nBody.\n");
  constexpr uint64_t kSize = 64ull << 20;  // a response far larger than socket buffers
  {
    std::ofstream f(in() / "big.mp4", std::ios::binary);
    f.seekp(static_cast<std::streamoff>(kSize - 1));
    f.put('x');
  }
  Daemon d(in(), {"--max-connections-per-client", "1", "--access-log"});
  ASSERT_GT(d.port(), 0) << d.Log();
  // Client .7's download stalls in flight (nobody reads it).
  auto stalled = std::make_unique<Connection>(d.port(), 4096);
  ASSERT_TRUE(stalled->Send(
      "GET /media/big.mp4 HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n"));
  ASSERT_TRUE(WaitUntil([&] {
    Connection probe(d.port());
    probe.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n");
    std::optional<HttpResponse> r = probe.ReadResponse();
    return r && r->status == 503;
  })) << "the stalled download never counted against its client";
  // The proxy's connection: .7 is refused and the connection stays; .8 is served on it.
  Connection proxy(d.port());
  proxy.Send("GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n");
  std::optional<HttpResponse> refused = proxy.ReadResponse();
  ASSERT_TRUE(refused);
  EXPECT_EQ(503, refused->status);
  EXPECT_EQ("5", refused->Header("retry-after"));
  EXPECT_NE("close", refused->Header("connection"));
  proxy.Send("GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.8\r\n\r\n");
  std::optional<HttpResponse> served = proxy.ReadResponse();
  ASSERT_TRUE(served) << "the proxy's connection was closed after the 503";
  EXPECT_EQ(200, served->status);
  // Direct clients on loopback: the first holds the one slot of 127.0.0.1, the
  // second is refused and closed, as without a proxy.
  Connection direct(d.port());
  direct.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(200, direct.ReadResponse()->status);
  {
    Connection second(d.port());  // closed at the end of the block: no lingering at the stop
    second.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::optional<HttpResponse> full = second.ReadResponse();
    ASSERT_TRUE(full);
    EXPECT_EQ(503, full->status);
    EXPECT_EQ("close", full->Header("connection"));
  }
  // The stalled download ends: .7 is served again.
  stalled.reset();
  EXPECT_TRUE(WaitUntil([&] {
    proxy.Send("GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n");
    std::optional<HttpResponse> r = proxy.ReadResponse();
    return r && r->status == 200;
  }));
  EXPECT_EQ(0, d.Stop());
}

}  // namespace
}  // namespace feedd
