// The daemon through the real binary: files dropped into a temporary folder, read
// back over HTTP on 127.0.0.1.
#include <sys/stat.h>
#include <zlib.h>

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <fstream>
#include <atomic>
#include <mutex>
#include <map>
#include <thread>

#include "feed/dates.h"
#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using namespace std::chrono_literals;
using testing::Connection;
using testing::Count;
using testing::Daemon;
using testing::Gunzip;
using testing::Drop;
using testing::DropByRename;
using testing::HttpResponse;
using testing::TempDir;
using testing::WaitUntil;
namespace fs = std::filesystem;

std::string Article(const std::string& title, const std::string& body = "A paragraph of text.") {
  return "Title: " + title + "\n\n" + body + "\n";
}

size_t Items(const std::string& rss) { return Count(rss, "<item>"); }

// Waits until /rss.xml satisfies `pred`.
bool WaitForFeed(const Daemon& d, const std::function<bool(const std::string&)>& pred) {
  return WaitUntil([&] { return pred(d.Body("/rss.xml")); });
}

size_t HealthArticles(const Daemon& d) {
  const std::string body = d.Body("/healthz");
  const size_t at = body.find("\"articles\":");
  return at == std::string::npos ? 0 : std::stoul(body.substr(at + 11));
}

class DaemonTest : public ::testing::Test {
 protected:
  TempDir dir_;
  fs::path in() const { return dir_.path(); }
};

TEST_F(DaemonTest, ServesTheFolderPresentAtStart) {
  Drop(in() / "a.txt", Article("First"));
  Daemon d(in());
  ASSERT_GT(d.port(), 0) << d.Log();
  EXPECT_NE(std::string::npos, d.Log().find("listening on 127.0.0.1:" + std::to_string(d.port())));
  // The first snapshot is complete before the port file is written.
  const std::string rss = d.Body("/rss.xml");
  EXPECT_EQ(1u, Items(rss));
  EXPECT_NE(std::string::npos, rss.find("<title>First</title>"));
  EXPECT_NE(std::string::npos, rss.find("http://127.0.0.1:" + std::to_string(d.port()) + "/articles/a"));
  EXPECT_EQ(0, d.Stop());
}

