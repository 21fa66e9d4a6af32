// The publishing core's promises through the real binary: arrival order, validators
// that never stand still or go back, group feeds and archives that follow content,
// URLs and ids that are claimed once, drafts, one pipeline for the output folder and
// `feedd render`, replicas, start-up, the paged index and kill -9. Each test is named
// after the defect it guards against.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <ctime>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "feed/dates.h"
#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using namespace std::chrono_literals;
using testing::Daemon;
using testing::DaemonOptions;
using testing::Drop;
using testing::Gunzip;
using testing::HttpResponse;
using testing::ReadFile;
using testing::TempDir;
using testing::WaitUntil;
using testing::WriteFile;
namespace fs = std::filesystem;

const std::string kBase = "https://news.example.org";
constexpr int64_t kSecond = 1767225600;  // 2026-01-01T00:00:00Z: a whole second, as touch -d @T
constexpr auto kChange = 5s;             // a change is published in ~50 ms; this is the deadline

std::string Plain(const std::string& title, const std::string& body = "A paragraph.") {
  return "Title: " + title + "\n\n" + body + "\n";
}
std::string Dated(const std::string& title, const std::string& date,
                  const std::string& body = "A paragraph.") {
  return "Title: " + title + "\nDate: " + date + "\n\n" + body + "\n";
}

// Sets the access and modification times to `seconds` + `nanos`.
void SetTimes(const fs::path& p, int64_t seconds, long nanos = 0) {
  const timespec t[2] = {{static_cast<time_t>(seconds), nanos},
                         {static_cast<time_t>(seconds), nanos}};
  ASSERT_EQ(0, ::utimensat(AT_FDCWD, p.c_str(), t, 0)) << p << ": " << std::strerror(errno);
}

// Writes `text` under a hidden temporary name beside `path`, gives it the times `times`
// (atime, mtime), then renames it into place, as rsync -t does: the daemon never sees
// the file with other times.
void RenameInWithTimes(const fs::path& path, const std::string& text, const timespec times[2]) {
  const fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".part");
  WriteFile(tmp, text);
  ASSERT_EQ(0, ::utimensat(AT_FDCWD, tmp.c_str(), times, 0)) << std::strerror(errno);
  fs::rename(tmp, path);
}
void RenameIn(const fs::path& path, const std::string& text, int64_t seconds) {
  const timespec t[2] = {{static_cast<time_t>(seconds), 0}, {static_cast<time_t>(seconds), 0}};
  RenameInWithTimes(path, text, t);
}
// Replaces the file's bytes and keeps its times exactly (nanoseconds too), as
// `cp -p` and `rsync -t` do.
void RewriteKeepingTimes(const fs::path& path, const std::string& text) {
  struct stat st {};
  ASSERT_EQ(0, ::stat(path.c_str(), &st)) << path;
  const timespec t[2] = {st.st_atim, st.st_mtim};
  RenameInWithTimes(path, text, t);
}

// A date as feeds and HTTP write it, in seconds; an unreadable one fails the test.
int64_t Seconds(const std::string& date) {
  std::optional<feed::Timestamp> t = feed::ParseDate(date);
  if (!t) ADD_FAILURE() << "unreadable date \"" << date << "\"";
  return t ? t->seconds : -1;
}

// Waits until the wall clock enters a new second, so the changes that follow at
// once fall within one second.
void AlignToSecond() {
  const std::time_t start = std::time(nullptr);
  ASSERT_TRUE(WaitUntil([&] { return std::time(nullptr) != start; }, 3s));
}

struct Item {  // one RSS item, as a reader stores it
  std::string title, guid, pub_date, link;
  friend bool operator==(const Item&, const Item&) = default;
};
std::ostream& operator<<(std::ostream& os, const Item& i) {
  return os << "{" << i.title << ", " << i.guid << ", " << i.pub_date << ", " << i.link << "}";
}

std::vector<Item> RssItems(const std::string& rss) {
  pugi::xml_document doc;
  doc.load_string(rss.c_str());
  std::vector<Item> out;
  for (pugi::xml_node i : doc.child("rss").child("channel").children("item")) {
    out.push_back({i.child_value("title"), i.child_value("guid"), i.child_value("pubDate"),
                   i.child_value("link")});
  }
  return out;
}
std::vector<std::string> RssTitles(const std::string& rss) {
  std::vector<std::string> out;
  for (const Item& i : RssItems(rss)) out.push_back(i.title);
  return out;
}
std::string RssLastBuildDate(const std::string& rss) {
  pugi::xml_document doc;
  doc.load_string(rss.c_str());
  return doc.child("rss").child("channel").child_value("lastBuildDate");
}

struct Entry {  // one Atom entry
  std::string title, id, published, updated;
};
std::vector<Entry> AtomEntries(const std::string& atom) {
  pugi::xml_document doc;
  doc.load_string(atom.c_str());
  std::vector<Entry> out;
  for (pugi::xml_node e : doc.child("feed").children("entry")) {
    out.push_back({e.child_value("title"), e.child_value("id"), e.child_value("published"),
                   e.child_value("updated")});
  }
  return out;
}
std::vector<std::string> AtomTitles(const std::string& atom) {
  std::vector<std::string> out;
  for (const Entry& e : AtomEntries(atom)) out.push_back(e.title);
  return out;
}
std::string AtomUpdated(const std::string& atom) {
  pugi::xml_document doc;
  doc.load_string(atom.c_str());
  return doc.child("feed").child_value("updated");
}
std::vector<std::string> JsonTitles(const std::string& json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (!doc.is_object() || !doc.contains("items")) return out;
  for (const nlohmann::json& item : doc["items"]) out.push_back(item.value("title", ""));
  return out;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string HtmlTitle(const std::string& html) {
  const size_t start = html.find("<title>"), end = html.find("</title>");
  return start == std::string::npos || end == std::string::npos
             ? ""
             : html.substr(start + 7, end - start - 7);
}

int Status(const Daemon& d, const std::string& path) {
  std::optional<HttpResponse> r = d.Get(path);
  return r ? r->status : 0;
}

// Waits until the body of `path` satisfies `pred`.
bool WaitForBody(const Daemon& d, const std::string& path,
                 const std::function<bool(const std::string&)>& pred,
                 std::chrono::milliseconds timeout = kChange) {
  return WaitUntil([&] { return pred(d.Body(path)); }, timeout);
}

size_t HealthArticles(const Daemon& d) {
  const std::string body = d.Body("/healthz");
  const size_t at = body.find("\"articles\":");
  return at == std::string::npos ? 0 : std::stoul(body.substr(at + 11));
}

class CoreE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(state_); }
  const fs::path& in() const { return in_.path(); }

  // Starts feedd on the folder with the test's state folder and waits until it is ready.
  std::unique_ptr<Daemon> Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--state-dir", state_.string(), "--base-url", kBase};
    args.insert(args.end(), extra.begin(), extra.end());
    auto d = std::make_unique<Daemon>(in(), args);
    EXPECT_GT(d->port(), 0) << d->Log();
    EXPECT_TRUE(Ready(*d)) << d->Log();
    return d;
  }
  // The first snapshot is served: /healthz answers 200.
  static bool Ready(const Daemon& d) {
    return WaitUntil(
        [&] {
          std::optional<HttpResponse> r = d.Get("/healthz");
          return r && r->status == 200;
        },
        30s);
  }

  TempDir in_, root_;
  fs::path state_ = root_.path() / "state";
};

