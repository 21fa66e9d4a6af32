// The folder is the truth (issue 11), through the real binary: unreadable
// subfolders, a folder swapped in whole, folders made during a queue overflow, a
// file still being written in a new folder, the inotify watch limit, polling, and
// a FUSE mount where inotify hears nothing.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using namespace std::chrono_literals;
using testing::Count;
using testing::Daemon;
using testing::DaemonOptions;
using testing::Drop;
using testing::TempDir;
using testing::WaitUntil;
namespace fs = std::filesystem;

std::string Article(const std::string& title) {
  return "Title: " + title + "\n\nThe story of " + title + ", told in full.\n";
}

size_t Articles(const Daemon& d) {
  const std::string body = d.Body("/healthz");
  const size_t at = body.find("\"articles\":");
  return at == std::string::npos ? 0 : std::stoul(body.substr(at + 11));
}

std::string Metric(const Daemon& d, const std::string& name) {
  const std::string m = d.Body("/metrics");
  const size_t at = m.find("\n" + name + " ");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 2;
  return m.substr(start, m.find('\n', start) - start);
}

bool Shows(const Daemon& d, const std::string& text) {
  return d.Body("/rss.xml").find(text) != std::string::npos;
}

int Shell(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

// The user the service runs as: nobody, via setpriv (util-linux).
bool CanSwitchUser() { return ::geteuid() == 0 && Shell("command -v setpriv") == 0; }
const std::vector<std::string> kAsNobody = {"setpriv", "--reuid=65534", "--regid=65534",
                                            "--clear-groups", "--"};

void OpenUp(const fs::path& p) { fs::permissions(p, fs::perms::owner_all | fs::perms::group_read |
                                                        fs::perms::group_exec | fs::perms::others_read |
                                                        fs::perms::others_exec); }

// 1. A root-owned lost+found (0700) on a dedicated mount, the service unprivileged:
// every article is published, the folder is one warning, and a folder that turns
// unreadable later keeps what it held.
TEST(FolderTest, AnUnreadableSubfolderNeitherTruncatesTheScanNorUnpublishes) {
  if (!CanSwitchUser()) GTEST_SKIP() << "needs root and setpriv to run feedd as nobody";
  TempDir dir;
  OpenUp(dir.path());
  fs::create_directories(dir.path() / "lost+found");
  Drop(dir.path() / "lost+found" / "orphan.txt", Article("Orphan"));
  fs::permissions(dir.path() / "lost+found", fs::perms::owner_all);
  for (int i = 0; i < 100; ++i) {
    const fs::path sub = dir.path() / ("s" + std::to_string(i % 10));
    fs::create_directories(sub);
    OpenUp(sub);
    Drop(sub / ("a" + std::to_string(i) + ".txt"), Article("Story " + std::to_string(i)));
  }
  DaemonOptions opts;
  opts.wrapper = kAsNobody;
  opts.other_user = true;
  Daemon d(dir.path(), {"--limit", "200"}, opts);
  ASSERT_GT(d.port(), 0) << d.Log();
  EXPECT_EQ(100u, Articles(d)) << d.Log();
  EXPECT_EQ(1u, d.CountInLog("cannot read the folder")) << d.Log();
  EXPECT_EQ("1", Metric(d, "feedd_unreadable_folders"));
  // s3 becomes unreadable; a full rescan (here a reload) must not forget its ten.
  fs::permissions(dir.path() / "s3", fs::perms::owner_all);
  ::kill(d.pid(), SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return d.CountInLog("reloaded the configuration") == 1; }));
  EXPECT_EQ(100u, Articles(d));
  EXPECT_EQ(200, d.Get("/articles/a3")->status);
  EXPECT_EQ("2", Metric(d, "feedd_unreadable_folders"));
  // Readable again, and an article there is gone: now that is known.
  fs::remove(dir.path() / "s3" / "a3.txt");
  OpenUp(dir.path() / "s3");
  ::kill(d.pid(), SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return d.CountInLog("reloaded the configuration") == 2; }));
  EXPECT_TRUE(WaitUntil([&] { return Articles(d) == 99; })) << Articles(d);
  EXPECT_EQ(0, d.Stop());
}

class SwapTest : public ::testing::TestWithParam<bool> {};

