#include "daemon/ingest/parse_pool.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace feedd::daemon {
namespace {

using std::chrono::milliseconds;

const feed::ParseContext kContext{"https://example.org/news", feed::Timestamp{1764000000, 0},
                                  65536};

// md4c 0.4.8 needs seconds for this (see parse_worker_test.cc).
std::string SlowMarkdown() {
  std::string s;
  for (int i = 0; i < 300000; ++i) s += "]([\n";
  return s;
}

// The children of this process, started by any of its threads.
size_t CountOwnChildren() {
  size_t n = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "children");
    for (pid_t child; in >> child;) ++n;
  }
  return n;
}

struct Files {
  std::vector<std::string> names, texts;
  std::vector<ParseJob> Jobs() const {
    std::vector<ParseJob> jobs;
    for (size_t i = 0; i < names.size(); ++i) jobs.push_back({names[i], texts[i], &kContext});
    return jobs;
  }
};

Files Stories(int first, int count) {
  Files f;
  for (int i = first; i < first + count; ++i) {
    f.names.push_back("s" + std::to_string(i) + ".md");
    f.texts.push_back("# Story " + std::to_string(i) + "\n\nText " + std::to_string(i) + ".\n");
  }
  return f;
}

TEST(ParsePoolTest, OneWorkerPerCoreByDefault) {
  ParsePool pool(FEEDD_BINARY, milliseconds(1000));
  EXPECT_EQ(std::max(1u, std::thread::hardware_concurrency()), pool.size());
  ParsePool three(FEEDD_BINARY, milliseconds(1000), 3);
  EXPECT_EQ(3u, three.size());
  // No child runs before there is something to parse.
  EXPECT_EQ((std::vector<pid_t>{0, 0, 0}), three.child_pids());
}

TEST(ParsePoolTest, ManyBatchesAtOnceEachGetsItsOwnResultsInOrder) {
  ParsePool pool(FEEDD_BINARY, milliseconds(10'000), 3);
  std::vector<Files> files;
  for (int b = 0; b < 12; ++b) files.push_back(Stories(b * 50, 50));
  std::vector<std::future<std::vector<ParseResult>>> futures;
  for (const Files& f : files) futures.push_back(pool.Submit(f.Jobs()));
  for (int b = 0; b < 12; ++b) {
    std::vector<ParseResult> r = futures[b].get();
    ASSERT_EQ(50u, r.size());
    for (int i = 0; i < 50; ++i) {
      ASSERT_EQ(ParseOutcome::kParsed, r[i].outcome) << b << "/" << i << ": " << r[i].err;
      EXPECT_EQ("Story " + std::to_string(b * 50 + i), r[i].article->title);
    }
  }
  // The batches were spread over the workers: each has its own child now.
  std::vector<pid_t> pids = pool.child_pids();
  EXPECT_EQ(3u, std::set<pid_t>(pids.begin(), pids.end()).size());
  EXPECT_EQ(0, std::count(pids.begin(), pids.end(), 0));
}

TEST(ParsePoolTest, ASlowBatchHoldsOneWorkerWhileAnotherParsesTheNext) {
  ParsePool pool(FEEDD_BINARY, milliseconds(2000), 2);
  const std::string slow = SlowMarkdown();
  Files first;
  first.names = {"slow.md", "after.md"};
  first.texts = {slow, "# After\n\nText.\n"};
  const Files second = Stories(0, 20);
  std::future<std::vector<ParseResult>> a = pool.Submit(first.Jobs());
  std::future<std::vector<ParseResult>> b = pool.Submit(second.Jobs());
  // The second batch is done while the first still waits for its slow file's budget.
  std::vector<ParseResult> rb = b.get();
  EXPECT_EQ(std::future_status::timeout, a.wait_for(milliseconds(0)));
  for (const ParseResult& r : rb) EXPECT_EQ(ParseOutcome::kParsed, r.outcome) << r.err;
  std::vector<ParseResult> ra = a.get();
  EXPECT_EQ(ParseOutcome::kTimedOut, ra[0].outcome);
  EXPECT_EQ("parsing took longer than 2 s (limits.parse_timeout); skipped", ra[0].err);
  // The file after the slow one went to a fresh child.
  ASSERT_EQ(ParseOutcome::kParsed, ra[1].outcome) << ra[1].err;
  EXPECT_EQ("After", ra[1].article->title);
}

TEST(ParsePoolTest, ANewBudgetHoldsForTheNextBatches) {
  ParsePool pool(FEEDD_BINARY, milliseconds(60'000), 2);
  pool.set_budget(milliseconds(300));
  EXPECT_EQ(milliseconds(300), pool.budget());
  Files f;
  f.names = {"slow.md"};
  f.texts = {SlowMarkdown()};
  std::vector<ParseResult> r = pool.Submit(f.Jobs()).get();
  EXPECT_EQ(ParseOutcome::kTimedOut, r[0].outcome);
  EXPECT_EQ("parsing took longer than 300 ms (limits.parse_timeout); skipped", r[0].err);
}

TEST(ParsePoolTest, CancelledBatchesEndQuicklyQueuedOrRunning) {
  ParsePool pool(FEEDD_BINARY, milliseconds(60'000), 2);
  const std::string slow = SlowMarkdown();
  Files slow_files;
  slow_files.names = {"slow.md"};
  slow_files.texts = {slow};
  const Files quick = Stories(0, 10);
  std::atomic<bool> cancel{false};
  // Both workers busy with seconds of work, and a batch queued behind them.
  std::future<std::vector<ParseResult>> a = pool.Submit(slow_files.Jobs(), &cancel);
  std::future<std::vector<ParseResult>> b = pool.Submit(slow_files.Jobs(), &cancel);
  std::future<std::vector<ParseResult>> c = pool.Submit(quick.Jobs(), &cancel);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (CountOwnChildren() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(2));
  ASSERT_EQ(2u, CountOwnChildren());
  cancel = true;
  const auto cancelled_at = std::chrono::steady_clock::now();
  std::vector<ParseResult> ra = a.get(), rb = b.get(), rc = c.get();
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, milliseconds(500));
  EXPECT_EQ(ParseOutcome::kCancelled, ra[0].outcome);
  EXPECT_EQ(ParseOutcome::kCancelled, rb[0].outcome);
  for (const ParseResult& r : rc) EXPECT_EQ(ParseOutcome::kCancelled, r.outcome);
  // The pool goes on parsing for the next caller.
  std::vector<ParseResult> next = pool.Submit(quick.Jobs()).get();
  for (const ParseResult& r : next) EXPECT_EQ(ParseOutcome::kParsed, r.outcome) << r.err;
}

}  // namespace
}  // namespace feedd::daemon
