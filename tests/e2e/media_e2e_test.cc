// Media files beside the articles, served by the real binary at /media/PATH: whole
// files, ranges, validators, HEAD and 304; a replaced file's new identity, a deleted
// one's 404 at once; nothing served that is not media, hidden, or outside the
// folder; and the daemon's memory flat while a large file is sent.
#include <sys/socket.h>

#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using namespace std::chrono_literals;
using testing::Connection;
using testing::Daemon;
using testing::Drop;
using testing::TempDir;
using testing::WaitUntil;

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

constexpr const char* kArticle = "Harbour news\n\nThe harbour opened a new pier on Monday morning.\n";

TEST(MediaE2E, ServesRangesAndValidators) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "2026");
  Drop(dir.path() / "pier.txt", kArticle);
  const std::string episode = RandomBytes(300000, 1);
  Drop(dir.path() / "2026" / "ep 1.mp3", episode);
  Daemon d(dir.path());
  ASSERT_GT(d.port(), 0);

  auto r = d.Get("/media/2026/ep%201.mp3");
  ASSERT_TRUE(r);
  ASSERT_EQ(200, r->status);
  EXPECT_EQ(episode, r->body);
  EXPECT_EQ("audio/mpeg", r->Header("content-type"));
  EXPECT_EQ("bytes", r->Header("accept-ranges"));
  EXPECT_EQ("300000", r->Header("content-length"));
  EXPECT_EQ("nosniff", r->Header("x-content-type-options"));
  const std::string etag = r->Header("etag");
  ASSERT_EQ('"', etag.front());
  ASSERT_FALSE(r->Header("last-modified").empty());

  r = d.Get("/media/2026/ep%201.mp3", {"Range: bytes=1000-1999"});
  ASSERT_TRUE(r);
  EXPECT_EQ(206, r->status);
  EXPECT_EQ("bytes 1000-1999/300000", r->Header("content-range"));
  EXPECT_EQ(episode.substr(1000, 1000), r->body);
  EXPECT_EQ(etag, r->Header("etag"));

  r = d.Get("/media/2026/ep%201.mp3", {"Range: bytes=-100"});
  ASSERT_TRUE(r);
  EXPECT_EQ(206, r->status);
  EXPECT_EQ(episode.substr(299900), r->body);

  r = d.Get("/media/2026/ep%201.mp3", {"Range: bytes=300000-"});
  ASSERT_TRUE(r);
  EXPECT_EQ(416, r->status);
  EXPECT_EQ("bytes */300000", r->Header("content-range"));

  r = d.Get("/media/2026/ep%201.mp3", {"Range: bytes=0-1,5-9"});
  ASSERT_TRUE(r);
  EXPECT_EQ(200, r->status);
  EXPECT_EQ(episode, r->body);

  r = d.Get("/media/2026/ep%201.mp3", {"Range: bytes=0-9", "If-Range: " + etag});
  ASSERT_TRUE(r);
  EXPECT_EQ(206, r->status);
  r = d.Get("/media/2026/ep%201.mp3", {"Range: bytes=0-9", "If-Range: \"old\""});
  ASSERT_TRUE(r);
  EXPECT_EQ(200, r->status);

  r = d.Get("/media/2026/ep%201.mp3", {"If-None-Match: " + etag});
  ASSERT_TRUE(r);
  EXPECT_EQ(304, r->status);
  EXPECT_TRUE(r->body.empty());
  r = d.Get("/media/2026/ep%201.mp3", {"If-Modified-Since: " + r->Header("last-modified")});
  ASSERT_TRUE(r);
  EXPECT_EQ(304, r->status);

  r = d.Get("/media/2026/ep%201.mp3", {}, "HEAD");
  ASSERT_TRUE(r);
  EXPECT_EQ(200, r->status);
  EXPECT_EQ("300000", r->Header("content-length"));
  EXPECT_TRUE(r->body.empty());

  // Keep-alive: a range, then the next request on the same connection.
  Connection c(d.port());
  ASSERT_TRUE(c.Send("GET /media/2026/ep%201.mp3 HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\n\r\n"
                     "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto first = c.ReadResponse();
  auto second = c.ReadResponse();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(episode.substr(10, 10), first->body);
  EXPECT_EQ(200, second->status);

  // Replaced: a new length and ETag as soon as the writer closes it.
  const std::string shorter = RandomBytes(1234, 2);
  Drop(dir.path() / "2026" / "ep 1.mp3", shorter);
  r = d.Get("/media/2026/ep%201.mp3");
  ASSERT_TRUE(r);
  EXPECT_EQ(shorter, r->body);
  EXPECT_EQ("1234", r->Header("content-length"));
  EXPECT_NE(etag, r->Header("etag"));

  // Deleted: 404 at once, before any event is read.
  std::filesystem::remove(dir.path() / "2026" / "ep 1.mp3");
  r = d.Get("/media/2026/ep%201.mp3");
  ASSERT_TRUE(r);
  EXPECT_EQ(404, r->status);
  EXPECT_EQ(0, d.Stop());
}

TEST(MediaE2E, ServesOnlyMediaInTheFolder) {
  TempDir dir, outside;
  Drop(dir.path() / "pier.txt", kArticle);
  Drop(dir.path() / ".hidden.jpg", "secret");
  Drop(dir.path() / "drawing.svg", "<svg onload='alert(1)'/>");
  Drop(dir.path() / "upload.mp3.part", "half");
  Drop(outside.path() / "private.jpg", "private");
  std::filesystem::create_symlink(outside.path() / "private.jpg", dir.path() / "link.jpg");
  std::filesystem::create_directories(dir.path() / ".git");
  Drop(dir.path() / ".git" / "x.png", "git");
  Drop(dir.path() / "ok.png", "png bytes");
  Daemon d(dir.path());
  ASSERT_GT(d.port(), 0);
  EXPECT_EQ(200, d.Get("/media/ok.png")->status);
  for (const char* target :
       {"/media/pier.txt", "/media/.hidden.jpg", "/media/drawing.svg", "/media/upload.mp3.part",
        "/media/link.jpg", "/media/.git/x.png", "/media/..%2fok.png", "/media/%2e%2e/ok.png",
        "/media/nothing.png", "/media/"}) {
    auto r = d.Get(target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(404, r->status) << target;
    EXPECT_EQ(std::string::npos, r->body.find("private")) << target;
  }
  // A file dropped later is served once the watcher has seen it.
  Drop(dir.path() / "new.webp", "webp");
  EXPECT_TRUE(WaitUntil([&] { return d.Get("/media/new.webp")->status == 200; }, 10s));
  EXPECT_EQ("image/webp", d.Get("/media/new.webp")->Header("content-type"));
  EXPECT_EQ(0, d.Stop());
}

TEST(MediaE2E, MarkdownMediaLinksAnswer) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "2026" / "pics");
  const std::string picture = RandomBytes(5000, 3);
  Drop(dir.path() / "2026" / "pics" / "pier.jpg", picture);
  Drop(dir.path() / "2026" / "pier.md",
       "---\ntitle: The new pier\n---\n\n![The pier](pics/pier.jpg)\n\n"
       "The harbour opened a new pier on Monday morning.\n");
  Daemon d(dir.path(), {"--base-url", "http://127.0.0.1:8080/news"});
  ASSERT_GT(d.port(), 0);
  const std::string feed = d.Body("/rss.xml");
  const std::string url = "http://127.0.0.1:8080/news/media/2026/pics/pier.jpg";
  EXPECT_NE(std::string::npos, feed.find(url)) << feed;
  auto r = d.Get("/media/2026/pics/pier.jpg");  // the path below the base URL's
  ASSERT_TRUE(r);
  EXPECT_EQ(200, r->status);
  EXPECT_EQ(picture, r->body);
  EXPECT_EQ("image/jpeg", r->Header("content-type"));
  EXPECT_EQ(0, d.Stop());
}

