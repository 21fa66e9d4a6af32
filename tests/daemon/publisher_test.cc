#include "daemon/publish/publisher.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace feedd::daemon {
namespace {

using testing::TempDir;
using testing::WriteFile;
using watcher::Event;
using watcher::EventKind;

constexpr int64_t kNow = 2000000000;  // 2033: every dated test article is due
namespace fs = std::filesystem;

class PublisherTest : public ::testing::Test {
 protected:
  PublisherTest() : publisher_(Options(), &state_) {}
  PublisherOptions Options() {
    PublisherOptions o;
    o.ingest = {dir_.path().string(), "https://ex.org", 1 << 20};
    o.channel.base_url = "https://ex.org";
    o.channel.title = "Ex";
    o.channel.limit = 2;
    return o;
  }
  std::string Rss() { return publisher_.Build(kNow)->Find("/rss.xml")->identity.body; }
  TempDir dir_;
  IdentityStore state_;  // in memory
  Publisher publisher_;
};

TEST_F(PublisherTest, AppliesEventsIncrementally) {
  WriteFile(dir_.path() / "a.txt", "Title: A\nDate: 2026-01-01\n\nBody.\n");
  EXPECT_TRUE(publisher_.Apply({{EventKind::kChanged, "a.txt"}}));
  EXPECT_EQ(1u, publisher_.article_count());
  std::shared_ptr<const daemon::Snapshot> s1 = publisher_.Build(kNow);
  EXPECT_EQ(1u, (s1->Find("/articles/a") ? 1u : 0u));
  EXPECT_EQ(1u, (s1->Find("/") ? 1u : 0u));

  WriteFile(dir_.path() / "b.txt", "Title: B\nDate: 2026-01-02\n\nBody.\n");
  EXPECT_TRUE(publisher_.Apply({{EventKind::kChanged, "b.txt"}}));
  std::shared_ptr<const daemon::Snapshot> s2 = publisher_.Build(kNow);
  // Unchanged article pages are shared, not rebuilt.
  EXPECT_EQ(s1->Find("/articles/a"), s2->Find("/articles/a"));
  EXPECT_NE(s1->Find("/rss.xml"), s2->Find("/rss.xml"));
  EXPECT_GT(s2->generation, s1->generation);

  EXPECT_TRUE(publisher_.Apply({{EventKind::kRemoved, "a.txt"}}));
  EXPECT_FALSE(publisher_.Apply({{EventKind::kRemoved, "a.txt"}}));
  EXPECT_EQ(0u, (publisher_.Build(kNow)->Find("/articles/a") ? 1u : 0u));
}

TEST_F(PublisherTest, FailedParseKeepsTheLastGoodVersion) {
  WriteFile(dir_.path() / "a.txt", "Good Title\n\nBody.\n");
  publisher_.Apply({{EventKind::kChanged, "a.txt"}});
  WriteFile(dir_.path() / "a.txt", std::string(100, '\0'));
  EXPECT_FALSE(publisher_.Apply({{EventKind::kChanged, "a.txt"}}));
  EXPECT_NE(std::string::npos, Rss().find("Good Title"));
  fs::remove(dir_.path() / "a.txt");  // gone for real: a change event finds nothing
  EXPECT_TRUE(publisher_.Apply({{EventKind::kChanged, "a.txt"}}));
  EXPECT_EQ(0u, publisher_.article_count());
}

TEST_F(PublisherTest, RemovedFolderAndRescan) {
  fs::create_directories(dir_.path() / "sub");
  WriteFile(dir_.path() / "sub" / "x.txt", "X\n\nBody.\n");
  WriteFile(dir_.path() / "subway.txt", "Subway\n\nBody.\n");
  EXPECT_TRUE(publisher_.Rescan());
  EXPECT_EQ(2u, publisher_.article_count());
  EXPECT_FALSE(publisher_.Rescan());  // nothing changed: nothing re-read
  EXPECT_TRUE(publisher_.Apply({{EventKind::kRemovedDir, "sub"}}));
  EXPECT_EQ(1u, publisher_.article_count());  // "subway.txt" is not under "sub/"
  fs::remove(dir_.path() / "subway.txt");
  WriteFile(dir_.path() / "new.txt", "New\n\nBody.\n");
  EXPECT_TRUE(publisher_.Apply({{EventKind::kRescan, ""}}));
  EXPECT_EQ(2u, publisher_.article_count());  // sub/x.txt is on disk again, new.txt is new
}

TEST_F(PublisherTest, LimitAndSlugCollisions) {
  WriteFile(dir_.path() / "a b.txt", "Title: One\nDate: 2026-01-01\n\nBody.\n");
  WriteFile(dir_.path() / "a-b.md", "---\ntitle: Two\ndate: 2026-01-02\n---\nBody.\n");
  WriteFile(dir_.path() / "c.txt", "Title: Three\nDate: 2026-01-03\n\nBody.\n");
  publisher_.Rescan();
  std::shared_ptr<const daemon::Snapshot> s = publisher_.Build(kNow);
  EXPECT_EQ(1u, (s->Find("/articles/a-b") ? 1u : 0u));
  EXPECT_EQ(1u, (s->Find("/articles/a-b-2") ? 1u : 0u));
  const std::string rss = s->Find("/rss.xml")->identity.body;
  EXPECT_NE(std::string::npos, rss.find("Three"));
  EXPECT_NE(std::string::npos, rss.find("Two"));
  EXPECT_EQ(std::string::npos, rss.find("One"));  // limit 2
}

// /page/N from a request: only pages that hold articles exist; a number so large
// that N times the page size wraps around is not a page either.
TEST_F(PublisherTest, IndexPagesOnlyWhereThereAreArticles) {
  for (const char* name : {"a", "b", "c"})
    WriteFile(dir_.path() / (std::string(name) + ".txt"), std::string("Title: ") + name + "\n\nBody.\n");
  PublisherOptions o = Options();
  o.index_page_size = 2;  // pages "/" and /page/2
  publisher_.Reconfigure(o);
  publisher_.Rescan();
  std::shared_ptr<const daemon::Snapshot> s = publisher_.Build(kNow);
  EXPECT_NE(nullptr, s->Find("/page/2"));
  // 2^63 + 1: (N - 1) * 2 wraps to 0.
  for (const char* bad : {"/page/3", "/page/0", "/page/1", "/page/02", "/page/-1", "/page/",
                          "/page/2x", "/page/9223372036854775809", "/page/18446744073709551615",
                          "/page/99999999999999999999999"})
    EXPECT_EQ(nullptr, s->Find(bad)) << bad;
}

TEST_F(PublisherTest, ScheduledArticlesWaitForTheirDate) {
  WriteFile(dir_.path() / "later.txt", "Title: Later\nDate: 2030-01-01T00:00:00Z\n\nBody.\n");
  WriteFile(dir_.path() / "now.txt", "Title: Now\nDate: 2020-01-01T00:00:00Z\n\nBody.\n");
  publisher_.Rescan();
  const int64_t due = 1893456000;  // 2030-01-01
  std::shared_ptr<const daemon::Snapshot> before = publisher_.Build(due - 1);
  EXPECT_EQ(1u, before->article_count);
  EXPECT_EQ(0u, (before->Find("/articles/later") ? 1u : 0u));
  EXPECT_EQ(due, publisher_.next_due());
  std::shared_ptr<const daemon::Snapshot> after = publisher_.Build(due);
  EXPECT_EQ(2u, after->article_count);
  EXPECT_EQ(1u, (after->Find("/articles/later") ? 1u : 0u));
  EXPECT_EQ(0, publisher_.next_due());
}

}  // namespace
}  // namespace feedd::daemon

