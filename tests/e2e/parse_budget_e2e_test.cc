// The per-file parse budget through the real binary: a file that drives the parser
// into minutes of work is skipped with one log line, and publication goes on.
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using namespace std::chrono_literals;
using testing::Count;
using testing::Daemon;
using testing::Drop;
using testing::TempDir;
using testing::WaitUntil;

// md4c 0.4.8 spends seconds on this (unclosed link destinations across lines,
// quadratic): about 8 s per 800 KB on a 2-core machine.
std::string SlowMarkdown() {
  std::string s;
  for (int i = 0; i < 300000; ++i) s += "]([\n";
  return s;
}

// The children of `pid`, started by any of its threads (from /proc), to see that no
// abandoned parser is left.
std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream in(task.path() / "children");
    for (pid_t child; in >> child;) out.push_back(child);
  }
  return out;
}

TEST(ParseBudgetTest, ASlowFileIsSkippedAndTheNextArticleStillAppears) {
  TempDir dir;
  Drop(dir.path() / "first.md", "# First story\n\nIt was published before.\n");
  Daemon d(dir.path(), {"--parse-timeout", "300ms"});
  ASSERT_TRUE(WaitUntil([&] { return Count(d.Body("/rss.xml"), "<item>") == 1; }));
  // The daemon parses in child processes (one per core, started when first needed).
  std::vector<pid_t> before = ChildrenOf(d.pid());
  ASSERT_GE(before.size(), 1u);
  // It holds its socket to the daemon as stdin and stdout, stderr, and nothing else:
  // not the listening socket, not a client's.
  std::vector<std::string> fds;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(before[0]) + "/fd"))
    fds.push_back(e.path().filename().string());
  std::sort(fds.begin(), fds.end());
  EXPECT_EQ((std::vector<std::string>{"0", "1", "2"}), fds);

  Drop(dir.path() / "slow.md", SlowMarkdown());
  Drop(dir.path() / "second.md", "# Second story\n\nIt comes right after the slow one.\n");
  // The second article is published within a few budgets, not after the seconds the
  // slow file would take.
  ASSERT_TRUE(WaitUntil([&] { return Count(d.Body("/rss.xml"), "<item>") == 2; }, 5s));
  const std::string rss = d.Body("/rss.xml");
  EXPECT_NE(std::string::npos, rss.find("Second story"));
  EXPECT_NE(std::string::npos, rss.find("First story"));
  EXPECT_EQ(1u, d.CountInLog(
                    "skipping slow.md: parsing took longer than 300 ms (limits.parse_timeout); "
                    "skipped"));
  // The abandoned child was killed and reaped (no zombie stays): the children are
  // at most one per core, every one alive.
  std::vector<pid_t> after = ChildrenOf(d.pid());
  EXPECT_LE(after.size(), static_cast<size_t>(std::max(1u, std::thread::hardware_concurrency())));
  for (pid_t c : after) EXPECT_EQ(0, ::kill(c, 0)) << c;
  // /metrics counts the skip by its reason.
  EXPECT_NE(std::string::npos,
            d.Body("/metrics").find("feedd_skipped_files_total{reason=\"parse_timeout\"} 1"));
  EXPECT_EQ(0, d.Stop());
}

TEST(ParseBudgetTest, ACrashingParserIsOneSkipAndTheLastGoodVersionStays) {
  TempDir dir;
  Drop(dir.path() / "story.md", "# Good version\n\nThe text as first published.\n");
  Daemon d(dir.path(), {"--parse-timeout", "60s"});
  ASSERT_TRUE(WaitUntil([&] { return d.Body("/rss.xml").find("Good version") != std::string::npos; }));
  // An edit that keeps the parser busy; the parser dies in the middle, as on a bug.
  Drop(dir.path() / "story.md", SlowMarkdown());
  // Whether the signal comes before, during or after the request reaches it, the
  // parse of this edit ends the same way. The child parsing it is the busy one (the
  // pool has one per core).
  std::this_thread::sleep_for(300ms);
  std::vector<pid_t> children = ChildrenOf(d.pid());
  ASSERT_FALSE(children.empty());
  pid_t busy = children[0];
  long most = -1;
  for (pid_t c : children) {
    std::istringstream stat(testing::ReadFile("/proc/" + std::to_string(c) + "/stat"));
    std::string field;
    long ticks = 0;
    for (int i = 1; stat >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::atol(field.c_str());  // utime, stime
    }
    if (ticks > most) {
      most = ticks;
      busy = c;
    }
  }
  ::kill(busy, SIGABRT);  // not SIGSEGV: AddressSanitizer would catch that one
  ASSERT_TRUE(WaitUntil([&] {
    return d.CountInLog("skipping story.md: the parser crashed (signal 6, Aborted)") == 1;
  }));
  // Nothing already published is lost, and the daemon goes on.
  EXPECT_NE(std::string::npos, d.Body("/rss.xml").find("Good version"));
  Drop(dir.path() / "next.md", "# Next story\n\nStill publishing.\n");
  EXPECT_TRUE(WaitUntil([&] { return d.Body("/rss.xml").find("Next story") != std::string::npos; }));
  EXPECT_EQ(0, d.Stop());
}

TEST(ParseBudgetTest, RenderSkipsTheSlowFileToo) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "in");
  Drop(dir.path() / "in" / "slow.md", SlowMarkdown());
  Drop(dir.path() / "in" / "ok.md", "# Fine\n\nA normal article.\n");
  const std::string out = (dir.path() / "out").string();
  const std::string log = (dir.path() / "log").string();
  const std::string cmd = std::string(FEEDD_BINARY) + " render --input " +
                          (dir.path() / "in").string() + " --output " + out +
                          " --base-url https://example.org --parse-timeout 300ms > " + log + " 2>&1";
  ASSERT_EQ(0, std::system(cmd.c_str()));
  const std::string text = testing::ReadFile(log);
  EXPECT_NE(std::string::npos, text.find("skipping slow.md: parsing took longer than 300 ms"));
  EXPECT_EQ(1u, Count(testing::ReadFile(out + "/rss.xml"), "<item>"));
}

}  // namespace
}  // namespace feedd
