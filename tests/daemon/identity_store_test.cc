#include "daemon/store/identity_store.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <set>

#include "tests/test_util.h"

namespace feedd::daemon {
namespace {

namespace fs = std::filesystem;

FreshArticle Fresh(const std::string& source, const std::string& hash, int64_t published,
                   int64_t mtime, const std::string& id = "") {
  FreshArticle f;
  f.source = source;
  f.slug = fs::path(source).stem().string();
  f.id = id.empty() ? "https://ex.org/articles/" + f.slug : id;
  f.explicit_id = !id.empty();
  f.content_hash = hash;
  f.published = {published, 0};
  f.file_time = {mtime, 0};
  return f;
}

FreshArticle Dated(FreshArticle f) {
  f.explicit_date = true;
  return f;
}

TEST(IdentityStoreTest, IdsAndPublishedDatesNeverMove) {
  IdentityStore store;
  std::string err;
  ASSERT_TRUE(store.Open("", "state.db", &err)) << err;
  const ArticleIdentity a = store.Resolve(Fresh("a.txt", "h1", 100, 100), 1000);
  EXPECT_EQ(100, a.published.seconds);
  EXPECT_EQ(100, a.updated.seconds);
  EXPECT_EQ(100, a.changed);  // its page is as old as the article
  // touch: new file time, same content.
  EXPECT_EQ(a.published, store.Resolve(Fresh("a.txt", "h1", 500, 500), 1001).published);
  EXPECT_EQ(100, store.Resolve(Fresh("a.txt", "h1", 500, 500), 1001).updated.seconds);
  EXPECT_EQ(100, store.Find("a.txt")->changed);
  // edit: updated moves to the file's time, published stays, changed moves to now.
  const ArticleIdentity edited = store.Resolve(Fresh("a.txt", "h2", 600, 600), 1002);
  EXPECT_EQ(100, edited.published.seconds);
  EXPECT_EQ(600, edited.updated.seconds);
  EXPECT_EQ(1002, edited.changed);
  EXPECT_EQ(a.id, edited.id);
  EXPECT_EQ(a.arrival, edited.arrival);
  // Another edit in the same second: its change is a second later, never the same.
  EXPECT_EQ(1003, store.Resolve(Fresh("a.txt", "h3", 600, 600), 1002).changed);
  // An explicit date wins, even over what was remembered.
  EXPECT_EQ(50, store.Resolve(Dated(Fresh("a.txt", "h3", 50, 700)), 1004).published.seconds);
}

// A page that states when it was last changed (dateModified) is dated by that, at
// its first arrival and at an edit, instead of by the file's time.
TEST(IdentityStoreTest, AStatedUpdateDatesTheArticle) {
  IdentityStore store;
  std::string err;
  ASSERT_TRUE(store.Open("", "state.db", &err)) << err;
  FreshArticle f = Dated(Fresh("p.html", "h1", 100, 900));
  f.stated_update = {300, 0};
  EXPECT_EQ(300, store.Resolve(f, 1000).updated.seconds);
  f.content_hash = "h2";
  f.stated_update = {400, 0};
  f.file_time = {950, 0};
  EXPECT_EQ(400, store.Resolve(f, 1001).updated.seconds);
}

TEST(IdentityStoreTest, NextChangeNeverRepeatsASecond) {
  EXPECT_EQ(100, NextChange(0, 100));
  EXPECT_EQ(100, NextChange(99, 100));
  EXPECT_EQ(101, NextChange(100, 100));
  EXPECT_EQ(106, NextChange(105, 100));  // ahead of a clock that went back: still forward
}

TEST(IdentityStoreTest, RenamesAndRestoresKeepTheirIdentity) {
  IdentityStore store;
  std::string err;
  store.Open("", "state.db", &err);
  const ArticleIdentity b = store.Resolve(Fresh("b.txt", "hb", 200, 200), 1000);
  store.MarkAbsent("b.txt");
  const ArticleIdentity moved = store.Resolve(Fresh("sub/renamed.txt", "hb", 900, 900), 1001);
  EXPECT_EQ(b.id, moved.id);
  EXPECT_EQ(b.published, moved.published);
  EXPECT_EQ(b.arrival, moved.arrival);
  EXPECT_EQ("sub/renamed.txt", moved.source);
  EXPECT_EQ("renamed", moved.slug);  // the new name's slug
  // A copy of a present file is a new article with an id of its own.
  const ArticleIdentity copy = store.Resolve(Fresh("copy.txt", "hb", 900, 900), 1002);
  EXPECT_NE(b.id, copy.id);
  EXPECT_GT(copy.arrival, moved.arrival);
  // A deleted path's id is never handed to a new article of the same name.
  store.MarkAbsent("sub/renamed.txt");
  store.MarkAbsent("copy.txt");
  const ArticleIdentity other = store.Resolve(Fresh("b.txt", "other", 950, 950), 1003);
  EXPECT_EQ("https://ex.org/articles/b-2", other.id);
  // Deleted and restored with the same bytes: its identity comes back.
  store.MarkAbsent("b.txt");
  const ArticleIdentity back = store.Resolve(Fresh("b.txt", "other", 990, 990), 1004);
  EXPECT_EQ(other.id, back.id);
  EXPECT_EQ(other.published, back.published);
  EXPECT_EQ(other.arrival, back.arrival);
}

// Issue 10, defect 5: a file name reused after its article was deleted, with other
// content, is a new article: new id, new date, new arrival; readers show it.
TEST(IdentityStoreTest, AReusedFileNameIsANewArticle) {
  IdentityStore store;
  std::string err;
  store.Open("", "state.db", &err);
  const ArticleIdentity first = store.Resolve(Fresh("x.md", "one", 100, 100), 1000);
  ASSERT_TRUE(store.MarkAbsent("x.md"));
  const ArticleIdentity second = store.Resolve(Fresh("x.md", "two", 5000, 5000), 6000);
  EXPECT_NE(first.id, second.id);
  EXPECT_EQ(5000, second.published.seconds);
  EXPECT_GT(second.arrival, first.arrival);
  EXPECT_NE(first.key, second.key);
  // The first is still remembered by its content: restored elsewhere, it is itself.
  const ArticleIdentity restored = store.Resolve(Fresh("old/x.md", "one", 7000, 7000), 7000);
  EXPECT_EQ(first.id, restored.id);
  EXPECT_EQ(first.published, restored.published);
}

// Issue 10, defect 4: the first article to claim a slug keeps it while it exists.
TEST(IdentityStoreTest, TheFirstClaimOfASlugKeepsIt) {
  IdentityStore store;
  std::string err;
  store.Open("", "state.db", &err);
  FreshArticle first = Fresh("a-b.md", "h1", 100, 100);
  FreshArticle second = Fresh("a b.txt", "h2", 200, 200);
  second.slug = "a-b";
  EXPECT_EQ("a-b", store.Resolve(first, 1000).slug);
  EXPECT_EQ("a-b-2", store.Resolve(second, 1001).slug);
  // Read again in any order, each keeps its own.
  EXPECT_EQ("a-b-2", store.Resolve(second, 1002).slug);
  EXPECT_EQ("a-b", store.Resolve(first, 1002).slug);
  // The first leaves: the newcomer stays where it is.
  store.MarkAbsent("a-b.md");
  EXPECT_EQ("a-b-2", store.Resolve(second, 1003).slug);
  // A third one takes the free slug.
  FreshArticle third = Fresh("a_b.html", "h3", 300, 300);
  third.slug = "a-b";
  EXPECT_EQ("a-b", store.Resolve(third, 1004).slug);
}

TEST(IdentityStoreTest, ManyFilesOfOneSlugGetDistinctSlugs) {
  IdentityStore store;
  std::string err;
  store.Open("", "state.db", &err);
  std::set<std::string> slugs;
  for (int i = 0; i < 16000; ++i) {
    FreshArticle f = Fresh("d" + std::to_string(i) + "/same.txt", "h" + std::to_string(i), 1, 1);
    slugs.insert(store.Resolve(f, 1000).slug);
  }
  EXPECT_EQ(16000u, slugs.size());
  EXPECT_EQ(1u, slugs.count("same"));
  EXPECT_EQ(1u, slugs.count("same-16000"));
}

TEST(IdentityStoreTest, EverythingSurvivesReopening) {
  testing::TempDir dir;
  std::string err;
  int64_t arrival = 0;
  {
    IdentityStore store;
    ASSERT_TRUE(store.Open(dir.path().string(), "state.db", &err)) << err;
    store.Resolve(Fresh("a.txt", "h", 100, 100), 1000);
    FreshArticle b = Fresh("b.txt", "hb", 100, 100);
    b.slug = "a";
    b.published_nanos = 7;
    arrival = store.Resolve(b, 1000).arrival;
    store.SetStamp("/rss.xml", {"etag1", 1234});
    store.SetMeta("channel", "sig");
    store.PutParse("a.txt", {10, 99, "h", std::string("blob\0with nul", 13)});
    ASSERT_TRUE(store.Flush(&err)) << err;
  }
  IdentityStore store;
  ASSERT_TRUE(store.Open(dir.path().string(), "state.db", &err)) << err;
  EXPECT_EQ(2u, store.size());
  EXPECT_EQ(100, store.Resolve(Fresh("a.txt", "h", 700, 700), 2000).published.seconds);
  const ArticleIdentity* b = store.Find("b.txt");
  ASSERT_NE(nullptr, b);
  EXPECT_EQ("a-2", b->slug);
  EXPECT_EQ(7, b->published_nanos);
  EXPECT_EQ(arrival, b->arrival);
  EXPECT_EQ(1234, store.FindStamp("/rss.xml")->last_changed);
  EXPECT_EQ("etag1", store.FindStamp("/rss.xml")->etag);
  EXPECT_EQ("sig", store.Meta("channel"));
  std::optional<CachedParse> p = store.FindParse("a.txt");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(std::string("blob\0with nul", 13), p->blob);
  EXPECT_EQ(99, p->mtime_ns);
  // A new article after the reopening arrives after the remembered ones.
  EXPECT_GT(store.Resolve(Fresh("c.txt", "hc", 1, 1), 2000).arrival, arrival);
}

TEST(IdentityStoreTest, ReadsTheStateOfAnEarlierFeedd) {
  testing::TempDir dir;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(SQLITE_OK, sqlite3_open((dir.path() / "state.db").c_str(), &db));
    ASSERT_EQ(SQLITE_OK,
              sqlite3_exec(db,
                           "CREATE TABLE articles (source TEXT PRIMARY KEY, id TEXT NOT NULL, "
                           "content_hash TEXT NOT NULL, published INTEGER NOT NULL, "
                           "published_offset INTEGER NOT NULL, updated INTEGER NOT NULL, "
                           "updated_offset INTEGER NOT NULL, present INTEGER NOT NULL);"
                           "INSERT INTO articles VALUES ('new.txt', 'id-new', 'hn', 200, 0, 200, 0, 1);"
                           "INSERT INTO articles VALUES ('old.txt', 'id-old', 'ho', 100, 60, 150, 0, 1);",
                           nullptr, nullptr, nullptr));
    sqlite3_close(db);
  }
  IdentityStore store;
  std::string err;
  ASSERT_TRUE(store.Open(dir.path().string(), "state.db", &err)) << err;
  const ArticleIdentity old = store.Resolve(Fresh("old.txt", "ho", 999, 999), 5000);
  const ArticleIdentity young = store.Resolve(Fresh("new.txt", "hn", 999, 999), 5000);
  EXPECT_EQ("id-old", old.id);
  EXPECT_EQ(100, old.published.seconds);
  EXPECT_EQ(60, old.published.offset_minutes);
  EXPECT_LT(old.arrival, young.arrival);  // by date
  EXPECT_EQ("old", old.slug);
}

TEST(IdentityStoreTest, ReportsAnUnwritableFileAndCatchesUp) {
  // state.db cannot be opened (here: a folder stands in its place). The store works
  // in memory, says why, and writes everything once the path is usable again.
  testing::TempDir broken;
  std::string err;
  fs::create_directories(broken.path() / "state.db");
  IdentityStore store;
  EXPECT_FALSE(store.Open(broken.path().string(), "state.db", &err));
  EXPECT_NE(std::string::npos, err.find((broken.path() / "state.db").string() + ": "));
  EXPECT_FALSE(store.healthy());
  store.Resolve(Fresh("x.txt", "hx", 300, 300), 1000);
  store.SetStamp("/rss.xml", {"e", 1000});
  EXPECT_FALSE(store.Flush(&err));
  fs::remove(broken.path() / "state.db");
  EXPECT_TRUE(store.Flush(&err)) << err;
  EXPECT_TRUE(store.healthy());
  IdentityStore reread;
  ASSERT_TRUE(reread.Open(broken.path().string(), "state.db", &err)) << err;
  EXPECT_EQ(1u, reread.size());
  EXPECT_TRUE(reread.FindStamp("/rss.xml").has_value());
}

}  // namespace
}  // namespace feedd::daemon