namespace feedd::daemon {
namespace {

const feed::Article* Published(const Snapshot& s, const std::string& slug) {
  const ArticlePtr* a = s.articles.Find(slug);
  return a ? &(*a)->article : nullptr;
}

// Media beside the articles: named ones resolve to their URL, length and type; the
// article's own name finds one when none is named; a change of the file publishes
// the item again with its new length, a deletion without it, and back.
TEST_F(PublisherTest, ArticlesCarryTheirMediaFromTheIndex) {
  fs::create_directories(dir_.path() / "shows");
  WriteFile(dir_.path() / "shows" / "ep1.mp3", std::string(1000, 'a'));
  WriteFile(dir_.path() / "shows" / "cover.png", std::string(50, 'p'));
  WriteFile(dir_.path() / "shows" / "ep1.md",
            "---\ntitle: One\ndate: 2026-01-01\nimage: cover.png\nenclosure: ep1.mp3\n---\n\nBody.\n");
  WriteFile(dir_.path() / "story.md", "---\ntitle: Story\ndate: 2026-01-02\n---\n\nBody.\n");
  WriteFile(dir_.path() / "story.m4a", std::string(77, 's'));
  WriteFile(dir_.path() / "story.jpg", std::string(9, 'j'));
  WriteFile(dir_.path() / "lost.md",
            "---\ntitle: Lost\ndate: 2026-01-03\nenclosure: nowhere.mp3\n---\n\nBody.\n");
  ASSERT_TRUE(publisher_.Rescan());
  auto s = publisher_.Build(kNow);
  EXPECT_EQ(4u, s->media.size());
  const feed::Article* one = Published(*s, "ep1");
  ASSERT_TRUE(one);
  EXPECT_EQ((feed::Media{"shows/ep1.mp3", "https://ex.org/media/shows/ep1.mp3", "audio/mpeg", 1000}),
            one->enclosure);
  EXPECT_EQ((feed::Media{"shows/cover.png", "https://ex.org/media/shows/cover.png", "image/png", 50}),
            one->image);
  const feed::Article* story = Published(*s, "story");
  ASSERT_TRUE(story);
  EXPECT_EQ("https://ex.org/media/story.m4a", story->enclosure.url);  // its own name
  EXPECT_EQ(77u, story->enclosure.length);
  EXPECT_EQ("https://ex.org/media/story.jpg", story->image.url);
  const feed::Article* lost = Published(*s, "lost");
  ASSERT_TRUE(lost);
  EXPECT_TRUE(lost->enclosure.empty());  // published, without it

  // The episode is replaced: the item's length follows, and its digest moves.
  const std::string digest = (*s->articles.Find("ep1"))->digest;
  WriteFile(dir_.path() / "shows" / "ep1.mp3", std::string(2500, 'b'));
  EXPECT_TRUE(publisher_.Apply({{EventKind::kChanged, "shows/ep1.mp3"}}));
  s = publisher_.Build(kNow);
  EXPECT_EQ(2500u, Published(*s, "ep1")->enclosure.length);
  EXPECT_NE(digest, (*s->articles.Find("ep1"))->digest);
  EXPECT_EQ(2500u, (*s->media.Find("shows/ep1.mp3"))->size);

  // Deleted: the item stays, without its enclosure; the file comes back, and so does it.
  fs::remove(dir_.path() / "shows" / "ep1.mp3");
  EXPECT_TRUE(publisher_.Apply({{EventKind::kRemoved, "shows/ep1.mp3"}}));
  s = publisher_.Build(kNow);
  ASSERT_TRUE(Published(*s, "ep1"));
  EXPECT_TRUE(Published(*s, "ep1")->enclosure.empty());
  EXPECT_FALSE(s->media.Find("shows/ep1.mp3"));
  WriteFile(dir_.path() / "nowhere.mp3", std::string(10, 'n'));
  WriteFile(dir_.path() / "shows" / "ep1.mp3", std::string(3, 'c'));
  EXPECT_TRUE(publisher_.Apply(
      {{EventKind::kChanged, "shows/ep1.mp3"}, {EventKind::kChanged, "nowhere.mp3"}}));
  s = publisher_.Build(kNow);
  EXPECT_EQ(3u, Published(*s, "ep1")->enclosure.length);
  EXPECT_EQ(10u, Published(*s, "lost")->enclosure.length);

  // A rescan that finds a folder gone drops its media, and the items lose them.
  fs::remove_all(dir_.path() / "shows");
  ASSERT_TRUE(publisher_.Rescan());
  s = publisher_.Build(kNow);
  EXPECT_FALSE(Published(*s, "ep1"));
  EXPECT_EQ(3u, s->media.size());
  // Media files are never articles.
  EXPECT_EQ(2u, publisher_.article_count());
}

TEST_F(PublisherTest, EpisodeDurationsComeFromTheirHeadersUnlessTheArticleStatesOne) {
  WriteFile(dir_.path() / "ep.wav", testing::Wav(4));
  WriteFile(dir_.path() / "ep.md", "---\ntitle: Ep\ndate: 2026-01-01\nenclosure: ep.wav\n---\n\nBody.\n");
  WriteFile(dir_.path() / "said.wav", testing::Wav(2));
  WriteFile(dir_.path() / "said.md", "---\ntitle: Said\ndate: 2026-01-02\nduration: 1:30\n---\n\nBody.\n");
  ASSERT_TRUE(publisher_.Rescan());
  auto s = publisher_.Build(kNow);
  ASSERT_TRUE(Published(*s, "ep"));
  EXPECT_EQ(4, Published(*s, "ep")->enclosure.duration_seconds);
  EXPECT_EQ(4, feed::DurationSeconds(*Published(*s, "ep")));
  ASSERT_TRUE(Published(*s, "said"));
  EXPECT_EQ(2, Published(*s, "said")->enclosure.duration_seconds);  // its own name's file
  EXPECT_EQ(90, feed::DurationSeconds(*Published(*s, "said")));    // front matter wins

  // A longer take replaces the episode: read again, the item follows.
  const std::string digest = (*s->articles.Find("ep"))->digest;
  WriteFile(dir_.path() / "ep.wav", testing::Wav(7));
  EXPECT_TRUE(publisher_.Apply({{EventKind::kChanged, "ep.wav"}}));
  s = publisher_.Build(kNow);
  EXPECT_EQ(7, Published(*s, "ep")->enclosure.duration_seconds);
  EXPECT_NE(digest, (*s->articles.Find("ep"))->digest);
  // Published again without a read, it is what a fresh start makes of the folder.
  Publisher fresh(Options(), &state_);
  ASSERT_TRUE(fresh.Rescan());
  auto f = fresh.Build(kNow);
  EXPECT_EQ((*f->articles.Find("ep"))->digest, (*s->articles.Find("ep"))->digest);
  EXPECT_EQ((*f->articles.Find("said"))->digest, (*s->articles.Find("said"))->digest);
  // Touched, not changed in length: the same duration, nothing republished.
  EXPECT_FALSE(publisher_.Apply({}));
}

}  // namespace
}  // namespace feedd::daemon