// At debug level the log says what the plain-text rules left out and why, so a
// publisher can see why a paragraph is missing.
TEST_F(DaemonTest, TheDebugLogSaysWhatWasLeftOutAndWhy) {
  Drop(in() / "harbour.txt",
       testing::ReadFile(testing::TestData() / "articles" / "harbour-bridge-repairs.txt"));
  Daemon d(in());  // --log-level debug
  ASSERT_GT(d.port(), 0) << d.Log();
  EXPECT_EQ(1u, d.CountInLog("harbour.txt: left out 2 blocks as byline and bio (a name-like "
                             "line followed by a paragraph that starts with that name), from "
                             "\"Marta Kowalski\"")) << d.Log();
  EXPECT_EQ(1u, d.CountInLog("harbour.txt: left out 10 blocks as site navigation (a listing of "
                             "titles with relative times to the end of the text), from \"Recent "
                             "Stories\"")) << d.Log();
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, DropsEditsRenamesAndDeletes) {
  Daemon d(in(), {"--base-url", "https://news.example.org"});
  ASSERT_GT(d.port(), 0) << d.Log();
  EXPECT_EQ(0u, Items(d.Body("/rss.xml")));

  Drop(in() / "in-place.txt", Article("Written In Place"));
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("Written In Place") != std::string::npos; }));
  DropByRename(in() / "renamed-in.txt", Article("Renamed Into Place"));
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("Renamed Into Place") != std::string::npos; }));
  EXPECT_EQ(2u, Items(d.Body("/rss.xml")));

  // Edit: same id, new title, no duplicate.
  Drop(in() / "in-place.txt", Article("Edited Title"));
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("Edited Title") != std::string::npos; }));
  std::string rss = d.Body("/rss.xml");
  EXPECT_EQ(2u, Items(rss));
  EXPECT_EQ(std::string::npos, rss.find("Written In Place"));
  EXPECT_EQ(1u, Count(rss, "https://news.example.org/articles/in-place</guid>"));

  // Rename within the folder: one item, not two; the link follows the new name, the
  // id stays the one readers already have.
  fs::rename(in() / "renamed-in.txt", in() / "moved.txt");
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) {
    return r.find("/articles/moved</link>") != std::string::npos &&
           r.find("/articles/renamed-in</link>") == std::string::npos;
  }));
  rss = d.Body("/rss.xml");
  EXPECT_EQ(2u, Items(rss));
  EXPECT_NE(std::string::npos,
            rss.find("<guid isPermaLink=\"false\">https://news.example.org/articles/renamed-in</guid>"));

  // Delete: the item leaves the feeds and its page is gone.
  fs::remove(in() / "moved.txt");
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return Items(r) == 1; }));
  EXPECT_EQ(404, d.Get("/articles/moved")->status);
  EXPECT_EQ(200, d.Get("/articles/in-place")->status);
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, SubfoldersIncludingNewOnes) {
  fs::create_directories(in() / "old");
  Drop(in() / "old" / "a.txt", Article("In Old Folder"));
  Daemon d(in());
  EXPECT_EQ(1u, Items(d.Body("/rss.xml")));
  fs::create_directories(in() / "new" / "deeper");
  Drop(in() / "new" / "deeper" / "b.txt", Article("In New Folder"));
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("In New Folder") != std::string::npos; }));
  // A folder moved in with files already inside.
  TempDir outside;
  fs::create_directories(outside.path() / "pack");
  Drop(outside.path() / "pack" / "c.txt", Article("Moved In With Its Folder"));
  fs::rename(outside.path() / "pack", in() / "pack");
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("Moved In With Its Folder") != std::string::npos; }));
  // A folder moved out takes its articles with it.
  fs::rename(in() / "old", outside.path() / "old");
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("In Old Folder") == std::string::npos; }));
  EXPECT_EQ(2u, Items(d.Body("/rss.xml")));
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, IgnoresEditorFilesAndOutsideLinksAndSurvivesBadFiles) {
  Daemon d(in());
  Drop(in() / ".hidden.txt", Article("Hidden"));
  Drop(in() / "draft.txt~", Article("Backup"));
  Drop(in() / ".draft.txt.swp", Article("Swap"));
  Drop(in() / "x.tmp", Article("Temp"));
  Drop(in() / "#auto#", Article("Autosave"));
  Drop(in() / "download.part", Article("Partial"));
  fs::create_symlink("/etc/passwd", in() / "passwd.txt");
  std::string binary(4096, '\0');
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 37);
  Drop(in() / "binary.txt", binary);
  Drop(in() / "last.txt", Article("Last One"));
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("Last One") != std::string::npos; }));
  const std::string rss = d.Body("/rss.xml");
  EXPECT_EQ(1u, Items(rss)) << rss;
  EXPECT_EQ(std::string::npos, rss.find("root:"));
  EXPECT_TRUE(WaitUntil([&] { return d.Log().find("skipping binary.txt: binary data, not text") != std::string::npos; }));
  EXPECT_TRUE(WaitUntil([&] {
    return d.Log().find("skipping passwd.txt: symbolic link to a file outside the input folder") != std::string::npos;
  }));
  // A file that turns bad keeps its last good version published.
  Drop(in() / "last.txt", "");
  EXPECT_TRUE(WaitUntil([&] { return d.Log().find("skipping last.txt: empty: no text") != std::string::npos; }));
  EXPECT_NE(std::string::npos, d.Body("/rss.xml").find("Last One"));
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, ThousandFilesAtOnceFewRegenerations) {
  Daemon d(in());
  const size_t before = d.CountInLog("] published ");
  // Written elsewhere first, then moved in together, as `mv`, rsync or a CMS export do.
  TempDir staging;
  for (int i = 0; i < 1000; ++i)
    Drop(staging.path() / ("burst-" + std::to_string(i) + ".txt"), Article("Burst " + std::to_string(i)));
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "burst-" + std::to_string(i) + ".txt";
    fs::rename(staging.path() / name, in() / name);
  }
  EXPECT_TRUE(WaitUntil([&] { return HealthArticles(d) == 1000; }, 30s)) << HealthArticles(d);
  const size_t regenerations = d.CountInLog("] published ") - before;
  EXPECT_LE(regenerations, 10u) << "1,000 drops caused " << regenerations << " regenerations";
  EXPECT_GE(regenerations, 1u);
  for (int i : {0, 499, 999}) EXPECT_EQ(200, d.Get("/articles/burst-" + std::to_string(i))->status);
  EXPECT_EQ(50u, Items(d.Body("/rss.xml")));
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, QueueOverflowTriggersRescanAndNothingIsMissed) {
  const size_t max_queued = std::stoul(testing::ReadFile("/proc/sys/fs/inotify/max_queued_events"));
  Daemon d(in());
  ASSERT_EQ(0, ::kill(d.pid(), SIGSTOP));
  const size_t n = max_queued + 500;
  for (size_t i = 0; i < n; ++i) Drop(in() / ("o" + std::to_string(i) + ".txt"), "T" + std::to_string(i) + "\n\nBody.\n");
  ASSERT_EQ(0, ::kill(d.pid(), SIGCONT));
  EXPECT_TRUE(WaitUntil([&] { return HealthArticles(d) == n; }, 120s)) << HealthArticles(d) << " of " << n;
  EXPECT_TRUE(WaitUntil([&] { return d.Log().find("inotify queue overflowed") != std::string::npos; }));
  EXPECT_EQ(200, d.Get("/articles/o" + std::to_string(n - 1))->status);
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, InputFolderMissingDeletedAndBack) {
  const fs::path folder = in() / "articles";
  Daemon d(folder);
  ASSERT_GT(d.port(), 0) << d.Log();
  EXPECT_NE(std::string::npos, d.Log().find("is missing; serving the current feeds"));
  EXPECT_EQ(200, d.Get("/rss.xml")->status);
  fs::create_directories(folder);
  Drop(folder / "a.txt", Article("Arrived Later"));
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("Arrived Later") != std::string::npos; }));
  // Deleted while running: the feeds stay; watching resumes when it is back.
  fs::remove_all(folder);
  EXPECT_TRUE(WaitUntil([&] { return d.Log().find("was removed or moved away") != std::string::npos; }));
  EXPECT_TRUE(WaitUntil([&] { return d.Body("/healthz").find("\"watching\":false") != std::string::npos; }));
  std::this_thread::sleep_for(100ms);  // past the coalescing window: the removals were seen
  EXPECT_NE(std::string::npos, d.Body("/rss.xml").find("Arrived Later"));
  fs::create_directories(folder);
  Drop(folder / "b.txt", Article("After The Folder Came Back"));
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) {
    return r.find("After The Folder Came Back") != std::string::npos && r.find("Arrived Later") == std::string::npos;
  }));
  EXPECT_EQ(0, d.Stop());
}