// --- 1. Arrival order inside a second ----------------------------------------------

TEST_F(CoreE2eTest, ArrivalOrderWithinOneSecond) {
  // Renamed in one by one, all dated the same second, in an order that is neither
  // alphabetical nor its reverse.
  const std::vector<std::string> names = {"z11", "a10", "m09", "b08", "y07", "c06",
                                          "x05", "d04", "w03", "e02", "v01", "f00"};
  auto d = Start({"--limit", "5"});
  for (size_t i = 0; i < names.size(); ++i) {
    RenameIn(in() / (names[i] + ".txt"), "Story " + names[i] + "\n\nA paragraph.\n", kSecond);
    ASSERT_TRUE(WaitUntil([&] { return HealthArticles(*d) == i + 1; })) << names[i];
  }
  // The last five renamed, the last one first.
  const std::vector<std::string> expected = {"Story f00", "Story v01", "Story e02", "Story w03",
                                             "Story d04"};
  auto check = [&](const Daemon& daemon, const std::string& when) {
    const std::string rss = daemon.Body("/rss.xml");
    EXPECT_EQ(expected, RssTitles(rss)) << when;
    EXPECT_EQ(expected, AtomTitles(daemon.Body("/atom.xml"))) << when;
    EXPECT_EQ(expected, JsonTitles(daemon.Body("/feed.json"))) << when;
    for (const Item& i : RssItems(rss))
      EXPECT_EQ(kSecond, Seconds(i.pub_date)) << when << ": " << i;  // the file's second
  };
  check(*d, "while running");
  EXPECT_EQ(0, d->Stop());
  d = Start({"--limit", "5"});  // the order is in the state, not in the paths
  check(*d, "after a restart");
  EXPECT_EQ(0, d->Stop());
}

// --- 2. Last-Modified never stands still or goes back -----------------------------

const std::vector<std::string> kFeeds = {"/rss.xml", "/atom.xml", "/feed.json"};

struct Cached {  // what a reader's cache holds of one feed
  std::string body, etag, last_modified;
};
using Views = std::map<std::string, Cached>;

Views FetchFeeds(const Daemon& d) {
  Views out;
  for (const std::string& path : kFeeds) {
    std::optional<HttpResponse> r = d.Get(path);
    EXPECT_TRUE(r && r->status == 200) << path;
    if (r) out[path] = {r->body, r->Header("etag"), r->Header("last-modified")};
  }
  return out;
}

// After a change: /rss.xml changes, and a reader holding `before` gets 200 with the
// new bytes for If-Modified-Since: its Last-Modified, and a Last-Modified not older.
void ExpectSeenAsChanged(const Daemon& d, const Views& before, const std::string& step) {
  ASSERT_TRUE(WaitForBody(
      d, "/rss.xml", [&](const std::string& rss) { return rss != before.at("/rss.xml").body; }))
      << step << ": /rss.xml did not change";
  for (const std::string& path : kFeeds) {
    const Cached& old = before.at(path);
    std::optional<HttpResponse> now = d.Get(path);
    std::optional<HttpResponse> r = d.Get(path, {"If-Modified-Since: " + old.last_modified});
    ASSERT_TRUE(now && r) << step << ": " << path;
    EXPECT_NE(old.body, now->body) << step << ": " << path << " did not change";
    EXPECT_EQ(200, r->status) << step << ": " << path
                              << " with If-Modified-Since: " << old.last_modified
                              << " (Last-Modified now " << now->Header("last-modified") << ")";
    if (r->status == 200) {
      EXPECT_EQ(now->body, r->body) << step << ": " << path;
    }
    EXPECT_GE(Seconds(now->Header("last-modified")), Seconds(old.last_modified))
        << step << ": " << path << " Last-Modified went back from " << old.last_modified << " to "
        << now->Header("last-modified");
  }
}

// Atom's feed-level <updated> and RSS's lastBuildDate never go back.
void ExpectDatesNotBack(const Views& before, const Views& after, const std::string& step) {
  const std::string u0 = AtomUpdated(before.at("/atom.xml").body);
  const std::string u1 = AtomUpdated(after.at("/atom.xml").body);
  EXPECT_GE(Seconds(u1), Seconds(u0))
      << step << ": Atom <updated> went back from " << u0 << " to " << u1;
  const std::string b0 = RssLastBuildDate(before.at("/rss.xml").body);
  const std::string b1 = RssLastBuildDate(after.at("/rss.xml").body);
  EXPECT_GE(Seconds(b1), Seconds(b0))
      << step << ": lastBuildDate went back from " << b0 << " to " << b1;
}

class LastModifiedTest : public CoreE2eTest {
 protected:
  void SetUp() override {
    CoreE2eTest::SetUp();
    for (int day = 1; day <= 3; ++day) {
      const std::string n = std::to_string(day);
      Drop(in() / ("d" + n + ".txt"), Dated("Day " + n, "2026-01-0" + n + "T12:00:00Z"));
    }
  }
  // Two changes back to back within one wall-clock second: after each, a reader
  // holding what it saw before (and what it saw at first) sees a change.
  void TwoChangesInOneSecond(const Daemon& d, const std::function<void()>& first,
                             const std::function<void()>& second, const std::string& what) {
    const Views v0 = FetchFeeds(d);
    AlignToSecond();
    first();
    ExpectSeenAsChanged(d, v0, what);
    const Views v1 = FetchFeeds(d);
    second();
    ExpectSeenAsChanged(d, v1, what + ", again in the same second");
    ExpectSeenAsChanged(d, v0, what + ", twice, seen from before both");
    const Views v2 = FetchFeeds(d);
    ExpectDatesNotBack(v0, v1, what);
    ExpectDatesNotBack(v1, v2, what + ", again");
  }
};

TEST_F(LastModifiedTest, LastModifiedMovesWhenABackDatedArticleIsAdded) {
  auto d = Start({"--limit", "5"});
  TwoChangesInOneSecond(
      *d, [&] { Drop(in() / "old1.txt", Dated("Back Dated One", "2020-03-01T00:00:00Z")); },
      [&] { Drop(in() / "old2.txt", Dated("Back Dated Two", "2020-03-02T00:00:00Z")); },
      "a back-dated article added");
  EXPECT_EQ(0, d->Stop());
}

