#include "watcher/scan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

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

std::vector<std::string> Paths(const Listing& l) {
  std::vector<std::string> names;
  for (const ScanEntry& e : l.files) names.push_back(e.relative_path);
  return names;
}

TEST(ScanTest, ListsRegularFilesRecursivelyAndSorted) {
  TempDir dir;
  fs::create_directories(dir.path() / "sub" / "deeper");
  fs::create_directories(dir.path() / ".git");
  WriteFile(dir.path() / "b.txt", "x");
  WriteFile(dir.path() / "a.md", "xy");
  WriteFile(dir.path() / "sub" / "deeper" / "c.txt", "x");
  WriteFile(dir.path() / ".git" / "HEAD.txt", "x");
  WriteFile(dir.path() / "a.txt.swp", "x");
  ASSERT_EQ(0, ::mkfifo((dir.path() / "fifo.txt").c_str(), 0600));
  std::string err;
  auto listing = ScanDirectory(dir.path().string(), &err);
  ASSERT_TRUE(listing) << err;
  EXPECT_EQ((std::vector<std::string>{"a.md", "b.txt", "sub/deeper/c.txt"}), Paths(*listing));
  EXPECT_EQ((std::vector<std::string>{"", "sub", "sub/deeper"}), listing->folders);
  EXPECT_TRUE(listing->problems.empty());
  EXPECT_TRUE(listing->unreadable.empty());
  struct stat st {};
  ASSERT_EQ(0, ::stat((dir.path() / "a.md").c_str(), &st));
  EXPECT_EQ(2u, listing->files[0].size);
  EXPECT_EQ(static_cast<uint64_t>(st.st_ino), listing->files[0].inode);
  EXPECT_EQ(int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec, listing->files[0].mtime_ns);
}

TEST(ScanTest, OnlyUnderASubfolder) {
  TempDir dir;
  fs::create_directories(dir.path() / "a" / "b");
  WriteFile(dir.path() / "top.txt", "x");
  WriteFile(dir.path() / "a" / "b" / "c.txt", "x");
  WriteFile(dir.path() / "ab.txt", "x");
  std::string err;
  auto listing = ScanDirectory(dir.path().string(), &err, "a");
  ASSERT_TRUE(listing) << err;
  EXPECT_EQ((std::vector<std::string>{"a/b/c.txt"}), Paths(*listing));
  // A subfolder that is gone holds nothing, and is not "unreadable".
  listing = ScanDirectory(dir.path().string(), &err, "gone");
  ASSERT_TRUE(listing) << err;
  EXPECT_TRUE(listing->files.empty());
  EXPECT_TRUE(listing->unreadable.empty());
}

// A root-owned lost+found (mode 0700) on a dedicated mount, read by an
// unprivileged service: the walk skips it, goes on, and says what it could not read.
TEST(ScanTest, AnUnreadableFolderIsSkippedAndTheWalkGoesOn) {
  TempDir dir;
  fs::create_directories(dir.path() / "lost+found");
  fs::create_directories(dir.path() / "m");
  WriteFile(dir.path() / "lost+found" / "x.txt", "x");
  for (const char* n : {"a.txt", "m/b.txt", "z.txt"}) WriteFile(dir.path() / n, "x");
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(dir.path() / "m", fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  ::chmod((dir.path() / "lost+found").c_str(), 0);
  // The listing as the service's user sees it, in words.
  const std::string seen = ::feedd::testing::AsUnprivileged([&] {
    std::string err;
    auto listing = ScanDirectory(dir.path().string(), &err);
    if (!listing) return "error: " + err;
    std::string out;
    for (const std::string& p : Paths(*listing)) out += "file " + p + "\n";
    for (const std::string& u : listing->unreadable) out += "unreadable " + u + "\n";
    for (const ScanProblem& p : listing->problems)
      out += std::string(p.kind == ScanProblemKind::kUnreadableFolder ? "problem unreadable " : "problem other ") +
             p.relative_path + "\n";
    out += std::string("covers ") + (listing->Covers("lost+found/x.txt") ? "x" : "-") +
           (listing->Covers("lost+foundling.txt") ? "l" : "-") + (listing->Covers("m/b.txt") ? "b" : "-") + "\n";
    return out;
  });
  ::chmod((dir.path() / "lost+found").c_str(), 0700);
  EXPECT_EQ(
      "file a.txt\nfile m/b.txt\nfile z.txt\nunreadable lost+found\n"
      "problem unreadable lost+found\ncovers -lb\n",
      seen);
}

TEST(ScanTest, IsUnder) {
  EXPECT_TRUE(IsUnder("a/b.txt", "a"));
  EXPECT_TRUE(IsUnder("a", "a"));
  EXPECT_TRUE(IsUnder("x.txt", ""));
  EXPECT_FALSE(IsUnder("ab/c.txt", "a"));
  EXPECT_FALSE(IsUnder("a", "a/b"));
}

TEST(ScanTest, LinksOutsideTheFolderAreNotFollowed) {
  TempDir outside, dir;
  WriteFile(outside.path() / "secret.txt", "secret");
  WriteFile(dir.path() / "real.txt", "x");
  fs::create_symlink(outside.path() / "secret.txt", dir.path() / "leak.txt");
  fs::create_symlink("/etc/passwd", dir.path() / "passwd.txt");
  fs::create_symlink(dir.path() / "real.txt", dir.path() / "alias.txt");
  std::string err;
  auto listing = ScanDirectory(dir.path().string(), &err);
  ASSERT_TRUE(listing) << err;
  EXPECT_EQ((std::vector<std::string>{"alias.txt", "real.txt"}), Paths(*listing));
  std::vector<std::string> problems;
  for (const ScanProblem& p : listing->problems) {
    EXPECT_EQ(ScanProblemKind::kOutsideLink, p.kind);
    problems.push_back(p.relative_path + ": " + p.message);
  }
  std::sort(problems.begin(), problems.end());
  EXPECT_EQ((std::vector<std::string>{
                "leak.txt: symbolic link to a file outside the input folder",
                "passwd.txt: symbolic link to a file outside the input folder"}),
            problems);
  ReadError read;
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "passwd.txt", 1 << 20, &read));
  EXPECT_EQ("symbolic link to a file outside the input folder", read.message);
  EXPECT_EQ(ReadErrorKind::kOutside, read.kind);
}