class HttpTest : public DaemonTest {
 protected:
  void SetUp() override {
    Drop(in() / "a.txt", "Title: Alpha\nDate: 2026-01-02T03:04:05Z\n\n" + std::string(3000, 'x') + " end.\n");
    daemon_ = std::make_unique<Daemon>(in(), std::vector<std::string>{"--cache-max-age", "120"});
    ASSERT_GT(daemon_->port(), 0) << daemon_->Log();
  }
  void TearDown() override { EXPECT_EQ(0, daemon_->Stop()); }
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(HttpTest, FeedHeaders) {
  for (const auto& [path, type] : std::vector<std::pair<std::string, std::string>>{
           {"/rss.xml", "application/rss+xml; charset=utf-8"},
           {"/atom.xml", "application/atom+xml; charset=utf-8"},
           {"/feed.json", "application/feed+json"},
           {"/", "text/html; charset=utf-8"},
           {"/articles/a", "text/html; charset=utf-8"}}) {
    std::optional<HttpResponse> r = daemon_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(200, r->status) << path;
    EXPECT_EQ(type, r->Header("content-type")) << path;
    EXPECT_EQ("max-age=120", r->Header("cache-control")) << path;
    EXPECT_EQ("Accept-Encoding", r->Header("vary")) << path;
    EXPECT_EQ("Fri, 02 Jan 2026 03:04:05 GMT", r->Header("last-modified")) << path;
    EXPECT_EQ('"', r->Header("etag").front()) << path;
    EXPECT_EQ(std::to_string(r->body.size()), r->Header("content-length"));
    EXPECT_TRUE(r->Has("date"));
  }
  const std::string index = daemon_->Body("/");
  EXPECT_NE(std::string::npos, index.find("<link rel=\"alternate\" type=\"application/rss+xml\""));
  EXPECT_NE(std::string::npos, index.find("<link rel=\"alternate\" type=\"application/atom+xml\""));
  EXPECT_NE(std::string::npos, index.find("<link rel=\"alternate\" type=\"application/feed+json\""));
  EXPECT_NE(std::string::npos, index.find(">Alpha</a>"));
  EXPECT_EQ(200, daemon_->Get("/healthz")->status);
  // One access-log line per request at debug level.
  EXPECT_TRUE(WaitUntil([&] { return daemon_->Log().find("127.0.0.1 \"GET /atom.xml\" 200 ") != std::string::npos; }));
}

TEST_F(HttpTest, ConditionalRequests) {
  const HttpResponse full = *daemon_->Get("/rss.xml");
  const std::string etag = full.Header("etag");
  const std::string weak = "W/" + etag;
  for (const std::string& inm : {etag, weak, "\"nope\", " + etag, std::string("*")}) {
    std::optional<HttpResponse> r = daemon_->Get("/rss.xml", {"If-None-Match: " + inm});
    EXPECT_EQ(304, r->status) << inm;
    EXPECT_EQ("", r->body);
    EXPECT_EQ(etag, r->Header("etag"));
    EXPECT_EQ(full.Header("last-modified"), r->Header("last-modified"));
    EXPECT_EQ("max-age=120", r->Header("cache-control"));
    EXPECT_EQ("Accept-Encoding", r->Header("vary"));
  }
  EXPECT_EQ(200, daemon_->Get("/rss.xml", {"If-None-Match: \"other\""})->status);
  for (const char* ims : {"Fri, 02 Jan 2026 03:04:05 GMT", "Friday, 02-Jan-26 03:04:05 GMT",
                          "Fri Jan  2 03:04:05 2026", "Sat, 03 Jan 2026 00:00:00 GMT"}) {
    EXPECT_EQ(304, daemon_->Get("/rss.xml", {std::string("If-Modified-Since: ") + ims})->status) << ims;
  }
  EXPECT_EQ(200, daemon_->Get("/rss.xml", {"If-Modified-Since: Thu, 01 Jan 2026 00:00:00 GMT"})->status);
  EXPECT_EQ(200, daemon_->Get("/rss.xml", {"If-Modified-Since: garbage"})->status);
  // If-None-Match takes precedence over If-Modified-Since.
  EXPECT_EQ(200, daemon_->Get("/rss.xml", {"If-None-Match: \"other\"",
                                           "If-Modified-Since: Sat, 03 Jan 2026 00:00:00 GMT"})->status);
}

TEST_F(HttpTest, JsonFeedHasConditionalRequestsAndGzipToo) {
  const HttpResponse plain = *daemon_->Get("/feed.json");
  EXPECT_NE(std::string::npos, plain.body.find("\"version\":\"https://jsonfeed.org/version/1.1\""));
  EXPECT_EQ(304, daemon_->Get("/feed.json", {"If-None-Match: " + plain.Header("etag")})->status);
  std::optional<HttpResponse> gz = daemon_->Get("/feed.json", {"Accept-Encoding: gzip"});
  EXPECT_EQ("gzip", gz->Header("content-encoding"));
  EXPECT_EQ(plain.body, Gunzip(gz->body));
}

TEST_F(HttpTest, GzipAndHead) {
  const HttpResponse plain = *daemon_->Get("/rss.xml");
  std::optional<HttpResponse> gz =
      daemon_->Get("/rss.xml", {"Accept-Encoding: br;q=0, gzip;q=0.8"});
  EXPECT_EQ("gzip", gz->Header("content-encoding"));
  EXPECT_LT(gz->body.size(), plain.body.size());
  EXPECT_EQ(plain.body, Gunzip(gz->body));
  EXPECT_NE(plain.Header("etag"), gz->Header("etag"));
  EXPECT_EQ(304, daemon_->Get("/rss.xml", {"Accept-Encoding: gzip", "If-None-Match: " + gz->Header("etag")})->status);
  EXPECT_EQ(304, daemon_->Get("/rss.xml", {"Accept-Encoding: gzip", "If-None-Match: " + plain.Header("etag")})->status);
  EXPECT_FALSE(daemon_->Get("/rss.xml", {"Accept-Encoding: gzip;q=0"})->Has("content-encoding"));
  EXPECT_FALSE(daemon_->Get("/rss.xml", {"Accept-Encoding: identity"})->Has("content-encoding"));
  std::optional<HttpResponse> head = daemon_->Get("/rss.xml", {}, "HEAD");
  EXPECT_EQ(200, head->status);
  EXPECT_EQ(std::to_string(plain.body.size()), head->Header("content-length"));
  EXPECT_EQ(plain.Header("etag"), head->Header("etag"));
  EXPECT_EQ("", head->body);
}

TEST_F(HttpTest, ErrorsAndHostileRequests) {
  std::optional<HttpResponse> post = daemon_->Get("/rss.xml", {"Content-Length: 0"}, "POST");
  EXPECT_EQ(405, post->status);
  EXPECT_EQ("GET, HEAD", post->Header("allow"));
  EXPECT_EQ(405, daemon_->Get("/rss.xml", {}, "DELETE")->status);
  EXPECT_EQ(404, daemon_->Get("/nope")->status);
  EXPECT_EQ(404, daemon_->Get("/articles/")->status);
  for (const char* target : {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/articles/..%2f..%2fetc%2fpasswd",
                             "/articles/%2e%2e/rss.xml", "/rss.xml%00", "/articles/a%5c..", "/./rss.xml",
                             "/articles/../rss.xml"}) {
    std::optional<HttpResponse> r = daemon_->Get(target);
    ASSERT_TRUE(r) << target;
    EXPECT_TRUE(r->status == 404 || r->status == 400) << target << " -> " << r->status;
    EXPECT_EQ(std::string::npos, r->body.find("root:")) << target;
  }
  EXPECT_EQ(400, daemon_->Get("/bad%zzescape")->status);
  EXPECT_EQ(200, daemon_->Get("/rss.xml?utm_source=x")->status);
  EXPECT_EQ(200, daemon_->Get("http://example.org/rss.xml")->status);  // absolute form

  Connection big(daemon_->port());
  big.Send("GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(16 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(431, big.ReadResponse()->status);

  const std::vector<std::string> garbage = {
      "GARBAGE\r\n\r\n", "GET /rss.xml FTP/1.1\r\n\r\n", std::string("GET\0/ HTTP/1.1\r\n\r\n", 19),
      "GET /rss.xml HTTP/1.1\r\nHost x\r\n\r\n", "GET /rss.xml HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"};
  for (const std::string& g : garbage) {
    Connection c(daemon_->port());
    c.Send(g);
    std::optional<HttpResponse> r = c.ReadResponse();
    ASSERT_TRUE(r) << g;
    EXPECT_EQ(400, r->status) << g;
  }
  // Still serving after all of that.
  EXPECT_EQ(200, daemon_->Get("/rss.xml")->status);
}

TEST_F(HttpTest, KeepAlivePipeliningAndHttp10) {
  Connection c(daemon_->port());
  c.Send("GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\nHEAD /atom.xml HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<HttpResponse> a = c.ReadResponse();
  std::optional<HttpResponse> b = c.ReadResponse(true);
  std::optional<HttpResponse> h = c.ReadResponse();
  ASSERT_TRUE(a && b && h);
  EXPECT_EQ(200, a->status);
  EXPECT_NE(std::string::npos, a->body.find("<rss"));
  EXPECT_EQ("application/atom+xml; charset=utf-8", b->Header("content-type"));
  EXPECT_NE(std::string::npos, h->body.find("\"status\":\"ok\""));
  EXPECT_FALSE(c.ClosedWithin(200ms));  // still open for more

  Connection old(daemon_->port());
  old.Send("GET /rss.xml HTTP/1.0\r\n\r\n");
  std::optional<HttpResponse> r = old.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ("HTTP/1.0", r->version);
  EXPECT_EQ(200, r->status);
  EXPECT_TRUE(old.ClosedWithin(2s));
}

TEST_F(DaemonTest, ScheduledArticlesAppearWhenDueAndDraftsNever) {
  Daemon d(in());
  const std::string due = feed::FormatRfc3339(feed::Timestamp{std::time(nullptr) + 2, 0});
  Drop(in() / "future.txt", "Title: From The Future\nDate: " + due + "\n\nBody.\n");
  Drop(in() / "draft.md", "---\ntitle: Only A Draft\ndraft: true\n---\nBody.\n");
  Drop(in() / "now.txt", Article("Published Now"));
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("Published Now") != std::string::npos; }));
  EXPECT_EQ(std::string::npos, d.Body("/rss.xml").find("From The Future"));
  EXPECT_EQ(std::string::npos, d.Body("/feed.json").find("From The Future"));
  EXPECT_EQ(std::string::npos, d.Body("/").find("From The Future"));
  EXPECT_EQ(404, d.Get("/articles/future")->status);
  EXPECT_NE(std::string::npos, d.Log().find("future.txt is scheduled for " + due));
  // It appears on its own, with no further change to the folder.
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("From The Future") != std::string::npos; }));
  EXPECT_EQ(200, d.Get("/articles/future")->status);
  EXPECT_EQ(std::string::npos, d.Body("/rss.xml").find("Only A Draft"));
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, MetricsCountRequestsEventsSkipsAndRegenerations) {
  Drop(in() / "a.txt", Article("Counted"));
  Daemon d(in());
  Drop(in() / "binary.txt", std::string(4096, '\0'));
  Drop(in() / "b.txt", Article("Second"));
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("Second") != std::string::npos; }));
  const std::string etag = d.Get("/rss.xml")->Header("etag");
  EXPECT_EQ(304, d.Get("/rss.xml", {"If-None-Match: " + etag})->status);
  EXPECT_EQ(404, d.Get("/nope")->status);
  std::optional<HttpResponse> m = d.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(200, m->status);
  EXPECT_EQ("text/plain; version=0.0.4; charset=utf-8", m->Header("content-type"));
  for (const char* line : {"# TYPE feedd_http_responses_total counter\n",
                           "feedd_http_responses_total{route=\"feed\",status=\"304\"} 1\n",
                           "feedd_http_responses_total{route=\"other\",status=\"404\"} 1\n",
                           "feedd_articles 2\n", "feedd_skipped_files_total{reason=\"binary\"} 1\n",
                           "feedd_watching 1\n", "feedd_state_writable 1\n",
                           "# TYPE feedd_regeneration_duration_seconds histogram\n",
                           "feedd_regeneration_duration_seconds_bucket{le=\"+Inf\"} "}) {
    EXPECT_NE(std::string::npos, m->body.find(line)) << line << "\n" << m->body;
  }
  EXPECT_EQ(std::string::npos, m->body.find("feedd_watch_events_total{kind=\"changed\"} 0\n"));
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, CategoryAndTagFeedsComeAndGoWithTheirArticles) {
  Drop(in() / "w1.txt", "Title: World One\nCategory: World News\nTags: Energy, Trade\n\nBody.\n");
  Drop(in() / "w2.txt", "Title: World Two\nCategory: World News\nTags: trade\n\nBody.\n");
  Drop(in() / "s1.txt", "Title: Sport One\nCategory: Sport\n\nBody.\n");
  Drop(in() / "fa.txt", "Title: خبر\nCategory: سیاسی\n\nمتن.\n");
  Daemon d(in(), {"--base-url", "https://news.example.org"});
  const std::string world = d.Body("/categories/world-news/rss.xml");
  EXPECT_EQ(2u, Items(world));
  EXPECT_NE(std::string::npos, world.find("<atom:link href=\"https://news.example.org/categories/world-news/rss.xml\" rel=\"self\""));
  EXPECT_EQ(std::string::npos, world.find("Sport One"));
  EXPECT_EQ(2u, Count(d.Body("/tags/trade/atom.xml"), "<entry>"));  // "Trade" and "trade" are one tag
  EXPECT_EQ(1u, Count(d.Body("/tags/energy/feed.json"), "\"id\":"));
  EXPECT_EQ(1u, Items(d.Body("/categories/%D8%B3%DB%8C%D8%A7%D8%B3%DB%8C/rss.xml")));
  // The same conditional requests and gzip as the main feeds.
  const HttpResponse r = *d.Get("/categories/sport/atom.xml");
  EXPECT_EQ("application/atom+xml; charset=utf-8", r.Header("content-type"));
  EXPECT_EQ(304, d.Get("/categories/sport/atom.xml", {"If-None-Match: " + r.Header("etag")})->status);
  // The index and the article pages link them.
  const std::string index = d.Body("/");
  EXPECT_NE(std::string::npos, index.find("https://news.example.org/categories/world-news/rss.xml"));
  EXPECT_NE(std::string::npos, index.find("https://news.example.org/tags/energy/feed.json"));
  const std::string page = d.Body("/articles/w1");
  EXPECT_NE(std::string::npos, page.find("https://news.example.org/categories/world-news/atom.xml"));
  EXPECT_NE(std::string::npos, page.find("https://news.example.org/tags/trade/rss.xml"));
  // The last article of a category goes: so does its feed.
  fs::remove(in() / "s1.txt");
  EXPECT_TRUE(WaitUntil([&] { return d.Get("/categories/sport/rss.xml")->status == 404; }));
  EXPECT_EQ(std::string::npos, d.Body("/").find("/categories/sport/"));
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, ArchivesKeepOlderItemsReachable) {
  for (int day = 1; day <= 8; ++day) {
    Drop(in() / ("d" + std::to_string(day) + ".txt"),
         "Title: Day " + std::to_string(day) + "\nDate: 2026-01-0" + std::to_string(day) + "\n\nBody.\n");
  }
  Daemon d(in(), {"--limit", "3", "--base-url", "https://news.example.org"});
  auto links = [](const std::string& xml) {
    pugi::xml_document doc;
    doc.load_string(xml.c_str());
    std::map<std::string, std::string> out;
    for (pugi::xml_node l : doc.child("feed").children("link")) out[l.attribute("rel").value()] = l.attribute("href").value();
    std::vector<std::string> titles;
    for (pugi::xml_node e : doc.child("feed").children("entry")) titles.push_back(e.child_value("title"));
    out["titles"] = "";
    for (const std::string& t : titles) out["titles"] += t + ";";
    out["id"] = doc.child("feed").child_value("id");
    out["archive"] = doc.child("feed").child("fh:archive") ? "yes" : "no";
    return out;
  };
  auto current = links(d.Body("/atom.xml"));
  EXPECT_EQ("Day 8;Day 7;Day 6;", current["titles"]);
  EXPECT_EQ("https://news.example.org/archive/2/atom.xml", current["prev-archive"]);
  auto two = links(d.Body("/archive/2/atom.xml"));
  EXPECT_EQ("Day 6;Day 5;Day 4;", two["titles"]);
  EXPECT_EQ("https://news.example.org/atom.xml", two["current"]);
  EXPECT_EQ("https://news.example.org/archive/1/atom.xml", two["prev-archive"]);
  EXPECT_EQ(0u, two.count("next-archive"));
  EXPECT_EQ("yes", two["archive"]);
  EXPECT_EQ(current["id"], two["id"]);  // one feed, in several documents
  auto one = links(d.Body("/archive/1/atom.xml"));
  EXPECT_EQ("Day 3;Day 2;Day 1;", one["titles"]);
  EXPECT_EQ("https://news.example.org/archive/2/atom.xml", one["next-archive"]);
  EXPECT_EQ(0u, one.count("prev-archive"));
  EXPECT_EQ("max-age=2592000", d.Get("/archive/1/atom.xml")->Header("cache-control"));
  EXPECT_EQ(404, d.Get("/archive/3/atom.xml")->status);
  const std::string etag1 = d.Get("/archive/1/atom.xml")->Header("etag");
  // A ninth article fills a third page; page 1 stays byte for byte the same.
  Drop(in() / "d9.txt", "Title: Day 9\nDate: 2026-01-09\n\nBody.\n");
  EXPECT_TRUE(WaitForFeed(d, [](const std::string& r) { return r.find("Day 9") != std::string::npos; }));
  EXPECT_EQ(200, d.Get("/archive/3/atom.xml")->status);
  EXPECT_EQ(etag1, d.Get("/archive/1/atom.xml")->Header("etag"));
  EXPECT_EQ("https://news.example.org/archive/3/atom.xml", links(d.Body("/archive/2/atom.xml"))["next-archive"]);
  EXPECT_EQ(0, d.Stop());
}