TEST_F(LastModifiedTest, LastModifiedMovesWhenAnOlderItemIsEdited) {
  auto d = Start({"--limit", "5"});
  TwoChangesInOneSecond(
      *d, [&] { Drop(in() / "d1.txt", Dated("Day 1", "2026-01-01T12:00:00Z", "Edited once.")); },
      [&] { Drop(in() / "d2.txt", Dated("Day 2", "2026-01-02T12:00:00Z", "Edited too.")); },
      "an older item edited");
  EXPECT_EQ(0, d->Stop());
}

TEST_F(LastModifiedTest, LastModifiedMovesWhenTheNewestItemIsDeleted) {
  auto d = Start({"--limit", "5"});
  TwoChangesInOneSecond(
      *d, [&] { fs::remove(in() / "d3.txt"); }, [&] { fs::remove(in() / "d2.txt"); },
      "the newest item deleted");
  EXPECT_EQ(0, d->Stop());
}

TEST_F(LastModifiedTest, LastModifiedMovesWhenTheChannelTitleChanges) {
  auto d = Start({"--limit", "5", "--title", "First Title"});
  const Views v0 = FetchFeeds(*d);
  AlignToSecond();
  EXPECT_EQ(0, d->Stop());
  d = Start({"--limit", "5", "--title", "Second Title"});  // the same state folder
  ExpectSeenAsChanged(*d, v0, "the channel title changed");
  const Views v1 = FetchFeeds(*d);
  EXPECT_EQ(0, d->Stop());
  d = Start({"--limit", "5", "--title", "Third Title"});
  ExpectSeenAsChanged(*d, v1, "the channel title changed again");
  ExpectSeenAsChanged(*d, v0, "the channel title changed twice, seen from before both");
  const Views v2 = FetchFeeds(*d);
  ExpectDatesNotBack(v0, v1, "the channel title changed");
  ExpectDatesNotBack(v1, v2, "the channel title changed again");
  EXPECT_EQ(0, d->Stop());
}

TEST_F(LastModifiedTest, RestartWithNothingChangedKeepsEveryValidator) {
  auto d = Start({"--limit", "5"});
  // A change while running, so the validators are not just the articles' dates.
  Drop(in() / "d1.txt", Dated("Day 1", "2026-01-01T12:00:00Z", "Edited while running."));
  ASSERT_TRUE(
      WaitForBody(*d, "/rss.xml", [](const std::string& r) { return Contains(r, "Edited"); }));
  std::map<std::string, std::pair<std::string, std::string>> before;
  for (const std::string path : {"/rss.xml", "/atom.xml", "/feed.json", "/"}) {
    std::optional<HttpResponse> r = d->Get(path);
    ASSERT_TRUE(r && r->status == 200) << path;
    before[path] = {r->Header("last-modified"), r->Header("etag")};
  }
  EXPECT_EQ(0, d->Stop());
  d = Start({"--limit", "5"});
  for (const auto& [path, validators] : before) {
    std::optional<HttpResponse> r = d->Get(path);
    ASSERT_TRUE(r && r->status == 200) << path;
    EXPECT_EQ(validators.first, r->Header("last-modified")) << path;
    EXPECT_EQ(validators.second, r->Header("etag")) << path;
  }
  EXPECT_EQ(0, d->Stop());
}

// --- 3. Category, tag and archive feeds follow content, not times -----------------

std::string Grouped(const std::string& title, const std::string& body) {
  return "---\ntitle: " + title + "\ncategories: [World]\ntags: [energy]\n---\n" + body + "\n";
}

TEST_F(CoreE2eTest, GroupFeedsFollowAnEditThatKeepsTheFileTime) {
  RenameIn(in() / "one.md", Grouped("Energy One", "First body words."), kSecond);
  RenameIn(in() / "two.md", Grouped("Energy Two", "Second body words."), kSecond + 60);
  auto d = Start({"--limit", "5"});
  ASSERT_TRUE(Contains(d->Body("/categories/world/rss.xml"), "First body words."));
  ASSERT_TRUE(Contains(d->Body("/tags/energy/atom.xml"), "First body words."));
  AlignToSecond();  // both edits within one second, the file time exactly as before
  RewriteKeepingTimes(in() / "one.md", Grouped("Energy One", "Edited body words."));
  ASSERT_TRUE(WaitForBody(*d, "/rss.xml",
                          [](const std::string& r) { return Contains(r, "Edited body words."); }));
  for (const std::string path : {"/categories/world/rss.xml", "/tags/energy/atom.xml"}) {
    const std::string feed = d->Body(path);
    EXPECT_TRUE(Contains(feed, "Edited body words.")) << path << " lacks the edit";
    EXPECT_FALSE(Contains(feed, "First body words.")) << path << " still has the old body";
  }

  RewriteKeepingTimes(in() / "one.md", Grouped("Energy Retitled", "Edited body words."));
  ASSERT_TRUE(WaitForBody(*d, "/rss.xml",
                          [](const std::string& r) { return Contains(r, "Energy Retitled"); }));
  const std::vector<std::string> titles = {"Energy Two", "Energy Retitled"};
  EXPECT_EQ(titles, RssTitles(d->Body("/categories/world/rss.xml")));
  EXPECT_EQ(titles, AtomTitles(d->Body("/tags/energy/atom.xml")));
  EXPECT_EQ(0, d->Stop());
}

struct ArchivePage {
  std::string body, etag, cache_control;
};
// Every archive page served, by number (until the first 404).
std::map<int, ArchivePage> ArchivePages(const Daemon& d) {
  std::map<int, ArchivePage> out;
  for (int k = 1; k < 100; ++k) {
    std::optional<HttpResponse> r = d.Get("/archive/" + std::to_string(k) + "/atom.xml");
    if (!r || r->status != 200) break;
    out[k] = {r->body, r->Header("etag"), r->Header("cache-control")};
  }
  return out;
}

TEST_F(CoreE2eTest, LongCachedArchivePagesNeverChange) {
  constexpr char kLong[] = "max-age=2592000";
  auto d = Start({"--limit", "5"});
  auto add = [&](int first, int last) {
    for (int day = first; day <= last; ++day) {
      char date[32];
      std::snprintf(date, sizeof date, "2026-01-%02d", day);
      RenameIn(in() / ("day" + std::to_string(day) + ".txt"),
               Dated("Day " + std::to_string(day), date), kSecond);
    }
    ASSERT_TRUE(WaitUntil([&] { return HealthArticles(*d) == static_cast<size_t>(last); }));
  };
  ASSERT_NO_FATAL_FAILURE(add(1, 10));
  const std::map<int, ArchivePage> before = ArchivePages(*d);
  ASSERT_EQ(2u, before.size()) << "pages 1 and 2 of 5 items each";
  EXPECT_EQ(kLong, before.at(1).cache_control) << "a page that can no longer change";
  EXPECT_NE(kLong, before.at(2).cache_control)
      << "page 2, the newest full page, gains a next-archive link later";
  ASSERT_NO_FATAL_FAILURE(add(11, 20));
  const std::map<int, ArchivePage> after = ArchivePages(*d);
  ASSERT_EQ(4u, after.size());
  for (const auto& [k, page] : before) {
    if (page.cache_control != kLong) continue;
    EXPECT_EQ(page.body, after.at(k).body) << "page " << k << " was served with " << kLong;
    EXPECT_EQ(page.etag, after.at(k).etag) << "page " << k;
    EXPECT_EQ(kLong, after.at(k).cache_control) << "page " << k;
  }
  EXPECT_EQ(kLong, after.at(2).cache_control) << "page 2 has its next page now";
  EXPECT_NE(kLong, after.at(4).cache_control) << "page 4, the newest full page";
  EXPECT_EQ(0, d->Stop());
}