TEST(ScanTest, MissingFolder) {
  std::string err;
  EXPECT_FALSE(ScanDirectory("/nonexistent/feedd", &err));
  EXPECT_EQ("/nonexistent/feedd: No such file or directory", err);
}

TEST(ScanTest, ReadIsCapped) {
  TempDir dir;
  WriteFile(dir.path() / "big.txt", std::string(2000, 'a'));
  ReadError err;
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "big.txt", 1000, &err));
  EXPECT_EQ("too large (2000 bytes, limit 1000)", err.message);
  EXPECT_EQ(ReadErrorKind::kTooLarge, err.kind);
  auto ok = ReadArticleFile(dir.path().string(), "big.txt", 2000, &err);
  ASSERT_TRUE(ok) << err.message;
  EXPECT_EQ(2000u, ok->bytes.size());
  EXPECT_GT(ok->mtime_seconds, 0);
}

TEST(ScanTest, ReadRefusesNonRegularFiles) {
  TempDir dir;
  ASSERT_EQ(0, ::mkfifo((dir.path() / "fifo.txt").c_str(), 0600));
  fs::create_directories(dir.path() / "d.txt");
  ReadError err;
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "fifo.txt", 1000, &err));
  EXPECT_EQ("not a regular file", err.message);
  EXPECT_EQ(ReadErrorKind::kNotRegular, err.kind);
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "d.txt", 1000, &err));
  EXPECT_EQ(ReadErrorKind::kNotRegular, err.kind);
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "missing.txt", 1000, &err));
  EXPECT_EQ("No such file or directory", err.message);
  EXPECT_EQ(ReadErrorKind::kGone, err.kind);
}

// A file still open for writing is not read: a read lease tells, exactly, where
// the kernel grants one (this process owns the file).
TEST(ScanTest, AFileOpenForWritingIsNotReadYet) {
  TempDir dir;
  const fs::path path = dir.path() / "half.md";
  std::ofstream writer(path);
  writer << "# Half\n\nThe first half" << std::flush;
  const int probe = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(probe, 0);
  const int absent = WriterAbsent(probe);
  ::close(probe);
  if (absent < 0) GTEST_SKIP() << "no read leases on this file system";
  EXPECT_EQ(0, absent);
  ReadError err;
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "half.md", 1 << 20, &err));
  EXPECT_EQ(ReadErrorKind::kBeingWritten, err.kind);
  writer << " and the rest.\n";
  writer.close();
  auto full = ReadArticleFile(dir.path().string(), "half.md", 1 << 20, &err);
  ASSERT_TRUE(full) << err.message;
  EXPECT_EQ("# Half\n\nThe first half and the rest.\n", full->bytes);
}

// Where no lease can tell, a listed file must have settled first.
TEST(ScanTest, WithoutAWriterCheckAListedFileMustHaveSettled) {
  TempDir dir;
  WriteFile(dir.path() / "new.md", "# New\n");
  Completeness settle;
  settle.check_writers = false;
  settle.settle_ns = 60'000'000'000;  // written just now: not settled
  ReadError err;
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "new.md", 1 << 20, &err, settle));
  EXPECT_EQ(ReadErrorKind::kBeingWritten, err.kind);
  const timespec old[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(0, ::utimensat(AT_FDCWD, (dir.path() / "new.md").c_str(), old, 0));
  // The ctime moved with utimensat: still not settled; a small window is.
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "new.md", 1 << 20, &err, settle));
  settle.settle_ns = 1;
  ::usleep(1000);
  EXPECT_TRUE(ReadArticleFile(dir.path().string(), "new.md", 1 << 20, &err, settle));
}

}  // namespace
}  // namespace feedd::watcher