// 2. Blue/green: the new folder's articles appear, the old ones go, and files
// written into the new folder later are seen.
TEST_P(SwapTest, AFolderSwappedInWholeIsReadAndWatched) {
  const bool exchange = GetParam();
  TempDir dir;
  const fs::path live = dir.path() / "live", next = dir.path() / "next";
  fs::create_directories(live);
  fs::create_directories(next);
  Drop(live / "blue.txt", Article("Blue Edition"));
  Drop(next / "green.txt", Article("Green Edition"));
  Daemon d(live);
  ASSERT_TRUE(Shows(d, "Blue Edition"));
  if (exchange) {
    ASSERT_EQ(0, ::syscall(SYS_renameat2, AT_FDCWD, next.c_str(), AT_FDCWD, live.c_str(),
                           RENAME_EXCHANGE));
  } else {
    fs::rename(live, dir.path() / "old");
    fs::rename(next, live);
  }
  EXPECT_TRUE(WaitUntil([&] { return Shows(d, "Green Edition") && !Shows(d, "Blue Edition"); }, 5s))
      << d.Log();
  Drop(live / "later.txt", Article("Later Edition"));
  EXPECT_TRUE(WaitUntil([&] { return Shows(d, "Later Edition"); }, 5s));
  EXPECT_EQ(0, d.Stop());
}

INSTANTIATE_TEST_SUITE_P(Renames, SwapTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Exchange" : "TwoRenames"; });

TEST(FolderTest, ASymbolicLinkFlippedToANewReleaseIsRead) {
  TempDir dir;
  fs::create_directories(dir.path() / "r1");
  fs::create_directories(dir.path() / "r2");
  Drop(dir.path() / "r1" / "one.txt", Article("Release One"));
  Drop(dir.path() / "r2" / "two.txt", Article("Release Two"));
  fs::create_directory_symlink("r1", dir.path() / "live");
  Daemon d(dir.path() / "live");
  ASSERT_TRUE(Shows(d, "Release One"));
  fs::create_directory_symlink("r2", dir.path() / "live.new");
  fs::rename(dir.path() / "live.new", dir.path() / "live");
  EXPECT_TRUE(WaitUntil([&] { return Shows(d, "Release Two") && !Shows(d, "Release One"); }, 5s))
      << d.Log();
  EXPECT_EQ(0, d.Stop());
}

// 3. Folders made while the daemon could not read its events are watched after
// the overflow's rescan: a file written there later appears.
TEST(FolderTest, FoldersCreatedDuringAQueueOverflowAreWatched) {
  const size_t max_queued = std::stoul(testing::ReadFile("/proc/sys/fs/inotify/max_queued_events"));
  TempDir dir;
  Daemon d(dir.path());
  ASSERT_GT(d.port(), 0);
  ASSERT_EQ(0, ::kill(d.pid(), SIGSTOP));
  // The queue overflows first; the folders made after it are in no event at all.
  for (size_t i = 0; i < max_queued + 200; ++i) Drop(dir.path() / ("o" + std::to_string(i) + ".txt"), Article("O"));
  for (int f = 0; f < 5; ++f) {
    const fs::path sub = dir.path() / ("made-" + std::to_string(f));
    fs::create_directories(sub);
    Drop(sub / "first.txt", Article("First " + std::to_string(f)));
  }
  ASSERT_EQ(0, ::kill(d.pid(), SIGCONT));
  ASSERT_TRUE(WaitUntil([&] { return d.CountInLog("inotify queue overflowed") >= 1; }, 30s));
  ASSERT_TRUE(WaitUntil([&] { return Articles(d) == max_queued + 205; }, 120s)) << Articles(d);
  for (int f = 0; f < 5; ++f)
    Drop(dir.path() / ("made-" + std::to_string(f)) / "second.txt", Article("Second " + std::to_string(f)));
  EXPECT_TRUE(WaitUntil([&] { return Articles(d) == max_queued + 210; }, 5s)) << Articles(d);
  EXPECT_EQ(200, d.Get("/articles/second")->status);
  EXPECT_EQ(0, d.Stop());
}

// 4. A folder is moved in while a file in it is still being written, with a pause
// in the middle: the listing of the new folder finds the file open, and the half
// is never published; the whole is, when the writer closes it. As root the kernel's
// read lease tells that a writer has it open; as the service's unprivileged user
// (no lease on another user's file) the file must first stop changing for a
// second, so the writer pauses for less.
void WriteSlowlyIntoAMovedInFolder(bool as_nobody) {
  if (as_nobody && !CanSwitchUser()) GTEST_SKIP() << "needs root and setpriv to run feedd as nobody";
  TempDir dir, staging;
  OpenUp(dir.path());
  OpenUp(staging.path());
  Drop(dir.path() / "before.txt", Article("Before"));
  DaemonOptions opts;
  if (as_nobody) {
    opts.wrapper = kAsNobody;
    opts.other_user = true;
  }
  Daemon d(dir.path(), {}, opts);
  ASSERT_TRUE(Shows(d, "Before")) << d.Log();
  fs::create_directories(staging.path() / "new");
  OpenUp(staging.path() / "new");
  std::ofstream writer(staging.path() / "new" / "story.txt");
  writer << "Title: Written Slowly\n\nThe first half of the story" << std::flush;
  fs::permissions(staging.path() / "new" / "story.txt", fs::perms::owner_read | fs::perms::owner_write |
                                                           fs::perms::group_read | fs::perms::others_read);
  fs::rename(staging.path() / "new", dir.path() / "new");
  bool half_seen = false;
  const auto pause_end = std::chrono::steady_clock::now() + (as_nobody ? 600ms : 1500ms);
  while (std::chrono::steady_clock::now() < pause_end) {
    half_seen |= Shows(d, "Written Slowly");
    std::this_thread::sleep_for(50ms);
  }
  writer << " and the second half, to the end.\n";
  writer.close();
  EXPECT_FALSE(half_seen) << d.Log();
  ASSERT_TRUE(WaitUntil([&] { return Shows(d, "Written Slowly"); }, 5s)) << d.Log();
  EXPECT_NE(std::string::npos, d.Body("/articles/story").find("the second half, to the end"));
  EXPECT_EQ(0, d.Stop());
}

TEST(FolderTest, AFileStillBeingWrittenInAMovedInFolderIsNeverPublishedHalf) {
  WriteSlowlyIntoAMovedInFolder(false);
}

TEST(FolderTest, AsAnUnprivilegedUserAHalfWrittenFileWaitsToSettle) {
  WriteSlowlyIntoAMovedInFolder(true);
}

// A folder that can be listed but not searched (mode 0644, as after a careless
// chmod -R): its names are there, nothing about them can be known, and what it
// held stays published.
TEST(FolderTest, AFolderThatCanBeListedButNotSearchedKeepsWhatItHeld) {
  if (!CanSwitchUser()) GTEST_SKIP() << "needs root and setpriv to run feedd as nobody";
  TempDir dir;
  OpenUp(dir.path());
  fs::create_directories(dir.path() / "s");
  OpenUp(dir.path() / "s");
  Drop(dir.path() / "s" / "kept.txt", Article("Kept Story"));
  Drop(dir.path() / "top.txt", Article("Top Story"));
  DaemonOptions opts;
  opts.wrapper = kAsNobody;
  opts.other_user = true;
  Daemon d(dir.path(), {}, opts);
  ASSERT_TRUE(Shows(d, "Kept Story")) << d.Log();
  fs::permissions(dir.path() / "s", fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  ::kill(d.pid(), SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return d.CountInLog("reloaded the configuration") == 1; }));
  EXPECT_TRUE(Shows(d, "Kept Story"));
  EXPECT_EQ(2u, Articles(d));
  OpenUp(dir.path() / "s");
  EXPECT_EQ(0, d.Stop());
}