// --- 4. A new file never takes over an existing article's URL ---------------------

TEST_F(CoreE2eTest, NewFileNeverTakesOverAnExistingUrl) {
  Drop(in() / "a-b.md", "---\ntitle: Hyphen First\n---\nThe first one.\n");
  auto d = Start();
  const std::string page = d->Body("/articles/a-b");
  ASSERT_TRUE(Contains(page, "Hyphen First"));
  const std::vector<Item> first = RssItems(d->Body("/rss.xml"));
  ASSERT_EQ(1u, first.size());
  EXPECT_EQ(kBase + "/articles/a-b", first[0].link);

  // "a b.txt" has the same slug and comes first in path order.
  Drop(in() / "a b.txt", Plain("Space Second", "The second one."));
  ASSERT_TRUE(WaitUntil([&] { return HealthArticles(*d) == 2; }));
  auto check = [&](const Daemon& daemon, const std::string& when) {
    const std::string now = daemon.Body("/articles/a-b");
    EXPECT_TRUE(page == now) << when
                             << ": /articles/a-b changed; its title now: " << HtmlTitle(now);
    EXPECT_TRUE(Contains(daemon.Body("/articles/a-b-2"), "Space Second")) << when;
    std::map<std::string, Item> by_title;
    for (const Item& i : RssItems(daemon.Body("/rss.xml"))) by_title[i.title] = i;
    ASSERT_EQ(2u, by_title.size()) << when;
    EXPECT_EQ(first[0], by_title["Hyphen First"]) << when;  // same link, guid and date
    EXPECT_EQ(kBase + "/articles/a-b-2", by_title["Space Second"].link) << when;
  };
  check(*d, "while running");
  EXPECT_EQ(0, d->Stop());
  d = Start();
  check(*d, "after a restart");  // the claim is in the state, not in the path order

  // The first goes; the newcomer does not move into its URL.
  fs::remove(in() / "a-b.md");
  ASSERT_TRUE(WaitUntil([&] { return HealthArticles(*d) == 1; }));
  auto gone = [&](const Daemon& daemon, const std::string& when) {
    const std::vector<Item> items = RssItems(daemon.Body("/rss.xml"));
    ASSERT_EQ(1u, items.size()) << when;
    EXPECT_EQ("Space Second", items[0].title) << when;
    EXPECT_EQ(kBase + "/articles/a-b-2", items[0].link) << when;
    EXPECT_TRUE(Contains(daemon.Body("/articles/a-b-2"), "Space Second")) << when;
    EXPECT_EQ(404, Status(daemon, "/articles/a-b")) << when;
  };
  gone(*d, "after the delete");
  EXPECT_EQ(0, d->Stop());
  d = Start();
  gone(*d, "after the delete and a restart");
  EXPECT_EQ(0, d->Stop());
}

// --- 5. A reused file name is a new article ----------------------------------------

TEST_F(CoreE2eTest, ReusedFileNameIsANewArticle) {
  const std::string original = "---\ntitle: The X Story\n---\nOriginal words.\n";
  RenameIn(in() / "x.md", original, kSecond);
  auto d = Start();
  auto only = [&](const Daemon& daemon) {
    std::vector<Item> items = RssItems(daemon.Body("/rss.xml"));
    EXPECT_EQ(1u, items.size());
    return items.empty() ? Item{} : items[0];
  };
  auto atom_id = [&](const Daemon& daemon) {
    std::vector<Entry> e = AtomEntries(daemon.Body("/atom.xml"));
    return e.size() == 1 ? e[0].id : "";
  };
  const Item first = only(*d);
  const std::string first_atom_id = atom_id(*d);
  ASSERT_EQ(kSecond, Seconds(first.pub_date));
  auto remove = [&] {
    fs::remove(in() / "x.md");
    ASSERT_TRUE(WaitForBody(*d, "/rss.xml", [](const std::string& r) {
      return RssItems(r).empty();
    })) << "the deletion is visible";
  };

  // A restore: the same bytes again (with a new file time) are the same article.
  remove();
  Drop(in() / "x.md", original);
  ASSERT_TRUE(
      WaitForBody(*d, "/rss.xml", [](const std::string& r) { return RssItems(r).size() == 1; }));
  EXPECT_EQ(first, only(*d));
  EXPECT_EQ(first_atom_id, atom_id(*d));

  // Other content under the same name: a new article readers see as new.
  remove();
  Drop(in() / "x.md", "---\ntitle: The X Story\n---\nDifferent words, another article.\n");
  ASSERT_TRUE(
      WaitForBody(*d, "/rss.xml", [](const std::string& r) { return RssItems(r).size() == 1; }));
  auto check = [&](const Daemon& daemon, const std::string& when) {
    const Item second = only(daemon);
    EXPECT_NE(first.guid, second.guid) << when;
    EXPECT_GT(Seconds(second.pub_date), Seconds(first.pub_date)) << when << ": " << second;
    EXPECT_NE(first_atom_id, atom_id(daemon)) << when;
  };
  check(*d, "while running");
  EXPECT_EQ(0, d->Stop());
  d = Start();
  check(*d, "after a restart");
  EXPECT_EQ(0, d->Stop());
}

