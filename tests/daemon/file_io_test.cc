#include "daemon/publish/file_io.h"

#include <sys/stat.h>

#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace feedd::daemon {
namespace {

namespace fs = std::filesystem;

std::set<std::string> Names(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

int64_t Mtime(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_mtim.tv_sec : -1;
}

// Until the commit a reader sees the old file and a hidden temporary beside it;
// after it, the new bytes with the time given.
TEST(FileBatchTest, HiddenUntilCommittedThenInPlaceWithItsTime) {
  testing::TempDir dir;
  const fs::path feed = dir.path() / "rss.xml";
  testing::WriteFile(feed, "old");
  FileBatch batch(dir.path().string());
  std::string err;
  ASSERT_TRUE(batch.Write(feed.string(), "new", 1767225600, &err)) << err;  // 2026-01-01
  ASSERT_TRUE(batch.Write((dir.path() / "atom.xml").string(), "atom", 0, &err)) << err;
  EXPECT_EQ("old", testing::ReadFile(feed));
  EXPECT_EQ((std::set<std::string>{".atom.xml.feedd-tmp", ".rss.xml.feedd-tmp", "rss.xml"}),
            Names(dir.path()));
  EXPECT_TRUE(FileBatch::IsTemp(".rss.xml.feedd-tmp"));
  EXPECT_FALSE(FileBatch::IsTemp("rss.xml"));
  EXPECT_FALSE(FileBatch::IsTemp(".feedd-tmp"));
  EXPECT_EQ(2u, batch.pending());
  ASSERT_TRUE(batch.Commit(&err)) << err;
  EXPECT_EQ(0u, batch.pending());
  EXPECT_EQ("new", testing::ReadFile(feed));
  EXPECT_EQ("atom", testing::ReadFile(dir.path() / "atom.xml"));
  EXPECT_EQ(1767225600, Mtime(feed));
  EXPECT_GT(Mtime(dir.path() / "atom.xml"), 1767225600);  // 0: the time of writing
  EXPECT_EQ((std::set<std::string>{"atom.xml", "rss.xml"}), Names(dir.path()));
}

TEST(FileBatchTest, CommitsWhenFullAndCleansUpWhatIsNotCommitted) {
  testing::TempDir dir;
  std::string err;
  {
    FileBatch batch(dir.path().string(), 2);
    ASSERT_TRUE(batch.Write((dir.path() / "a").string(), "a", 0, &err)) << err;
    ASSERT_TRUE(batch.Write((dir.path() / "b").string(), "b", 0, &err)) << err;  // full: committed
    EXPECT_EQ(0u, batch.pending());
    EXPECT_EQ((std::set<std::string>{"a", "b"}), Names(dir.path()));
    ASSERT_TRUE(batch.Write((dir.path() / "c").string(), "c", 0, &err)) << err;
  }  // dropped: c's temporary goes, c never appears
  EXPECT_EQ((std::set<std::string>{"a", "b"}), Names(dir.path()));
  // A file in a folder that does not exist: the error names it.
  FileBatch batch(dir.path().string());
  EXPECT_FALSE(batch.Write((dir.path() / "no" / "x").string(), "x", 0, &err));
  EXPECT_NE(std::string::npos, err.find("/no/.x.feedd-tmp")) << err;
  // A rename that fails (the name is a folder): reported, its temporary removed.
  std::filesystem::create_directories(dir.path() / "d" / "inside");
  ASSERT_TRUE(batch.Write((dir.path() / "d").string(), "d", 0, &err)) << err;
  EXPECT_FALSE(batch.Commit(&err));
  EXPECT_NE(std::string::npos, err.find("/d: ")) << err;
  EXPECT_EQ((std::set<std::string>{"a", "b", "d"}), Names(dir.path()));
  EXPECT_TRUE(batch.TakeFailed());
  EXPECT_FALSE(batch.TakeFailed());
  // A failure in the commit a full batch makes by itself is remembered too, for the
  // owner's final look.
  FileBatch small(dir.path().string(), 1);
  EXPECT_FALSE(small.Write((dir.path() / "d").string(), "d", 0, &err));
  EXPECT_TRUE(small.Commit(&err));  // nothing left to commit
  EXPECT_TRUE(small.TakeFailed());
}

}  // namespace
}  // namespace feedd::daemon