// A WebSub hub for the test, on 127.0.0.1: records every request body; answers the
// first `failures` requests with 503, the others with 204.
class TestHub {
 public:
  explicit TestHub(int failures) : failures_(failures) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { Run(); });
  }
  ~TestHub() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hub"; }
  std::vector<std::string> Bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string data;
      char buf[4096];
      size_t need = std::string::npos;
      while (need == std::string::npos || data.size() < need) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
        const size_t end = data.find("\r\n\r\n");
        const size_t cl = data.find("Content-Length: ");
        if (end != std::string::npos && cl != std::string::npos)
          need = end + 4 + std::stoul(data.substr(cl + 16));
      }
      const bool fail = served_++ < failures_;
      {
        std::lock_guard lock(mu_);
        if (!fail) bodies_.push_back(data.substr(data.find("\r\n\r\n") + 4));
      }
      const std::string reply = fail ? "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"
                                     : "HTTP/1.1 204 No Content\r\n\r\n";
      ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1, port_ = 0, failures_ = 0, served_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

TEST_F(DaemonTest, WebSubHubIsAdvertisedAndNotifiedWithRetries) {
  TestHub hub(1);  // the first notification fails: feedd retries
  Drop(in() / "a.txt", "Title: A\nCategory: World\n\nBody.\n");
  Daemon d(in(), {"--hub", hub.url(), "--base-url", "https://news.example.org"});
  const HttpResponse rss = *d.Get("/rss.xml");
  EXPECT_EQ("<" + hub.url() + ">; rel=\"hub\", <https://news.example.org/rss.xml>; rel=\"self\"",
            rss.Header("link"));
  EXPECT_NE(std::string::npos, rss.body.find("<atom:link href=\"" + hub.url() + "\" rel=\"hub\""));
  EXPECT_NE(std::string::npos, d.Body("/atom.xml").find("<link rel=\"hub\" href=\"" + hub.url() + "\""));
  EXPECT_NE(std::string::npos, d.Body("/feed.json").find("\"hubs\":[{\"type\":\"WebSub\",\"url\":\"" + hub.url()));
  EXPECT_EQ("<" + hub.url() + ">; rel=\"hub\", <https://news.example.org/categories/world/atom.xml>; rel=\"self\"",
            d.Get("/categories/world/atom.xml")->Header("link"));
  EXPECT_EQ(304, d.Get("/rss.xml", {"If-None-Match: " + rss.Header("etag")})->status);
  // The first snapshot's feeds are announced, after one failure and a retry.
  ASSERT_TRUE(WaitUntil([&] { return hub.Bodies().size() >= 1; }, 15s)) << d.Log();
  EXPECT_NE(std::string::npos, d.Log().find("retrying in 1000 ms"));
  const std::string first = hub.Bodies()[0];
  EXPECT_EQ(0u, first.find("hub.mode=publish&hub.url="));
  EXPECT_NE(std::string::npos, first.find("hub.url=https%3A%2F%2Fnews.example.org%2Frss.xml"));
  EXPECT_NE(std::string::npos, first.find("hub.url=https%3A%2F%2Fnews.example.org%2Fcategories%2Fworld%2Ffeed.json"));
  // A new article: the changed feeds are announced again.
  Drop(in() / "b.txt", "Title: B\n\nBody.\n");
  ASSERT_TRUE(WaitUntil([&] { return hub.Bodies().size() >= 2; }, 15s)) << d.Log();
  const std::string second = hub.Bodies()[1];
  EXPECT_NE(std::string::npos, second.find("hub.url=https%3A%2F%2Fnews.example.org%2Fatom.xml"));
  EXPECT_EQ(std::string::npos, second.find("categories%2Fworld")) << "B is not in World: that feed did not change";
  EXPECT_NE(std::string::npos, d.Body("/metrics").find("feedd_websub_pings_total{outcome=\"retry\"} 1\n"));
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, SeveralFeedsShareOneListener) {
  TempDir news, blog, conf, state;
  Drop(news.path() / "n.txt", Article("A News Story"));
  Drop(blog.path() / "b.txt", Article("A Blog Post"));
  testing::WriteFile(conf.path() / "feedd.toml",
            "base_url = \"https://example.org\"\ntitle = \"Example\"\n"
            "[[feed]]\nprefix = \"/news\"\ninput = \"" + news.path().string() + "\"\ntitle = \"Example News\"\n"
            "[[feed]]\nprefix = \"/blog\"\ninput = \"" + blog.path().string() + "\"\n"
            "base_url = \"https://blog.example.org\"\n");
  Daemon d({}, {"--config", (conf.path() / "feedd.toml").string(), "--state-dir", state.path().string()});
  ASSERT_GT(d.port(), 0) << d.Log();
  const std::string n = d.Body("/news/rss.xml");
  EXPECT_NE(std::string::npos, n.find("<title>Example News</title>"));
  EXPECT_NE(std::string::npos, n.find("A News Story"));
  EXPECT_EQ(std::string::npos, n.find("A Blog Post"));
  EXPECT_NE(std::string::npos, n.find("<link>https://example.org/news/articles/n</link>"));
  const std::string b = d.Body("/blog/atom.xml");
  EXPECT_NE(std::string::npos, b.find("<title type=\"text\">Example</title>"));  // the site's title
  EXPECT_NE(std::string::npos, b.find("href=\"https://blog.example.org/articles/b\""));
  EXPECT_EQ(200, d.Get("/blog/articles/b")->status);
  EXPECT_EQ(200, d.Get("/news/")->status);
  EXPECT_EQ(200, d.Get("/news")->status);
  EXPECT_EQ(404, d.Get("/rss.xml")->status);  // nothing at the root but health and metrics
  EXPECT_EQ(404, d.Get("/newsletter/rss.xml")->status);
  EXPECT_NE(std::string::npos, d.Body("/healthz").find("\"articles\":2"));
  // Each folder is watched on its own.
  Drop(blog.path() / "c.txt", Article("Second Post"));
  EXPECT_TRUE(WaitUntil([&] { return d.Body("/blog/rss.xml").find("Second Post") != std::string::npos; }));
  EXPECT_EQ(std::string::npos, d.Body("/news/rss.xml").find("Second Post"));
  EXPECT_EQ(0, d.Stop());
  EXPECT_TRUE(fs::exists(state.path() / "state-news.db"));
  EXPECT_TRUE(fs::exists(state.path() / "state-blog.db"));
}