// An article page's Last-Modified, like a feed's, never lets a reader holding an
// older page take a new one for unchanged: a slug freed by a deleted article and
// claimed by another (with an older date) is a page that changed now.
TEST_F(CoreE2eTest, AReclaimedSlugsPageIsNotAnsweredNotModified) {
  Drop(in() / "story.md", "---\ntitle: First Story\ndate: 2026-01-05T00:00:00Z\n---\nFirst.\n");
  auto d = Start();
  std::optional<HttpResponse> first = d->Get("/articles/story");
  ASSERT_TRUE(first && first->status == 200);
  const std::string seen = first->Header("last-modified");
  EXPECT_EQ(Seconds("2026-01-05T00:00:00Z"), Seconds(seen)) << "a fresh state dates pages by their articles";
  fs::remove(in() / "story.md");
  ASSERT_TRUE(WaitUntil([&] { return d->Get("/articles/story")->status == 404; }));
  // Another article, back-dated, takes the slug.
  Drop(in() / "story.txt", "Title: Another Story\nDate: 2025-06-01T00:00:00Z\n\nAnother.\n");
  ASSERT_TRUE(WaitUntil([&] { return d->Get("/articles/story")->status == 200; }));
  std::optional<HttpResponse> r = d->Get("/articles/story", {"If-Modified-Since: " + seen});
  ASSERT_TRUE(r);
  EXPECT_EQ(200, r->status) << "If-Modified-Since: " << seen << ", Last-Modified now "
                            << r->Header("last-modified");
  EXPECT_NE(std::string::npos, r->body.find("Another Story"));
  EXPECT_GT(Seconds(r->Header("last-modified")), Seconds(seen));
  EXPECT_EQ(0, d->Stop());
}

// --- 6. draft: true on a live article ---------------------------------------------

std::string Draftable(bool draft) {
  return "---\ntitle: Live Then Draft\ncategories: [World]\ntags: [energy]\ndraft: " +
         std::string(draft ? "true" : "false") + "\n---\nA live article.\n";
}

TEST_F(CoreE2eTest, DraftTrueOnALiveArticleTakesItOutEverywhere) {
  RenameIn(in() / "live.md", Draftable(false), kSecond);
  RenameIn(in() / "other.md", Grouped("Stays Published", "Another article."), kSecond + 60);
  auto d = Start();
  const std::vector<std::string> everywhere = {"/rss.xml",
                                               "/atom.xml",
                                               "/feed.json",
                                               "/",
                                               "/categories/world/rss.xml",
                                               "/categories/world/atom.xml",
                                               "/tags/energy/rss.xml",
                                               "/tags/energy/feed.json"};
  for (const std::string& path : everywhere)
    ASSERT_TRUE(Contains(d->Body(path), "Live Then Draft")) << path;
  ASSERT_EQ(200, Status(*d, "/articles/live"));
  std::map<std::string, Item> before;
  for (const Item& i : RssItems(d->Body("/rss.xml"))) before[i.title] = i;

  Drop(in() / "live.md", Draftable(true));
  EXPECT_TRUE(WaitForBody(*d, "/rss.xml", [](const std::string& r) {
    return !Contains(r, "Live Then Draft") && Contains(r, "Stays Published");
  })) << "still in /rss.xml after draft: true";
  for (const std::string& path : everywhere)
    EXPECT_FALSE(Contains(d->Body(path), "Live Then Draft")) << path;
  EXPECT_EQ(404, Status(*d, "/articles/live"));

  Drop(in() / "live.md", Draftable(false));
  ASSERT_TRUE(WaitForBody(*d, "/rss.xml", [](const std::string& r) {
    return Contains(r, "Live Then Draft");
  })) << "not back after draft: false";
  std::map<std::string, Item> after;
  for (const Item& i : RssItems(d->Body("/rss.xml"))) after[i.title] = i;
  EXPECT_EQ(before, after);  // the same guid and date
  EXPECT_EQ(200, Status(*d, "/articles/live"));
  EXPECT_EQ(0, d->Stop());
}

// --- 7. One pipeline: the output folder and `feedd render` -------------------------

// The file under an output folder that holds a served path.
std::string FileFor(const std::string& path) {
  if (path == "/") return "index.html";
  const std::string rel = path.substr(1);
  const size_t slash = rel.rfind('/');
  const std::string last = slash == std::string::npos ? rel : rel.substr(slash + 1);
  return last.find('.') != std::string::npos ? rel : rel + "/index.html";
}
std::string PathFor(const std::string& file) {
  if (file == "index.html") return "/";
  const std::string suffix = "/index.html";
  if (file.size() > suffix.size() && file.ends_with(suffix))
    return "/" + file.substr(0, file.size() - suffix.size());
  return "/" + file;
}

// Every file under `dir` by relative path, temporary ones left out.
std::set<std::string> FilesUnder(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // The daemon's writer thread may remove a file while it is listed: no throwing
    // calls (the callers wait and list again).
    std::error_code file_ec;
    if (!it->is_regular_file(file_ec) || name.starts_with(".") || Contains(name, ".tmp")) continue;
    out.insert(it->path().lexically_relative(dir).string());
  }
  return out;
}

std::set<std::string> WithoutTwins(const std::set<std::string>& files) {
  std::set<std::string> out;
  for (const std::string& f : files)
    if (!f.ends_with(".gz") && !f.ends_with(".br")) out.insert(f);
  return out;
}

// Why the output folder does not hold what the daemon serves, or "" when it does:
// every path of `served` has its file, every file is served byte for byte and has a
// .gz twin that gunzips to it, and no .gz is left without its file.
std::string OutputMismatch(const Daemon& d, const fs::path& out,
                           const std::vector<std::string>& served) {
  const std::set<std::string> all = FilesUnder(out);
  const std::set<std::string> files = WithoutTwins(all);
  for (const std::string& path : served) {
    if (!files.count(FileFor(path))) return "no " + FileFor(path) + " for " + path;
  }
  for (const std::string& file : files) {
    std::optional<HttpResponse> r = d.Get(PathFor(file));
    if (!r || r->status != 200)
      return file + ": " + PathFor(file) + " is not served (" + std::to_string(r ? r->status : 0) +
             ")";
    const std::string body = ReadFile(out / file);
    if (body != r->body) return file + " differs from GET " + PathFor(file);
    if (!all.count(file + ".gz")) return file + " has no .gz twin";
    if (Gunzip(ReadFile(out / (file + ".gz"))) != body) return file + ".gz does not gunzip to it";
    if (!all.count(file + ".br")) return file + " has no .br twin";
    // A static server's Last-Modified (the file's time) is the daemon's.
    const std::string lm = r->Header("last-modified");
    for (const char* twin : {"", ".gz", ".br"}) {
      struct stat st {};
      if (::stat((out / (file + twin)).c_str(), &st) != 0) return file + twin + " cannot be read";
      const std::string want = feed::FormatHttpDate(st.st_mtim.tv_sec);
      if (lm != want) return file + twin + ": modified " + want + ", served with Last-Modified " + lm;
    }
  }
  for (const std::string& file : all) {
    if ((file.ends_with(".gz") || file.ends_with(".br")) &&
        !files.count(file.substr(0, file.size() - 3)))
      return file + " is left without its file";
    // A brotli twin is the bytes the daemon sends as br, where it sends br (the hot
    // resources); elsewhere the writer's own twin of the file.
    if (file.ends_with(".br")) {
      const std::string base = file.substr(0, file.size() - 3);
      std::optional<HttpResponse> r = d.Get(PathFor(base), {"Accept-Encoding: br"});
      if (!r) return "GET " + PathFor(base) + " failed";
      if (r->Header("content-encoding") == "br" ? r->body != ReadFile(out / file)
                                                : testing::Unbrotli(ReadFile(out / file)) != ReadFile(out / base))
        return file + " is not the br body of GET " + PathFor(base);
    }
  }
  return "";
}