// `--input .`: the folder's parent is found from its absolute path, and files at
// its top level are seen.
TEST(FolderTest, TheCurrentFolderAsInputIsWatched) {
  TempDir dir;
  DaemonOptions opts;
  opts.cwd = dir.path();
  Daemon d(".", {}, opts);
  ASSERT_GT(d.port(), 0) << d.Log();
  Drop(dir.path() / "here.txt", Article("Right Here"));
  EXPECT_TRUE(WaitUntil([&] { return Shows(d, "Right Here"); }, 5s)) << d.Log();
  fs::create_directories(dir.path() / "sub");
  Drop(dir.path() / "sub" / "below.txt", Article("Just Below"));
  EXPECT_TRUE(WaitUntil([&] { return Shows(d, "Just Below"); }, 5s)) << d.Log();
  EXPECT_EQ(0, d.Stop());
}

// 5. Past the inotify watch limit the rest is polled, said once, and counted. The
// limit is set low in a user namespace of the daemon's own (the host's stays).
TEST(FolderTest, PastTheWatchLimitFoldersArePolled) {
  if (Shell("unshare -U -r sh -c 'echo 3 > /proc/sys/user/max_inotify_watches'") != 0)
    GTEST_SKIP() << "cannot make a user namespace with its own inotify limit here";
  TempDir dir;
  for (int i = 0; i < 8; ++i) {
    fs::create_directories(dir.path() / ("d" + std::to_string(i)));
    Drop(dir.path() / ("d" + std::to_string(i)) / ("a" + std::to_string(i) + ".txt"), Article("A" + std::to_string(i)));
  }
  DaemonOptions opts;
  opts.wrapper = {"unshare", "-U", "-r", "sh", "-c",
                  "echo 3 > /proc/sys/user/max_inotify_watches && exec \"$0\" \"$@\""};
  Daemon d(dir.path(), {"--watch", "inotify", "--poll-interval", "200ms"}, opts);
  ASSERT_GT(d.port(), 0) << d.Log();
  EXPECT_EQ(8u, Articles(d));
  EXPECT_EQ(1u, d.CountInLog("the inotify watch limit is reached")) << d.Log();
  const int polled = std::atoi(Metric(d, "feedd_polled_folders").c_str());
  EXPECT_GE(polled, 1) << d.Body("/metrics");
  EXPECT_GE(std::atoi(Metric(d, "feedd_inotify_fallbacks_total").c_str()), polled);
  // Every folder, watched or polled, publishes what lands in it.
  for (int i = 0; i < 8; ++i)
    Drop(dir.path() / ("d" + std::to_string(i)) / ("b" + std::to_string(i) + ".txt"), Article("B" + std::to_string(i)));
  EXPECT_TRUE(WaitUntil([&] { return Articles(d) == 16; }, 5s)) << Articles(d) << d.Log();
  EXPECT_EQ(0, d.Stop());
}