TEST_F(DaemonTest, SlowClientsAndConnectionLimit) {
  Drop(in() / "a.txt", Article("A"));
  Daemon d(in(), {"--header-timeout", "500ms", "--idle-timeout", "1s", "--max-connections", "3"});
  Connection slow(d.port());
  slow.Send("GET /rss.xml HTTP/1.1\r\nHo");
  const auto start = testing::Clock::now();
  EXPECT_TRUE(slow.ClosedWithin(5s));
  EXPECT_LT(testing::Clock::now() - start, 3s);

  Connection idle1(d.port()), idle2(d.port()), idle3(d.port());
  idle1.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle1.ReadResponse());
  idle2.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle2.ReadResponse());
  idle3.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle3.ReadResponse());
  Connection refused(d.port());
  EXPECT_TRUE(refused.ClosedWithin(2s));
  EXPECT_TRUE(idle1.ClosedWithin(5s));  // the idle timeout frees the slots
  EXPECT_TRUE(WaitUntil([&] { return d.Get("/healthz") && d.Get("/healthz")->status == 200; }));
  EXPECT_EQ(0, d.Stop());
}

TEST_F(DaemonTest, LargeFeedsAreSentWholeFromTheSnapshotFile) {
  // Feeds over 16 KiB go out with sendfile(2) from a memfd: check every byte.
  for (int i = 0; i < 60; ++i) {
    std::string body;
    for (int p = 0; p < 6; ++p) body += "Paragraph " + std::to_string(p) + " of story " + std::to_string(i) + " with words.\n\n";
    Drop(in() / ("s" + std::to_string(i) + ".txt"), "Story " + std::to_string(i) + "\n\n" + body);
  }
  Daemon d(in());
  Connection c(d.port(), 4096);
  c.Send("GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\nGET /rss.xml HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
  std::optional<HttpResponse> plain = c.ReadResponse();
  std::optional<HttpResponse> gz = c.ReadResponse();
  ASSERT_TRUE(plain && gz);
  EXPECT_GT(plain->body.size(), 16u * 1024);
  EXPECT_EQ(std::stoul(plain->Header("content-length")), plain->body.size());
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(plain->body.c_str()));
  EXPECT_EQ(50u, Items(plain->body));
  EXPECT_EQ(plain->body, Gunzip(gz->body));
  EXPECT_EQ(0, d.Stop());
  EXPECT_EQ(2u, d.CountInLog("\"GET /rss.xml\" 200"));
}

TEST_F(DaemonTest, SigtermFinishesTheResponseInFlight) {
  std::string big;
  for (int i = 0; i < 60000; ++i) big += "Paragraph " + std::to_string(i) + " of a very long article.\n\n";
  Drop(in() / "big.txt", "Title: Big\n\n" + big);
  Daemon d(in(), {"--max-article-size", "50M"});
  Connection c(d.port(), 4096);  // a small receive window: the response cannot be sent at once
  c.Send("GET /articles/big HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.ReadSome(2s, 1024));
  ASSERT_EQ(0, ::kill(d.pid(), SIGTERM));
  std::optional<HttpResponse> r = c.ReadResponse(false, 20s);
  ASSERT_TRUE(r);
  EXPECT_EQ(200, r->status);
  EXPECT_EQ(std::stoul(r->Header("content-length")), r->body.size());
  EXPECT_NE(std::string::npos, r->body.find("</html>"));
  EXPECT_EQ(0, d.Wait(15s));
  EXPECT_NE(std::string::npos, d.Log().find("received SIGTERM; stopping"));
}

}  // namespace
}  // namespace feedd