// A site with archives, categories, tags and a subfolder, plus an article scheduled
// next year and a draft; returns the slugs that are published now.
std::vector<std::string> WriteSite(const fs::path& dir) {
  std::vector<std::string> slugs;
  fs::create_directories(dir / "sub");
  for (int i = 1; i <= 13; ++i) {
    char name[32], date[32];
    std::snprintf(name, sizeof name, "p%02d", i);
    std::snprintf(date, sizeof date, "2026-02-%02d", i);
    const fs::path file = (i == 13 ? dir / "sub" : dir) / (std::string(name) + ".md");
    WriteFile(file, "---\ntitle: Post " + std::to_string(i) + "\ndate: " + date +
                        "\ncategories: [" + (i % 2 ? "World" : "Sport") + "]\ntags: [" +
                        (i % 3 ? "energy" : "trade") + "]\n---\nBody of post " + std::to_string(i) +
                        ".\n");
    slugs.push_back(name);
  }
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  WriteFile(dir / "future.md",
            "---\ntitle: From Next Year\ndate: " + std::to_string(tm.tm_year + 1900 + 1) +
                "-06-01\n---\nNot yet.\n");
  WriteFile(dir / "draft.md", "---\ntitle: Only A Draft\ndraft: true\n---\nNever.\n");
  return slugs;
}

// Every path the daemon serves for `slugs`: feeds, index pages, article pages, group
// feeds and archive pages (the numbered ones found by asking until a 404).
std::vector<std::string> ServedPaths(const Daemon& d, const std::vector<std::string>& slugs) {
  std::vector<std::string> out = {"/", "/rss.xml", "/atom.xml", "/feed.json"};
  for (const std::string& s : slugs) out.push_back("/articles/" + s);
  for (const char* group :
       {"/categories/world", "/categories/sport", "/tags/energy", "/tags/trade"})
    for (const char* f : {"/rss.xml", "/atom.xml", "/feed.json"})
      out.push_back(group + std::string(f));
  for (int k = 1; Status(d, "/archive/" + std::to_string(k) + "/atom.xml") == 200; ++k)
    out.push_back("/archive/" + std::to_string(k) + "/atom.xml");
  for (int k = 2; Status(d, "/page/" + std::to_string(k)) == 200; ++k)
    out.push_back("/page/" + std::to_string(k));
  return out;
}

class OnePipelineTest : public CoreE2eTest {
 protected:
  void SetUp() override {
    CoreE2eTest::SetUp();
    fs::create_directories(out_);
    slugs_ = WriteSite(in());
    WriteFile(conf_, "limit = 5\noutput_dir = \"" + out_.string() + "\"\n");
  }
  std::unique_ptr<Daemon> StartWithOutput() { return Start({"--config", conf_.string()}); }
  fs::path out_ = root_.path() / "out";
  fs::path conf_ = root_.path() / "feedd.toml";
  std::vector<std::string> slugs_;
};

