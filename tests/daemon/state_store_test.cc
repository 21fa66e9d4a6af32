#include "daemon/store/identity_store.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace feedd::daemon {
namespace {

namespace fs = std::filesystem;

ArticleState Fresh(const std::string& source, const std::string& hash, int64_t published,
                   int64_t mtime, const std::string& id = "") {
  ArticleState s;
  s.source = source;
  s.id = id.empty() ? "https://ex.org/articles/" + fs::path(source).stem().string() : id;
  s.content_hash = hash;
  s.published = {published, 0};
  s.updated = {mtime, 0};
  return s;
}

TEST(StateStoreTest, IdsAndPublishedDatesNeverMove) {
  StateStore store;
  std::string err;
  ASSERT_TRUE(store.Open("", &err)) << err;
  const ArticleState a = store.Resolve(Fresh("a.txt", "h1", 100, 100), false, false);
  EXPECT_EQ(100, a.published.seconds);
  EXPECT_EQ(100, a.updated.seconds);
  // touch: new file time, same content.
  EXPECT_EQ(a.published, store.Resolve(Fresh("a.txt", "h1", 500, 500), false, false).published);
  EXPECT_EQ(100, store.Resolve(Fresh("a.txt", "h1", 500, 500), false, false).updated.seconds);
  // edit: updated moves to the file's time, published stays.
  const ArticleState edited = store.Resolve(Fresh("a.txt", "h2", 600, 600), false, false);
  EXPECT_EQ(100, edited.published.seconds);
  EXPECT_EQ(600, edited.updated.seconds);
  EXPECT_EQ(a.id, edited.id);
  // An explicit date wins, even over what was remembered.
  EXPECT_EQ(50, store.Resolve(Fresh("a.txt", "h2", 50, 700), false, true).published.seconds);
}

TEST(StateStoreTest, RenamesAndRestoresKeepTheirIdentity) {
  StateStore store;
  std::string err;
  store.Open("", &err);
  const ArticleState b = store.Resolve(Fresh("b.txt", "hb", 200, 200), false, false);
  store.MarkAbsent("b.txt");
  const ArticleState moved = store.Resolve(Fresh("sub/renamed.txt", "hb", 900, 900), false, false);
  EXPECT_EQ(b.id, moved.id);
  EXPECT_EQ(b.published, moved.published);
  EXPECT_EQ("sub/renamed.txt", moved.source);
  // A copy of a present file is a new article with an id of its own.
  const ArticleState copy = store.Resolve(Fresh("copy.txt", "hb", 900, 900), false, false);
  EXPECT_NE(b.id, copy.id);
  // A deleted path's id is never handed to a new article of the same name.
  store.MarkAbsent("sub/renamed.txt");
  store.MarkAbsent("copy.txt");
  const ArticleState other = store.Resolve(Fresh("b.txt", "other", 950, 950), false, false);
  EXPECT_EQ("https://ex.org/articles/b-2", other.id);
  // Deleted and restored: its identity comes back.
  store.MarkAbsent("b.txt");
  const ArticleState back = store.Resolve(Fresh("b.txt", "other", 990, 990), false, false);
  EXPECT_EQ(other.id, back.id);
  EXPECT_EQ(other.published, back.published);
}

TEST(StateStoreTest, SurvivesReopeningAndReportsAnUnwritableFile) {
  testing::TempDir dir;
  std::string err;
  {
    StateStore store;
    ASSERT_TRUE(store.Open(dir.path().string(), &err)) << err;
    store.Resolve(Fresh("a.txt", "h", 100, 100), false, false);
    ASSERT_TRUE(store.Flush(&err)) << err;
  }
  {
    StateStore store;
    ASSERT_TRUE(store.Open(dir.path().string(), &err)) << err;
    EXPECT_EQ(1u, store.size());
    EXPECT_EQ(100, store.Resolve(Fresh("a.txt", "h", 700, 700), false, false).published.seconds);
  }
  // state.db cannot be opened (here: a folder stands in its place). The store works
  // in memory, says why, and writes everything once the path is usable again.
  testing::TempDir broken;
  fs::create_directories(broken.path() / "state.db");
  StateStore store;
  EXPECT_FALSE(store.Open(broken.path().string(), &err));
  EXPECT_NE(std::string::npos, err.find((broken.path() / "state.db").string() + ": "));
  EXPECT_FALSE(store.healthy());
  store.Resolve(Fresh("x.txt", "hx", 300, 300), false, false);
  EXPECT_FALSE(store.Flush(&err));
  fs::remove(broken.path() / "state.db");
  EXPECT_TRUE(store.Flush(&err)) << err;
  EXPECT_TRUE(store.healthy());
  StateStore reread;
  ASSERT_TRUE(reread.Open(broken.path().string(), &err)) << err;
  EXPECT_EQ(1u, reread.size());
}

}  // namespace
}  // namespace feedd::daemon
