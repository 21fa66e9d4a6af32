#include "watcher/scan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace feedd::watcher {
namespace {

using ::feedd::testing::TempDir;
using ::feedd::testing::WriteFile;
namespace fs = std::filesystem;

TEST(ScanTest, IgnoredNames) {
  for (const char* name : {".hidden.txt", "a.txt~", ".a.txt.swp", "a.swp", "x.tmp", "#a.txt#",
                           ".#a.txt", "dl.part", "f.crdownload", ""})
    EXPECT_TRUE(IsIgnoredName(name)) << name;
  for (const char* name : {"a.txt", "a.md", "a~b.txt", "#tag.txt", "part.txt"})
    EXPECT_FALSE(IsIgnoredName(name)) << name;
}

TEST(ScanTest, ListsRegularFilesRecursivelyAndSorted) {
  TempDir dir;
  fs::create_directories(dir.path() / "sub" / "deeper");
  fs::create_directories(dir.path() / ".git");
  WriteFile(dir.path() / "b.txt", "x");
  WriteFile(dir.path() / "a.md", "x");
  WriteFile(dir.path() / "sub" / "deeper" / "c.txt", "x");
  WriteFile(dir.path() / ".git" / "HEAD.txt", "x");
  WriteFile(dir.path() / "a.txt.swp", "x");
  ASSERT_EQ(0, ::mkfifo((dir.path() / "fifo.txt").c_str(), 0600));
  std::vector<std::string> problems;
  std::string err;
  auto entries = ScanDirectory(dir.path().string(), &problems, &err);
  ASSERT_TRUE(entries) << err;
  std::vector<std::string> names;
  for (const ScanEntry& e : *entries) names.push_back(e.relative_path);
  EXPECT_EQ((std::vector<std::string>{"a.md", "b.txt", "sub/deeper/c.txt"}), names);
  EXPECT_TRUE(problems.empty());
}

TEST(ScanTest, LinksOutsideTheFolderAreNotFollowed) {
  TempDir outside, dir;
  WriteFile(outside.path() / "secret.txt", "secret");
  WriteFile(dir.path() / "real.txt", "x");
  fs::create_symlink(outside.path() / "secret.txt", dir.path() / "leak.txt");
  fs::create_symlink("/etc/passwd", dir.path() / "passwd.txt");
  fs::create_symlink(dir.path() / "real.txt", dir.path() / "alias.txt");
  std::vector<std::string> problems;
  std::string err;
  auto entries = ScanDirectory(dir.path().string(), &problems, &err);
  ASSERT_TRUE(entries) << err;
  std::vector<std::string> names;
  for (const ScanEntry& e : *entries) names.push_back(e.relative_path);
  EXPECT_EQ((std::vector<std::string>{"alias.txt", "real.txt"}), names);
  EXPECT_EQ((std::vector<std::string>{
                "leak.txt: symbolic link to a file outside the input folder",
                "passwd.txt: symbolic link to a file outside the input folder"}),
            [&] { std::sort(problems.begin(), problems.end()); return problems; }());
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "passwd.txt", 1 << 20, &err));
  EXPECT_EQ("symbolic link to a file outside the input folder", err);
}

TEST(ScanTest, MissingFolder) {
  std::vector<std::string> problems;
  std::string err;
  EXPECT_FALSE(ScanDirectory("/nonexistent/feedd", &problems, &err));
  EXPECT_EQ("/nonexistent/feedd: No such file or directory", err);
}

TEST(ScanTest, ReadIsCapped) {
  TempDir dir;
  WriteFile(dir.path() / "big.txt", std::string(2000, 'a'));
  std::string err;
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "big.txt", 1000, &err));
  EXPECT_EQ("too large (2000 bytes, limit 1000)", err);
  auto ok = ReadArticleFile(dir.path().string(), "big.txt", 2000, &err);
  ASSERT_TRUE(ok) << err;
  EXPECT_EQ(2000u, ok->bytes.size());
  EXPECT_GT(ok->mtime_seconds, 0);
}

TEST(ScanTest, ReadRefusesNonRegularFiles) {
  TempDir dir;
  ASSERT_EQ(0, ::mkfifo((dir.path() / "fifo.txt").c_str(), 0600));
  fs::create_directories(dir.path() / "d.txt");
  std::string err;
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "fifo.txt", 1000, &err));
  EXPECT_EQ("not a regular file", err);
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "d.txt", 1000, &err));
  EXPECT_EQ("not a regular file", err);
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "missing.txt", 1000, &err));
  EXPECT_EQ("No such file or directory", err);
}

}  // namespace
}  // namespace feedd::watcher