TEST_F(OnePipelineTest, OutputFolderHoldsEveryServedPath) {
  auto d = StartWithOutput();
  ASSERT_EQ(slugs_.size(), HealthArticles(*d));
  std::string why;
  EXPECT_TRUE(WaitUntil(
      [&] { return (why = OutputMismatch(*d, out_, ServedPaths(*d, slugs_))).empty(); }, kChange))
      << why;
  // An edit and a delete: the folder follows, the deleted page leaves it.
  Drop(in() / "p03.md", "---\ntitle: Post 3\ndate: 2026-02-03\n---\nAn edited body.\n");
  fs::remove(in() / "p04.md");
  std::erase(slugs_, "p04");
  ASSERT_TRUE(WaitForBody(*d, "/articles/p03",
                          [](const std::string& p) { return Contains(p, "An edited body."); }));
  ASSERT_TRUE(WaitUntil([&] { return Status(*d, "/articles/p04") == 404; }));
  EXPECT_TRUE(WaitUntil(
      [&] {
        why = OutputMismatch(*d, out_, ServedPaths(*d, slugs_));
        if (why.empty() && fs::exists(out_ / "articles/p04/index.html"))
          why = "articles/p04/index.html is still there";
        return why.empty();
      },
      kChange))
      << why;
  EXPECT_TRUE(Contains(ReadFile(out_ / "articles/p03/index.html"), "An edited body."));
  EXPECT_EQ(0, d->Stop());
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

TEST_F(OnePipelineTest, RenderWritesTheDaemonsPathsAndLeavesOutFutureAndDrafts) {
  auto d = StartWithOutput();
  std::string why;
  EXPECT_TRUE(WaitUntil(
      [&] { return (why = OutputMismatch(*d, out_, ServedPaths(*d, slugs_))).empty(); }, kChange))
      << why;
  const std::vector<std::string> served = ServedPaths(*d, slugs_);
  // The daemon leaves both out.
  for (const std::string path : {"/rss.xml", "/atom.xml", "/feed.json", "/"}) {
    const std::string body = d->Body(path);
    EXPECT_FALSE(Contains(body, "From Next Year")) << path;
    EXPECT_FALSE(Contains(body, "Only A Draft")) << path;
  }
  EXPECT_EQ(404, Status(*d, "/articles/future"));
  EXPECT_EQ(404, Status(*d, "/articles/draft"));

  const fs::path rendered = root_.path() / "rendered";
  const fs::path log = root_.path() / "render.log";
  const std::string cmd = Quote(FEEDD_BINARY) + " render --input " + Quote(in().string()) +
                          " --output " + Quote(rendered.string()) + " --base-url " + Quote(kBase) +
                          " --limit 5 >" + Quote(log.string()) + " 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(log);
  const std::set<std::string> files = FilesUnder(rendered);
  std::set<std::string> expected;
  for (const std::string& path : served) expected.insert(FileFor(path));
  EXPECT_EQ(expected, WithoutTwins(files)) << "render's files, against the daemon's paths";
  EXPECT_EQ(WithoutTwins(FilesUnder(out_)), WithoutTwins(files))
      << "render's files, against the daemon's output folder";
  // The .br twins of the hot resources come a little later in the daemon's folder.
  auto without_br = [](std::set<std::string> f) {
    std::erase_if(f, [](const std::string& n) { return n.ends_with(".br"); });
    return f;
  };
  EXPECT_EQ(without_br(FilesUnder(out_)), without_br(files)) << "with the .gz twins";
  for (const std::string file : {"rss.xml", "atom.xml", "feed.json", "index.html"}) {
    const std::string body = ReadFile(rendered / file);
    EXPECT_FALSE(Contains(body, "From Next Year")) << file;
    EXPECT_FALSE(Contains(body, "Only A Draft")) << file;
  }
  EXPECT_EQ(5u, RssItems(ReadFile(rendered / "rss.xml")).size());
  EXPECT_EQ(0, d->Stop());
}

// --- 8. Replicas agree ---------------------------------------------------------------

TEST_F(CoreE2eTest, ReplicasWithACopyOfTheStateAgreeByteForByte) {
  auto first = Start({"--limit", "5"});
  // Arrivals within one second, a slug collision, an edit: all decided by the state.
  const std::vector<std::string> names = {"q7", "b6", "n5", "c4", "r3", "d2", "s1"};
  for (size_t i = 0; i < names.size(); ++i) {
    RenameIn(in() / (names[i] + ".md"),
             "---\ntitle: Item " + names[i] + "\ncategories: [World]\n---\nBody.\n", kSecond);
    ASSERT_TRUE(WaitUntil([&] { return HealthArticles(*first) == i + 1; }));
  }
  Drop(in() / "a-b.md", "---\ntitle: Hyphen\n---\nFirst.\n");
  ASSERT_TRUE(WaitUntil([&] { return HealthArticles(*first) == 8; }));
  Drop(in() / "a b.md", "---\ntitle: Space\n---\nSecond.\n");
  ASSERT_TRUE(WaitUntil([&] { return HealthArticles(*first) == 9; }));
  Drop(in() / "n5.md", "---\ntitle: Item n5\ncategories: [World]\n---\nEdited.\n");
  ASSERT_TRUE(WaitForBody(*first, "/articles/n5",
                          [](const std::string& p) { return Contains(p, "Edited."); }));
  EXPECT_EQ(0, first->Stop());

  // The replica: copies of the folder (new file times, as plain cp) and of the state.
  TempDir replica;
  const fs::path replica_in = replica.path() / "articles";
  const fs::path replica_state = replica.path() / "state";
  fs::copy(in(), replica_in, fs::copy_options::recursive);
  for (const auto& e : fs::directory_iterator(replica_in)) SetTimes(e.path(), 1900000000);
  fs::copy(state_, replica_state, fs::copy_options::recursive);
  auto a = Start({"--limit", "5"});
  Daemon b(replica_in,
           {"--state-dir", replica_state.string(), "--base-url", kBase, "--limit", "5"});
  ASSERT_TRUE(Ready(b)) << b.Log();
  std::vector<std::string> paths = {"/rss.xml",
                                    "/atom.xml",
                                    "/feed.json",
                                    "/",
                                    "/categories/world/rss.xml",
                                    "/archive/1/atom.xml",
                                    "/articles/a-b",
                                    "/articles/a-b-2"};
  for (const std::string& n : names) paths.push_back("/articles/" + n);
  for (const std::string& path : paths) {
    std::optional<HttpResponse> ra = a->Get(path), rb = b.Get(path);
    ASSERT_TRUE(ra && rb) << path;
    EXPECT_EQ(200, ra->status) << path;
    EXPECT_EQ(ra->body, rb->body) << path;
    EXPECT_EQ(ra->Header("etag"), rb->Header("etag")) << path;
    EXPECT_EQ(ra->Header("last-modified"), rb->Header("last-modified")) << path;
  }
  EXPECT_EQ(0, a->Stop());
  EXPECT_EQ(0, b.Stop());
}

// --- 9. Start-up ------------------------------------------------------------------------

// A folder whose first scan takes a while: 3,000 small Markdown articles.
void WriteLargeFolder(const fs::path& dir) {
  std::string body;
  for (int p = 1; p <= 12; ++p) {
    body += "Paragraph " + std::to_string(p) + " with *some* words, [a link](https://example.org/" +
            std::to_string(p) + ") and `code`.\n\n";
  }
  for (int i = 0; i < 3000; ++i) {
    const std::string n = std::to_string(i);
    WriteFile(dir / ("s" + n + ".md"), "---\ntitle: Story " + n + "\ntags: [t" +
                                           std::to_string(i % 20) + "]\ncategories: [c" +
                                           std::to_string(i % 7) + "]\n---\n" + body);
  }
}

// Starts feedd without waiting for anything.
std::unique_ptr<Daemon> StartCold(const fs::path& in, const fs::path& state) {
  DaemonOptions options;
  options.wait_for_port = false;
  return std::make_unique<Daemon>(
      in, std::vector<std::string>{"--state-dir", state.string(), "--base-url", kBase}, options);
}

TEST_F(CoreE2eTest, HealthzIs503UntilTheFirstSnapshot) {
  WriteLargeFolder(in());
  auto d = StartCold(in(), state_);
  // Connect as soon as the port file appears.
  ASSERT_TRUE(WaitUntil([&] { return d->ReadPortFile(); }, 30s)) << d->Log();
  std::optional<HttpResponse> early = d->Get("/healthz");
  ASSERT_TRUE(early);
  EXPECT_EQ(503, early->status) << "the first /healthz after the port file appeared: "
                                << early->body;
  ASSERT_TRUE(Ready(*d)) << d->Log();
  EXPECT_EQ(3000u, HealthArticles(*d));
  EXPECT_EQ(50u, RssItems(d->Body("/rss.xml")).size());
  EXPECT_EQ(0, d->Stop());
}

TEST_F(CoreE2eTest, SigtermDuringColdStartExitsWithinOneSecond) {
  WriteLargeFolder(in());
  auto d = StartCold(in(), state_);
  // The cold start has begun: the port file is there (and /healthz says 503), or
  // the daemon said it listens but has not written the port file yet.
  bool port_file = false;
  ASSERT_TRUE(WaitUntil(
      [&] {
        port_file = d->ReadPortFile();
        return port_file || Contains(d->Log(), "listening on 127.0.0.1:");
      },
      30s))
      << d->Log();
  if (port_file) {
    ASSERT_EQ(503, Status(*d, "/healthz")) << "the cold start was over already";
  }
  const auto sent = testing::Clock::now();
  ASSERT_EQ(0, ::kill(d->pid(), SIGTERM));
  const int status = d->Wait(1s);
  EXPECT_EQ(0, status)
      << "exit status (-1: still running "
      << std::chrono::duration_cast<std::chrono::milliseconds>(testing::Clock::now() - sent).count()
      << " ms after SIGTERM)\n"
      << d->Log().substr(0, 2000);
}

// --- 10. The index is paged --------------------------------------------------------------

TEST_F(CoreE2eTest, IndexIsPagedByFifty) {
  std::vector<std::string> slugs;  // oldest first
  for (int i = 1; i <= 120; ++i) {
    char name[32], date[48];
    std::snprintf(name, sizeof name, "s%03d", i);
    std::snprintf(date, sizeof date, "2026-01-01T%02d:%02d:00Z", i / 60, i % 60);
    Drop(in() / (std::string(name) + ".txt"), Dated("Story " + std::string(name), date));
    slugs.push_back(name);
  }
  auto d = Start();
  // The slugs a page links to, in slug order.
  auto listed = [&](const std::string& html) {
    std::vector<std::string> out;
    for (const std::string& s : slugs)
      if (Contains(html, "/articles/" + s + "\"")) out.push_back(s);
    return out;
  };
  auto range = [&](int from, int to) {  // slugs s<from>..s<to>, 1-based, inclusive
    return std::vector<std::string>(slugs.begin() + from - 1, slugs.begin() + to);
  };
  const std::string one = d->Body("/");
  EXPECT_EQ(range(71, 120), listed(one));
  EXPECT_TRUE(Contains(one, "/page/2\"")) << "/ links /page/2";
  std::optional<HttpResponse> two = d->Get("/page/2");
  ASSERT_TRUE(two);
  ASSERT_EQ(200, two->status);
  EXPECT_EQ(range(21, 70), listed(two->body));
  EXPECT_TRUE(Contains(two->body, "/page/3\"")) << "/page/2 links /page/3";
  std::optional<HttpResponse> three = d->Get("/page/3");
  ASSERT_TRUE(three);
  ASSERT_EQ(200, three->status);
  EXPECT_EQ(range(1, 20), listed(three->body));
  EXPECT_FALSE(Contains(three->body, "/page/4\""));
  EXPECT_EQ(404, Status(*d, "/page/4"));
  EXPECT_EQ(0, d->Stop());
}

// --- 11. kill -9 at any moment -----------------------------------------------------------

TEST_F(CoreE2eTest, KillNineAtAnyMomentKeepsIdsDatesAndUrls) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::map<std::string, Item> seen;                     // by title, as a reader first saw it
  std::vector<std::pair<fs::path, std::string>> files;  // in the folder: path, title
  auto record = [&](const std::string& rss, const std::string& when) {
    for (const Item& i : RssItems(rss)) {
      auto [it, added] = seen.emplace(i.title, i);
      if (!added) {
        EXPECT_EQ(it->second, i) << when;
      }
    }
  };
  int next = 0;
  for (int round = 0; round < 4; ++round) {
    auto d = Start({"--limit", "500"});
    const std::string when = "round " + std::to_string(round);
    ASSERT_TRUE(WaitUntil([&] { return HealthArticles(*d) == files.size(); }))
        << when << ": " << HealthArticles(*d) << " of " << files.size();
    const std::vector<Item> now = RssItems(d->Body("/rss.xml"));
    std::set<std::string> titles;
    for (const Item& i : now) titles.insert(i.title);
    for (const auto& [title, item] : seen) EXPECT_TRUE(titles.count(title)) << when << ": " << item;
    record(d->Body("/rss.xml"), when + ", after the restart");
    const int drops = std::uniform_int_distribution<int>(4, 12)(rng);
    const int kill_at = std::uniform_int_distribution<int>(0, drops - 1)(rng);
    const bool before_reading = rng() % 2;
    for (int i = 0; i < drops; ++i) {
      const int n = next++;
      // Every third file takes the slug of the one dropped two before it.
      const bool spaced = n % 3 == 2;
      const std::string name = spaced ? "k " + std::to_string(n - 2) : "k-" + std::to_string(n);
      const std::string title =
          spaced ? "K " + std::to_string(n - 2) + " spaced" : "K " + std::to_string(n);
      Drop(in() / (name + ".txt"), Plain(title, "Body of " + title + "."));
      files.emplace_back(in() / (name + ".txt"), title);
      // A file a reader has seen gets a new time: a lost state would date it anew.
      if (!seen.empty() && rng() % 2) {
        const auto& [path, t] =
            files[std::uniform_int_distribution<size_t>(0, files.size() - 1)(rng)];
        if (seen.count(t)) SetTimes(path, 1600000000 + n);
      }
      if (i == kill_at && before_reading) break;
      if (std::optional<HttpResponse> r = d->Get("/rss.xml"); r && r->status == 200)
        record(r->body, when);
      if (i == kill_at) break;
    }
    ASSERT_EQ(0, ::kill(d->pid(), SIGKILL));
    ASSERT_EQ(128 + SIGKILL, d->Wait(5s));
  }
  auto d = Start({"--limit", "500"});
  ASSERT_TRUE(WaitUntil([&] { return HealthArticles(*d) == files.size(); }));
  std::map<std::string, Item> last;
  for (const Item& i : RssItems(d->Body("/rss.xml"))) last[i.title] = i;
  EXPECT_GT(seen.size(), 4u);
  for (const auto& [title, item] : seen) EXPECT_EQ(item, last[title]) << "after the last kill";
  EXPECT_EQ(0, d->Stop());
}

}  // namespace
}  // namespace feedd

