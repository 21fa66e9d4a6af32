#include "daemon/ingest/loader.h"

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>

#include "daemon/ingest/parse_pool.h"
#include "daemon/ingest/parse_worker.h"
#include "feed/content_hash.h"
#include "tests/test_util.h"

namespace feedd::daemon {
namespace {

using std::chrono::milliseconds;
using testing::TempDir;
using testing::WriteFile;
namespace fs = std::filesystem;

std::string Story(int i) {
  return "Story " + std::to_string(i) + "\n\nText of story " + std::to_string(i) + ".\n";
}

// Counters of /metrics, read while a load runs on another thread.
bool HasLine(const Metrics& m, const std::string& line) {
  return m.Render({}).find(line + "\n") != std::string::npos;
}

class LoaderTest : public ::testing::Test {
 protected:
  IngestOptions Options() {
    IngestOptions o{dir_.path().string(), "https://ex.org", 1 << 20, &metrics_};
    return o;
  }
  std::string Path(const std::string& name) { return (dir_.path() / name).string(); }
  TempDir dir_;
  Metrics metrics_;
};

// What a load gives, per file, to compare the ways of parsing.
std::vector<std::string> Summary(const std::vector<LoadResult>& results) {
  std::vector<std::string> out;
  for (const LoadResult& r : results) {
    std::string s = std::to_string(static_cast<int>(r.status)) + " " + r.content_hash;
    if (r.article) s += " " + r.article->title + " " + r.article->slug;
    out.push_back(s);
  }
  return out;
}

TEST_F(LoaderTest, ThePoolTheWorkerAndThisThreadGiveTheSameResultsInOrder) {
  std::vector<std::string> paths;
  int drafts = 0, binary = 0, not_article = 0;
  for (int i = 0; i < 400; ++i) {
    std::string name = "s" + std::to_string(i);
    if (i % 37 == 5) {
      WriteFile(dir_.path() / (name + ".md"), "---\ntitle: Draft\ndraft: true\n---\nx\n");
      name += ".md";
      ++drafts;
    } else if (i % 41 == 7) {
      WriteFile(dir_.path() / (name + ".txt"), std::string(64, '\0'));
      name += ".txt";
      ++binary;
    } else if (i % 53 == 9) {
      name += ".txt";  // listed, then gone
    } else if (i % 61 == 11) {
      WriteFile(dir_.path() / (name + ".pdf"), "%PDF");
      name += ".pdf";
      ++not_article;
    } else {
      WriteFile(dir_.path() / (name + ".txt"), Story(i));
      name += ".txt";
    }
    paths.push_back(name);
  }
  IngestOptions here = Options();
  const std::vector<LoadResult> expected = LoadArticles(here, paths);
  ASSERT_EQ(paths.size(), expected.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    const LoadResult& r = expected[i];
    if (i % 37 == 5) {
      EXPECT_EQ(LoadStatus::kDraft, r.status) << i;
      EXPECT_FALSE(r.article);
      EXPECT_EQ(feed::ContentHash(testing::ReadFile(Path(paths[i]))), r.content_hash);
    } else if (i % 41 == 7) {
      EXPECT_EQ(LoadStatus::kFailed, r.status) << i;
    } else if (i % 53 == 9) {
      EXPECT_EQ(LoadStatus::kGone, r.status) << i;
    } else if (i % 61 == 11) {
      EXPECT_EQ(LoadStatus::kNotArticle, r.status) << i;
    } else {
      ASSERT_EQ(LoadStatus::kLoaded, r.status) << i;
      EXPECT_EQ("Story " + std::to_string(i), r.article->title);
      EXPECT_EQ(Story(i).size(), r.size);
    }
  }
  ParseWorker worker(FEEDD_BINARY, milliseconds(10'000));
  IngestOptions with_worker = Options();
  with_worker.parser = &worker;
  EXPECT_EQ(Summary(expected), Summary(LoadArticles(with_worker, paths)));
  ParsePool pool(FEEDD_BINARY, milliseconds(10'000), 3);
  IngestOptions with_pool = Options();
  with_pool.pool = &pool;
  with_pool.parser = &worker;  // the pool takes precedence
  EXPECT_EQ(Summary(expected), Summary(LoadArticles(with_pool, paths)));
  // Each way counted the same skips, a draft as a draft.
  ASSERT_GT(drafts, 0);
  auto counted = [&](const std::string& reason, int n) {
    return HasLine(metrics_,
                   "feedd_skipped_files_total{reason=\"" + reason + "\"} " + std::to_string(3 * n));
  };
  EXPECT_TRUE(counted("draft", drafts)) << metrics_.Render({});
  EXPECT_TRUE(counted("binary", binary)) << metrics_.Render({});
  EXPECT_TRUE(counted("not_article", not_article)) << metrics_.Render({});
}

// 24 files of 1 MiB: groups end at their byte cap (8 MiB with 2 workers) before
// their file cap (12), and the results still come in order.
TEST_F(LoaderTest, LargeFilesStayInOrder) {
  std::vector<std::string> paths;
  for (int i = 0; i < 24; ++i) {
    const std::string name = "big" + std::to_string(i) + ".txt";
    WriteFile(dir_.path() / name,
              "Big " + std::to_string(i) + "\n\n" + std::string(1 << 20, 'a' + i % 26) + "\n");
    paths.push_back(name);
  }
  ParsePool pool(FEEDD_BINARY, milliseconds(10'000), 2);
  IngestOptions o = Options();
  o.max_article_bytes = 2 << 20;
  o.pool = &pool;
  std::vector<LoadResult> r = LoadArticles(o, paths);
  for (int i = 0; i < 24; ++i) {
    ASSERT_EQ(LoadStatus::kLoaded, r[i].status) << i;
    EXPECT_EQ("Big " + std::to_string(i), r[i].article->title);
  }
}

TEST_F(LoaderTest, AKnownHashSkipsTheParse) {
  const std::string a = Story(1), draft = "---\ntitle: D\ndraft: true\n---\nx\n", c = Story(3);
  WriteFile(dir_.path() / "a.txt", a);
  WriteFile(dir_.path() / "d.md", draft);
  WriteFile(dir_.path() / "c.txt", c);
  ParsePool pool(FEEDD_BINARY, milliseconds(10'000), 2);
  for (ParsePool* p : {static_cast<ParsePool*>(nullptr), &pool}) {
    IngestOptions o = Options();
    o.pool = p;
    std::vector<LoadResult> r =
        LoadArticles(o, std::vector<LoadRequest>{{"a.txt", feed::ContentHash(a)},
                                                 {"d.md", feed::ContentHash(draft)},
                                                 {"c.txt", feed::ContentHash("what it was before")},
                                                 {"gone.txt", feed::ContentHash(a)}});
    ASSERT_EQ(4u, r.size());
    EXPECT_EQ(LoadStatus::kUnchanged, r[0].status);
    EXPECT_FALSE(r[0].article);
    EXPECT_EQ(feed::ContentHash(a), r[0].content_hash);
    EXPECT_EQ(a.size(), r[0].size);
    struct stat st;
    ASSERT_EQ(0, ::stat(Path("a.txt").c_str(), &st));
    EXPECT_EQ(int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec, r[0].mtime_ns);
    EXPECT_EQ(r[0].mtime_ns / 1'000'000'000, r[0].mtime_seconds);
    // Not parsed at all: a draft with its known hash is unchanged, not a draft again.
    EXPECT_EQ(LoadStatus::kUnchanged, r[1].status);
    EXPECT_EQ(LoadStatus::kLoaded, r[2].status);
    EXPECT_EQ("Story 3", r[2].article->title);
    EXPECT_EQ(feed::ContentHash(c), r[2].content_hash);
    EXPECT_EQ(LoadStatus::kGone, r[3].status);
  }
  EXPECT_TRUE(HasLine(metrics_, "feedd_skipped_files_total{reason=\"draft\"} 0"));
}

// 10,000 files; the load is cancelled once it has started.
class LoaderCancelTest : public LoaderTest {
 protected:
  void SetUp() override {
    WriteFile(dir_.path() / "00000-notes.pdf", "%PDF");  // read first, counted when read
    paths_.push_back("00000-notes.pdf");
    for (int i = 1; i < 10'000; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "%05d.txt", i);
      WriteFile(dir_.path() / name, Story(i));
      paths_.push_back(name);
    }
  }
  // Cancels the load once it read its first file; checks it returns within a bound
  // and gives every file not done kCancelled.
  void LoadAndCancel(IngestOptions o) {
    std::atomic<bool> cancel{false};
    Metrics metrics;
    o.metrics = &metrics;
    o.cancel = &cancel;
    std::future<std::vector<LoadResult>> load =
        std::async(std::launch::async, [&] { return LoadArticles(o, paths_); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!HasLine(metrics, "feedd_skipped_files_total{reason=\"not_article\"} 1") &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(1));
    cancel = true;
    const auto cancelled_at = std::chrono::steady_clock::now();
    std::vector<LoadResult> r = load.get();
    const auto took = std::chrono::steady_clock::now() - cancelled_at;
    // About 100 ms promised; the bound leaves room for a busy machine.
    EXPECT_LT(took, milliseconds(500));
    std::cout << "returned "
              << std::chrono::duration_cast<std::chrono::microseconds>(took).count() / 1000.0
              << " ms after the cancel\n";
    ASSERT_EQ(paths_.size(), r.size());
    EXPECT_EQ(LoadStatus::kNotArticle, r[0].status);
    size_t cancelled = 0, loaded = 0;
    for (size_t i = 1; i < r.size(); ++i) {
      if (r[i].status == LoadStatus::kCancelled) {
        ++cancelled;
        EXPECT_FALSE(r[i].article);
        EXPECT_EQ("", r[i].content_hash);
      } else {
        ASSERT_EQ(LoadStatus::kLoaded, r[i].status) << i;
        EXPECT_EQ("Story " + std::to_string(i), r[i].article->title);
        ++loaded;
      }
    }
    EXPECT_GT(cancelled, 5'000u) << loaded << " loaded";
  }
  std::vector<std::string> paths_;
};

TEST_F(LoaderCancelTest, WithThePool) {
  ParsePool pool(FEEDD_BINARY, milliseconds(10'000));
  IngestOptions o = Options();
  o.pool = &pool;
  LoadAndCancel(o);
  // The pool parses the next load whole.
  std::vector<LoadResult> again = LoadArticles(o, paths_);
  for (size_t i = 1; i < again.size(); ++i) ASSERT_EQ(LoadStatus::kLoaded, again[i].status) << i;
}

TEST_F(LoaderCancelTest, WithTheWorker) {
  ParseWorker worker(FEEDD_BINARY, milliseconds(10'000));
  IngestOptions o = Options();
  o.parser = &worker;
  LoadAndCancel(o);
}

TEST_F(LoaderCancelTest, InThisThread) {
  LoadAndCancel(Options());
}

TEST_F(LoaderTest, ACancelledFolderLoadIsNoFolder) {
  WriteFile(dir_.path() / "a.txt", Story(1));
  const std::atomic<bool> cancel{true};
  IngestOptions o = Options();
  o.cancel = &cancel;
  std::string err;
  EXPECT_FALSE(LoadFolder(o, &err));
  EXPECT_EQ("cancelled", err);
  std::vector<LoadResult> r = LoadArticles(o, std::vector<std::string>{"a.txt"});
  EXPECT_EQ(LoadStatus::kCancelled, r[0].status);
}

}  // namespace
}  // namespace feedd::daemon
