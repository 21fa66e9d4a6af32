#include "watcher/tree_poller.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace feedd::watcher {
namespace {

using testing::TempDir;
using testing::WriteFile;
namespace fs = std::filesystem;

std::vector<std::string> Poll(TreePoller& p) {
  std::vector<Event> events;
  EXPECT_TRUE(p.Poll(&events));
  std::vector<std::string> out;
  for (const Event& e : events)
    out.push_back((e.kind == EventKind::kChanged ? "+" : "-") + e.path);
  return out;
}

using V = std::vector<std::string>;

TEST(TreePollerTest, KnownFilesAreABaseline) {
  TempDir dir;
  WriteFile(dir.path() / "a.md", "x");
  TreePoller p(dir.path().string());
  p.Add("", /*known=*/true);
  EXPECT_EQ(V{}, Poll(p));
  EXPECT_EQ(V{}, Poll(p));
  EXPECT_EQ(1u, p.file_count());
}

// A new or changed file is reported once it is the same in two walks in a row:
// never while it is still growing.
TEST(TreePollerTest, NewAndChangedFilesAreReportedOnceTheySettled) {
  TempDir dir;
  TreePoller p(dir.path().string());
  p.Add("", true);
  EXPECT_EQ(V{}, Poll(p));
  WriteFile(dir.path() / "new.md", "half");
  EXPECT_EQ(V{}, Poll(p));  // seen once: maybe still being written
  WriteFile(dir.path() / "new.md", "half and the rest");
  EXPECT_EQ(V{}, Poll(p));  // it changed: wait again
  EXPECT_EQ(V{"+new.md"}, Poll(p));
  EXPECT_EQ(V{}, Poll(p));  // reported once
  WriteFile(dir.path() / "new.md", "edited");
  EXPECT_EQ(V{}, Poll(p));
  EXPECT_EQ(V{"+new.md"}, Poll(p));
}

// A second look by stat alone reports what did not change since the walk, without
// waiting for the next walk; what changed meanwhile waits again.
TEST(TreePollerTest, AConfirmationReportsWhatSettledSinceTheWalk) {
  TempDir dir;
  TreePoller p(dir.path().string());
  p.Add("", true);
  WriteFile(dir.path() / "done.md", "complete");
  WriteFile(dir.path() / "growing.md", "half");
  EXPECT_EQ(V{}, Poll(p));
  EXPECT_TRUE(p.has_unsettled());
  WriteFile(dir.path() / "growing.md", "half and more");
  std::vector<Event> events;
  EXPECT_TRUE(p.Confirm(&events));
  ASSERT_EQ(1u, events.size());
  EXPECT_EQ("done.md", events[0].path);
  EXPECT_TRUE(events[0].listed);
  events.clear();
  EXPECT_TRUE(p.Confirm(&events));
  ASSERT_EQ(1u, events.size());
  EXPECT_EQ("growing.md", events[0].path);
  EXPECT_FALSE(p.has_unsettled());
  EXPECT_EQ(V{}, Poll(p));  // reported once
}

TEST(TreePollerTest, RemovalsAtOnceAndARenameTogetherWithItsRemoval) {
  TempDir dir;
  WriteFile(dir.path() / "a.md", "a");
  WriteFile(dir.path() / "b.md", "b");
  TreePoller p(dir.path().string());
  p.Add("", true);
  Poll(p);
  fs::remove(dir.path() / "a.md");
  fs::create_directories(dir.path() / "sub");
  fs::rename(dir.path() / "b.md", dir.path() / "sub" / "c.md");
  // Removals first, and the renamed file with them: no walk in which it is gone.
  EXPECT_EQ((V{"-a.md", "-b.md", "+sub/c.md"}), Poll(p));
  EXPECT_EQ(V{}, Poll(p));
}

// As the service's user (a folder mode 0 is readable by root): a folder that turns
// unreadable is not a list of removals, and when it is readable again nothing
// changed.
TEST(TreePollerTest, AnUnreadableFolderKeepsWhatItHeld) {
  TempDir dir;
  fs::create_directories(dir.path() / "locked");
  WriteFile(dir.path() / "locked" / "a.md", "a");
  WriteFile(dir.path() / "top.md", "t");
  if (::geteuid() == 0) {  // the folders become nobody's, so nobody may chmod them
    for (const fs::path& p : {dir.path(), dir.path() / "locked", dir.path() / "locked" / "a.md",
                              dir.path() / "top.md"})
      ASSERT_EQ(0, ::chown(p.c_str(), 65534, 65534));
  }
  const std::string seen = ::feedd::testing::AsUnprivileged([&] {
    TreePoller p(dir.path().string());
    p.Add("", true);
    std::string out;
    auto poll = [&] {
      std::vector<Event> events;
      if (!p.Poll(&events)) return std::string("root unreadable;");
      std::string s;
      for (const Event& e : events) s += (e.kind == EventKind::kRemoved ? "-" : "+") + e.path + " ";
      return s + ";";
    };
    ::chmod((dir.path() / "locked").c_str(), 0);
    out += poll();
    ::chmod((dir.path() / "locked").c_str(), 0700);
    out += poll();
    ::remove((dir.path() / "locked" / "a.md").c_str());
    out += poll();  // readable again: now a removal is known
    return out;
  });
  EXPECT_EQ(";;-locked/a.md ;", seen);
}

TEST(TreePollerTest, OnlyTheSubfoldersAdded) {
  TempDir dir;
  fs::create_directories(dir.path() / "polled");
  TreePoller p(dir.path().string());
  p.Add("polled", /*known=*/false);
  WriteFile(dir.path() / "polled" / "a.md", "a");
  WriteFile(dir.path() / "elsewhere.md", "x");
  EXPECT_EQ(V{}, Poll(p));
  EXPECT_EQ(V{"+polled/a.md"}, Poll(p));
  p.Add("polled/deeper", false);  // inside one polled already
  EXPECT_EQ(1u, p.folders().size());
  p.RemoveUnder("polled");
  EXPECT_TRUE(p.folders().empty());
  EXPECT_EQ(0u, p.file_count());
}

TEST(TreePollerTest, AGoneInputFolderIsNotAListOfRemovals) {
  TempDir dir;
  const fs::path root = dir.path() / "in";
  fs::create_directories(root);
  WriteFile(root / "a.md", "a");
  TreePoller p(root.string());
  p.Add("", true);
  Poll(p);
  fs::remove_all(root);
  std::vector<Event> events;
  EXPECT_FALSE(p.Poll(&events));
  EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace feedd::watcher