namespace feedd {
namespace {

// A saved web page dropped into a running daemon's folder is in every feed, with its
// canonical link as Atom's rel="via" and JSON Feed's external_url and its
// dateModified as the updated date; a page nested too deep is one log line, and
// what was published stays.
TEST_F(CoreE2eTest, SavedWebPagesArePublishedAndAHostileOneIsSkipped) {
  Drop(in() / "first.md", "---\ntitle: First Post\ndate: 2026-01-01T10:00:00Z\n---\nBody.\n");
  auto d = Start();
  const fs::path pages = testing::TestData() / "html";
  const nlohmann::json e =
      nlohmann::json::parse(testing::ReadFile(pages / "news-jsonld.expected.json"));
  fs::create_directories(in() / "saved");
  testing::DropByRename(in() / "saved" / "news.html", testing::ReadFile(pages / "news-jsonld.html"));
  ASSERT_TRUE(WaitForBody(*d, "/atom.xml", [&](const std::string& r) {
    return Contains(r, e["title"].get<std::string>());
  })) << d->Log();
  const std::string atom = d->Body("/atom.xml");
  EXPECT_TRUE(Contains(atom, "<link rel=\"via\" type=\"text/html\" href=\"" +
                                 e["via"].get<std::string>() + "\""))
      << atom;
  EXPECT_TRUE(Contains(atom, "<updated>" + e["updated"].get<std::string>() + "</updated>"));
  const nlohmann::json feed = nlohmann::json::parse(d->Body("/feed.json"));
  ASSERT_EQ(2u, feed["items"].size());
  EXPECT_EQ(e["via"], feed["items"][0]["external_url"]);
  EXPECT_NE(e["via"], feed["items"][0]["id"]);
  EXPECT_TRUE(Contains(d->Body("/articles/news"), "First published at"));

  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<span>";
  testing::DropByRename(in() / "deep.html", "<title>Deep</title>" + deep);
  ASSERT_TRUE(WaitUntil([&] { return d->CountInLog("nested 5000 elements deep") > 0; }, kChange))
      << d->Log();
  EXPECT_EQ(2u, RssTitles(d->Body("/rss.xml")).size());
  EXPECT_EQ(0, d->Stop());
}

}  // namespace
}  // namespace feedd