// The three feeds carry the enclosure and the featured image with the file's length
// and type; a replaced episode changes the length in every feed.
TEST(MediaE2E, FeedsCarryEnclosuresAndImages) {
  TempDir dir;
  Drop(dir.path() / "ep1.mp3", RandomBytes(4321, 4));
  Drop(dir.path() / "ep1.jpg", RandomBytes(99, 5));
  Drop(dir.path() / "ep1.md",
       "---\ntitle: Episode one\ndate: 2026-01-05T10:00:00Z\nduration: \"12:34\"\n---\n\n"
       "We talk about the harbour.\n");
  Daemon d(dir.path(), {"--base-url", "http://127.0.0.1:8080"});
  ASSERT_GT(d.port(), 0);
  const std::string url = "http://127.0.0.1:8080/media/ep1.mp3";
  const std::string rss = d.Body("/rss.xml");
  EXPECT_NE(std::string::npos, rss.find("xmlns:media=\"http://search.yahoo.com/mrss/\"")) << rss;
  EXPECT_NE(std::string::npos,
            rss.find("<enclosure url=\"" + url + "\" length=\"4321\" type=\"audio/mpeg\" />"))
      << rss;
  EXPECT_NE(std::string::npos,
            rss.find("<media:content url=\"http://127.0.0.1:8080/media/ep1.jpg\" medium=\"image\" "
                     "type=\"image/jpeg\" fileSize=\"99\" />"))
      << rss;
  const std::string atom = d.Body("/atom.xml");
  EXPECT_NE(std::string::npos,
            atom.find("<link rel=\"enclosure\" type=\"audio/mpeg\" href=\"" + url +
                      "\" length=\"4321\" />"))
      << atom;
  const std::string json = d.Body("/feed.json");
  EXPECT_NE(std::string::npos,
            json.find("\"attachments\":[{\"url\":\"" + url +
                      "\",\"mime_type\":\"audio/mpeg\",\"size_in_bytes\":4321,"
                      "\"duration_in_seconds\":754}]"))
      << json;
  EXPECT_NE(std::string::npos, json.find("\"image\":\"http://127.0.0.1:8080/media/ep1.jpg\"")) << json;

  // The article page: Open Graph for the picture and the episode, and a player.
  const std::string page = d.Body("/articles/ep1");
  EXPECT_NE(std::string::npos,
            page.find("<meta property=\"og:image\" content=\"http://127.0.0.1:8080/media/ep1.jpg\">"))
      << page;
  EXPECT_NE(std::string::npos, page.find("<meta property=\"og:audio\" content=\"" + url + "\">"))
      << page;
  EXPECT_NE(std::string::npos,
            page.find("<audio controls preload=\"none\"><source src=\"" + url +
                      "\" type=\"audio/mpeg\">"))
      << page;
  EXPECT_NE(std::string::npos, d.Get("/articles/ep1")->Header("content-security-policy").find("media-src *"));

  Drop(dir.path() / "ep1.mp3", RandomBytes(5000, 6));
  EXPECT_TRUE(WaitUntil([&] { return d.Body("/rss.xml").find("length=\"5000\"") != std::string::npos; },
                        10s));
  EXPECT_NE(std::string::npos, d.Body("/atom.xml").find("length=\"5000\""));
  EXPECT_NE(std::string::npos, d.Body("/feed.json").find("\"size_in_bytes\":5000"));
  EXPECT_EQ(0, d.Stop());
}