// Polling: new, edit, rename (same id), delete, each within two intervals.
TEST(FolderTest, PollingSeesNewEditedRenamedAndDeletedFiles) {
  TempDir dir;
  Drop(dir.path() / "old.txt", Article("Old Story"));
  Daemon d(dir.path(), {"--watch", "poll", "--poll-interval", "300ms"});
  ASSERT_TRUE(Shows(d, "Old Story"));
  EXPECT_EQ(1u, d.CountInLog("by polling every 0.3 s (watch = \"poll\")")) << d.Log();
  const auto within = 2 * 300ms + 400ms;  // two intervals, and the time to publish
  Drop(dir.path() / "new.txt", Article("New Story"));
  EXPECT_TRUE(WaitUntil([&] { return Shows(d, "New Story"); }, within));
  Drop(dir.path() / "new.txt", Article("New Story Edited"));
  EXPECT_TRUE(WaitUntil([&] { return Shows(d, "New Story Edited"); }, within));
  const std::regex guid("<guid[^>]*>([^<]*new[^<]*)</guid>");
  std::smatch m;
  std::string rss = d.Body("/rss.xml");
  ASSERT_TRUE(std::regex_search(rss, m, guid)) << rss;
  const std::string id = m[1];
  fs::create_directories(dir.path() / "moved");
  fs::rename(dir.path() / "new.txt", dir.path() / "moved" / "renamed.txt");
  EXPECT_TRUE(WaitUntil([&] { return d.Get("/articles/renamed")->status == 200; }, within));
  rss = d.Body("/rss.xml");
  EXPECT_EQ(1u, Count(rss, "New Story Edited</title>"));
  EXPECT_NE(std::string::npos, rss.find(id)) << "a rename keeps the id";
  fs::remove(dir.path() / "old.txt");
  EXPECT_TRUE(WaitUntil([&] { return !Shows(d, "Old Story"); }, within));
  EXPECT_EQ(0, d.Stop());
}

// auto on a FUSE mount (bindfs of a local folder): a file written underneath,
// which inotify never hears of, appears.
TEST(FolderTest, AutoPollsAFuseMountAndSeesFilesWrittenUnderneath) {
  if (::geteuid() != 0 || ::access("/dev/fuse", R_OK | W_OK) != 0 || Shell("command -v bindfs") != 0)
    GTEST_SKIP() << "needs root, /dev/fuse and bindfs (Debian's bindfs) for a FUSE mount";
  TempDir source, mount_point;
  Drop(source.path() / "first.txt", Article("Through Fuse"));
  if (Shell("bindfs --no-allow-other " + source.path().string() + " " + mount_point.path().string()) != 0)
    GTEST_SKIP() << "bindfs could not mount here (FUSE unavailable in this container)";
  struct Unmount {
    std::string at;
    ~Unmount() { Shell("fusermount3 -u " + at + " || fusermount -u " + at + " || umount -l " + at); }
  } unmount{mount_point.path().string()};
  Daemon d(mount_point.path(), {"--poll-interval", "300ms"});
  ASSERT_TRUE(Shows(d, "Through Fuse")) << d.Log();
  EXPECT_EQ(1u, d.CountInLog("it is on fuse, where inotify does not see")) << d.Log();
  Drop(source.path() / "underneath.txt", Article("Written Underneath"));
  EXPECT_TRUE(WaitUntil([&] { return Shows(d, "Written Underneath"); }, 5s)) << d.Log();
  EXPECT_EQ("1", Metric(d, "feedd_polled_folders"));
  EXPECT_EQ(0, d.Stop());
}

}  // namespace
}  // namespace feedd
