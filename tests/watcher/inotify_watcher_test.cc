#include "watcher/inotify_watcher.h"

#include <sys/inotify.h>

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
  }, 20);
  w.Start();
  EXPECT_FALSE(w.watching());
  fs::create_directories(folder);
  Collect(ioc, got, 1);
  ASSERT_EQ(1u, got.size());
  EXPECT_EQ(EventKind::kRescan, got[0].kind);
  EXPECT_TRUE(w.watching());
  w.Stop();
}

}  // namespace
}  // namespace feedd::watcher
