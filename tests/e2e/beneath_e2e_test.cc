// Files are read beneath the input folder through the real binary: a folder swapped
// for a link to somewhere else, between the event for a file in it and the read,
// never makes feedd read the file behind the link.
#include <signal.h>

#include <gtest/gtest.h>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using namespace std::chrono_literals;
using testing::Count;
using testing::Daemon;
using testing::Drop;
using testing::TempDir;
using testing::WaitUntil;
namespace fs = std::filesystem;

TEST(BeneathTest, AFolderSwappedForALinkOutsideIsNotFollowed) {
  TempDir dir, outside;
  fs::create_directories(dir.path() / "sub");
  Drop(dir.path() / "first.txt", "Title: First\n\nPublished before.\n");
  Drop(outside.path() / "x.txt", "Title: SECRET\n\nA file outside the input folder.\n");
  Daemon d(dir.path());
  ASSERT_TRUE(WaitUntil([&] { return Count(d.Body("/rss.xml"), "<item>") == 1; }));

  // Stopped, the daemon has the event for sub/x.txt queued when sub becomes a link
  // to the other folder, which holds an x.txt of its own; then it goes on.
  ASSERT_EQ(0, ::kill(d.pid(), SIGSTOP));
  Drop(dir.path() / "sub" / "x.txt", "Title: Inside\n\nWritten inside.\n");
  fs::rename(dir.path() / "sub", dir.path() / "old");
  fs::create_symlink(outside.path(), dir.path() / "sub");
  ASSERT_EQ(0, ::kill(d.pid(), SIGCONT));

  ASSERT_TRUE(WaitUntil([&] { return d.Body("/rss.xml").find("Inside") != std::string::npos; }));
  Drop(dir.path() / "last.txt", "Title: Last\n\nThe daemon goes on.\n");
  ASSERT_TRUE(WaitUntil([&] { return d.Body("/rss.xml").find("Last") != std::string::npos; }));
  EXPECT_EQ(std::string::npos, d.Body("/rss.xml").find("SECRET"));
  EXPECT_EQ(std::string::npos, d.Body("/").find("SECRET"));
  EXPECT_EQ(1u, d.CountInLog("skipping sub/x.txt: symbolic link to a file outside the input folder"));
  EXPECT_EQ(0, d.Stop());
}

}  // namespace
}  // namespace feedd
