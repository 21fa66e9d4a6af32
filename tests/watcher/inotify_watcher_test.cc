#include "watcher/inotify_watcher.h"

#include <linux/fs.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utility>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>

#include "tests/test_util.h"

namespace feedd::watcher {
namespace {

using testing::TempDir;
using testing::WriteFile;
namespace fs = std::filesystem;

TEST(InotifyWatcherTest, DecodeFileEvent) {
  EXPECT_EQ(EventKind::kChanged, DecodeFileEvent(IN_CLOSE_WRITE).kind);
  EXPECT_EQ(EventKind::kChanged, DecodeFileEvent(IN_MOVED_TO).kind);
  EXPECT_EQ(EventKind::kRemoved, DecodeFileEvent(IN_DELETE).kind);
  EXPECT_EQ(EventKind::kRemoved, DecodeFileEvent(IN_MOVED_FROM).kind);
  EXPECT_EQ(EventKind::kRescan, DecodeFileEvent(IN_Q_OVERFLOW).kind);
  EXPECT_TRUE(DecodeFileEvent(IN_Q_OVERFLOW).act);
  EXPECT_FALSE(DecodeFileEvent(IN_CREATE).act);  // not complete until closed
  EXPECT_FALSE(DecodeFileEvent(IN_MODIFY).act);
}

WatchOptions Fast() {
  WatchOptions o;
  o.retry = std::chrono::milliseconds(20);
  o.poll_interval = std::chrono::milliseconds(50);
  return o;
}

// Runs the loop until `want` events arrived or a deadline passes.
std::vector<Event> Collect(boost::asio::io_context& ioc, std::vector<Event>& got, size_t want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    ioc.run_for(std::chrono::milliseconds(20));
  }
  return got;
}

TEST(InotifyWatcherTest, ReportsCompleteFilesFoldersAndRemovals) {
  TempDir dir;
  boost::asio::io_context ioc;
  std::vector<Event> got;
  InotifyWatcher w(ioc, dir.path().string(), [&](std::vector<Event> events) {
    for (Event& e : events) got.push_back(std::move(e));
  });
  w.Start();
  EXPECT_TRUE(w.watching());
  WriteFile(dir.path() / "a.txt", "x");
  WriteFile(dir.path() / ".a.txt.swp", "x");  // ignored
  Collect(ioc, got, 1);
  ASSERT_EQ(1u, got.size());
  EXPECT_EQ(EventKind::kChanged, got[0].kind);
  EXPECT_EQ("a.txt", got[0].path);

  got.clear();
  fs::create_directories(dir.path() / "sub");
  Collect(ioc, got, 0);
  ioc.run_for(std::chrono::milliseconds(50));
  WriteFile(dir.path() / "sub" / "b.txt", "x");
  Collect(ioc, got, 1);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ("sub/b.txt", got.back().path);

  got.clear();
  fs::rename(dir.path() / "a.txt", dir.path() / "c.txt");
  Collect(ioc, got, 2);
  ASSERT_EQ(2u, got.size());
  EXPECT_EQ(EventKind::kRemoved, got[0].kind);
  EXPECT_EQ("a.txt", got[0].path);
  EXPECT_EQ(EventKind::kChanged, got[1].kind);
  EXPECT_EQ("c.txt", got[1].path);

  got.clear();
  fs::remove_all(dir.path() / "sub");
  Collect(ioc, got, 2);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(EventKind::kRemovedDir, got.back().kind);
  EXPECT_EQ("sub", got.back().path);
  w.Stop();
}

TEST(InotifyWatcherTest, MissingFolderIsWatchedForAndRescanned) {
  TempDir dir;
  const fs::path folder = dir.path() / "later";
  boost::asio::io_context ioc;
  std::vector<Event> got;
  InotifyWatcher w(ioc, folder.string(), [&](std::vector<Event> events) {
    for (Event& e : events) got.push_back(std::move(e));
  }, Fast());
  w.Start();
  EXPECT_FALSE(w.watching());
  fs::create_directories(folder);
  Collect(ioc, got, 1);
  ASSERT_EQ(1u, got.size());
  EXPECT_EQ(EventKind::kRescan, got[0].kind);
  EXPECT_TRUE(w.watching());
  w.Stop();
}

// Runs the loop until an event of `kind` arrived (true) or a deadline passed.
bool WaitFor(boost::asio::io_context& ioc, std::vector<Event>& got, EventKind kind,
             const std::string& path = "") {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto seen = [&] {
    for (const Event& e : got)
      if (e.kind == kind && (path.empty() || e.path == path)) return true;
    return false;
  };
  while (!seen() && std::chrono::steady_clock::now() < deadline)
    ioc.run_for(std::chrono::milliseconds(10));
  return seen();
}

// A folder that appears with files in it: they are reported as listed (maybe
// still open), and files written there later as closed.
TEST(InotifyWatcherTest, FilesOfANewFolderAreReportedAsListed) {
  TempDir dir, staging;
  boost::asio::io_context ioc;
  std::vector<Event> got;
  InotifyWatcher w(ioc, dir.path().string(), [&](std::vector<Event> events) {
    for (Event& e : events) got.push_back(std::move(e));
  }, Fast());
  w.Start();
  fs::create_directories(staging.path() / "batch" / "deep");
  WriteFile(staging.path() / "batch" / "deep" / "a.md", "x");
  fs::rename(staging.path() / "batch", dir.path() / "batch");
  ASSERT_TRUE(WaitFor(ioc, got, EventKind::kChanged, "batch/deep/a.md"));
  EXPECT_TRUE(got.back().listed);
  got.clear();
  WriteFile(dir.path() / "batch" / "deep" / "b.md", "x");
  ASSERT_TRUE(WaitFor(ioc, got, EventKind::kChanged, "batch/deep/b.md"));
  EXPECT_FALSE(got.back().listed);
  w.Stop();
}

// Blue/green: live -> old, next -> live. The new folder is watched and read.
TEST(InotifyWatcherTest, AFolderSwappedInByTwoRenamesIsWatchedAndRescanned) {
  TempDir dir;
  const fs::path live = dir.path() / "live", next = dir.path() / "next";
  fs::create_directories(live);
  fs::create_directories(next);
  boost::asio::io_context ioc;
  std::vector<Event> got;
  InotifyWatcher w(ioc, live.string(), [&](std::vector<Event> events) {
    for (Event& e : events) got.push_back(std::move(e));
  }, Fast());
  w.Start();
  fs::rename(live, dir.path() / "old");
  fs::rename(next, live);
  ASSERT_TRUE(WaitFor(ioc, got, EventKind::kRescan));
  EXPECT_TRUE(w.watching());
  got.clear();
  WriteFile(live / "new.md", "x");  // the new folder is the one watched
  EXPECT_TRUE(WaitFor(ioc, got, EventKind::kChanged, "new.md"));
  got.clear();
  WriteFile(dir.path() / "old" / "stale.md", "x");
  ioc.run_for(std::chrono::milliseconds(100));
  for (const Event& e : got) EXPECT_NE("stale.md", e.path);
  w.Stop();
}

TEST(InotifyWatcherTest, AFolderExchangedInPlaceIsWatchedAndRescanned) {
  TempDir dir;
  const fs::path live = dir.path() / "live", next = dir.path() / "next";
  fs::create_directories(live);
  fs::create_directories(next);
  boost::asio::io_context ioc;
  std::vector<Event> got;
  InotifyWatcher w(ioc, live.string(), [&](std::vector<Event> events) {
    for (Event& e : events) got.push_back(std::move(e));
  }, Fast());
  w.Start();
  ASSERT_EQ(0, ::syscall(SYS_renameat2, AT_FDCWD, next.c_str(), AT_FDCWD, live.c_str(),
                         RENAME_EXCHANGE));
  ASSERT_TRUE(WaitFor(ioc, got, EventKind::kRescan));
  got.clear();
  WriteFile(live / "new.md", "x");
  EXPECT_TRUE(WaitFor(ioc, got, EventKind::kChanged, "new.md"));
  w.Stop();
}

TEST(InotifyWatcherTest, ASymbolicLinkFlippedToAnotherFolderIsFollowed) {
  TempDir dir;
  fs::create_directories(dir.path() / "r1");
  fs::create_directories(dir.path() / "r2");
  const fs::path live = dir.path() / "live";
  fs::create_directory_symlink("r1", live);
  boost::asio::io_context ioc;
  std::vector<Event> got;
  InotifyWatcher w(ioc, live.string(), [&](std::vector<Event> events) {
    for (Event& e : events) got.push_back(std::move(e));
  }, Fast());
  w.Start();
  ASSERT_TRUE(w.watching());
  fs::create_directory_symlink("r2", dir.path() / "live.tmp");
  fs::rename(dir.path() / "live.tmp", live);  // ln -sfn r2 live, atomically
  ASSERT_TRUE(WaitFor(ioc, got, EventKind::kRescan));
  got.clear();
  WriteFile(dir.path() / "r2" / "new.md", "x");
  EXPECT_TRUE(WaitFor(ioc, got, EventKind::kChanged, "new.md"));
  w.Stop();
}

}  // namespace
}  // namespace feedd::watcher