int64_t RssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

TEST(MediaE2E, LargeFileLeavesMemoryFlat) {
  TempDir dir;
  Drop(dir.path() / "pier.txt", kArticle);
  constexpr uint64_t kSize = 300ull << 20;  // a 300 MB video, sparse on disk
  {
    std::ofstream f(dir.path() / "talk.mp4", std::ios::binary);
    f.seekp(static_cast<std::streamoff>(kSize - 1));
    f.put('x');
  }
  Daemon d(dir.path());
  ASSERT_GT(d.port(), 0);
  const int64_t before = RssKiB(d.pid());
  ASSERT_GT(before, 0);
  Connection c(d.port(), 64 * 1024);
  ASSERT_TRUE(c.Send("GET /media/talk.mp4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  uint64_t received = 0;
  int64_t peak = before;
  char buf[1 << 16];
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    received += static_cast<uint64_t>(n);
    if ((received >> 20) % 16 == 0) peak = std::max(peak, RssKiB(d.pid()));
  }
  EXPECT_GT(received, kSize);  // the whole file and its header
  EXPECT_LT(peak - before, 16 * 1024) << "RSS before " << before << " KiB, peak " << peak << " KiB";
  EXPECT_EQ(0, d.Stop());
}

}  // namespace
}  // namespace feedd

namespace feedd {
namespace {

// A podcast's cover named in [podcast] but not in the folder yet: one warning, the
// channel names its /media/ URL all the same, and it is served once it lands; a
// reload that turns the podcast off takes the itunes tags away.
TEST(MediaE2E, PodcastCoverFromTheFolder) {
  TempDir dir, conf;
  std::filesystem::create_directories(dir.path() / "show");
  testing::Drop(dir.path() / "show" / "ep1.md",
                "---\ntitle: Ep one\ndate: 2026-01-05T10:00:00Z\n---\n\nWe talk.\n");
  testing::Drop(dir.path() / "show" / "ep1.wav", testing::Wav(2));
  const std::filesystem::path config = conf.path() / "feedd.toml";
  testing::WriteFile(config, "input = \"" + (dir.path() / "show").string() +
                                 "\"\n[podcast]\nimage = \"art/cover.png\"\ncategory = \"Technology\"\n");
  testing::Daemon d({}, {"--config", config.string()});
  ASSERT_GT(d.port(), 0);
  auto r = d.Get("/rss.xml");
  ASSERT_TRUE(r);
  EXPECT_NE(std::string::npos, r->body.find("<itunes:image href=\"http://127.0.0.1:" +
                                            std::to_string(d.port()) + "/media/art/cover.png\" />"))
      << r->body;
  EXPECT_NE(std::string::npos, r->body.find("<itunes:duration>2</itunes:duration>")) << r->body;
  EXPECT_TRUE(WaitUntil([&] { return d.Log().find("podcast.image art/cover.png is not in the input folder") != std::string::npos; }))
      << d.Log();
  std::filesystem::create_directories(dir.path() / "show" / "art");
  testing::Drop(dir.path() / "show" / "art" / "cover.png", "png");
  EXPECT_TRUE(WaitUntil([&] {
    auto c = d.Get("/media/art/cover.png");
    return c && c->status == 200 && c->body == "png";
  }));
  // Reloaded without [podcast]: a plain feed again.
  testing::WriteFile(config, "input = \"" + (dir.path() / "show").string() + "\"\n");
  ::kill(d.pid(), SIGHUP);
  EXPECT_TRUE(WaitUntil([&] {
    auto c = d.Get("/rss.xml");
    return c && c->status == 200 && c->body.find("itunes") == std::string::npos;
  })) << d.Log();
}

}  // namespace
}  // namespace feedd
