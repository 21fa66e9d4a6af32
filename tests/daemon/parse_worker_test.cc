#include "daemon/ingest/parse_worker.h"

#include <signal.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace feedd::daemon {
namespace {

using std::chrono::milliseconds;

const feed::ParseContext kContext{"https://example.org/news", feed::Timestamp{1764000000, 0},
                                  65536};

constexpr std::string_view kMarkdown =
    "---\ntitle: Tram line reopens\nauthor: Ana Sousa\ntags: [transport, lisbon]\n"
    "date: 2026-11-20T09:30:00+03:30\n---\n\nThe **28** tram runs again.\n\n"
    "[Timetable](/timetable) and a [map](maps/28.png).\n";

// md4c 0.4.8 needs seconds for this (unclosed link destinations across lines, about
// 8 s per 800 KB on a 2-core machine, growing quadratically): far past any budget
// the tests set, whatever else the machine does.
std::string SlowMarkdown() {
  std::string s;
  for (int i = 0; i < 300000; ++i) s += "]([\n";
  return s;
}

bool Alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH); }

TEST(ParseWorkerTest, ParsesAsTheInProcessParserDoes) {
  ParseWorker worker(FEEDD_BINARY, milliseconds(10'000));
  ParseResult r = worker.Parse("2026/tram.md", kMarkdown, kContext);
  ASSERT_EQ(ParseOutcome::kParsed, r.outcome) << r.err;
  std::vector<std::string> warnings;
  std::string err;
  std::optional<feed::Article> direct =
      feed::ParseArticle("2026/tram.md", kMarkdown, kContext, &warnings, &err);
  ASSERT_TRUE(direct) << err;
  const feed::Article& a = *r.article;
  EXPECT_EQ(direct->slug, a.slug);
  EXPECT_EQ(direct->id, a.id);
  EXPECT_EQ(direct->link, a.link);
  EXPECT_EQ(direct->source, a.source);
  EXPECT_EQ("Tram line reopens", a.title);
  EXPECT_EQ("Ana Sousa", a.author);
  EXPECT_EQ((std::vector<std::string>{"transport", "lisbon"}), a.tags);
  EXPECT_EQ(direct->summary, a.summary);
  EXPECT_EQ(direct->content_html, a.content_html);
  EXPECT_EQ(direct->published, a.published);
  EXPECT_EQ(210, a.published.offset_minutes);
  EXPECT_EQ(direct->updated, a.updated);
  EXPECT_EQ(direct->explicit_date, a.explicit_date);
  EXPECT_EQ(warnings, r.warnings);
  // One child serves every file.
  const pid_t child = worker.child_pid();
  EXPECT_TRUE(Alive(child));
  EXPECT_EQ(ParseOutcome::kParsed, worker.Parse("b.txt", "Title\n\nBody text here.\n", kContext).outcome);
  EXPECT_EQ(child, worker.child_pid());
}

TEST(ParseWorkerTest, RejectionsKeepTheParsersReason) {
  ParseWorker worker(FEEDD_BINARY, milliseconds(10'000));
  // A draft is an outcome of its own, not a rejection told apart by its text.
  ParseResult draft = worker.Parse("d.md", "---\ntitle: T\ndraft: true\n---\nx\n", kContext);
  EXPECT_EQ(ParseOutcome::kDraft, draft.outcome);
  EXPECT_EQ("draft", draft.err);
  EXPECT_FALSE(draft.article);
  ParseResult maybe = worker.Parse("m.md", "---\ndraft: maybe\n---\nx\n", kContext);
  EXPECT_EQ(ParseOutcome::kRejected, maybe.outcome);
  ParseResult binary = worker.Parse("b.txt", std::string(64, '\0'), kContext);
  EXPECT_EQ(ParseOutcome::kRejected, binary.outcome);
  EXPECT_EQ("binary data, not text", binary.err);
}

TEST(ParseWorkerTest, AFileOverTheBudgetIsAbandonedAndTheNextOneParses) {
  ParseWorker worker(FEEDD_BINARY, milliseconds(300));
  ASSERT_EQ(ParseOutcome::kParsed, worker.Parse("a.md", kMarkdown, kContext).outcome);
  const pid_t first = worker.child_pid();
  const auto started = std::chrono::steady_clock::now();
  ParseResult slow = worker.Parse("slow.md", SlowMarkdown(), kContext);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(ParseOutcome::kTimedOut, slow.outcome);
  EXPECT_EQ("parsing took longer than 300 ms (limits.parse_timeout); skipped", slow.err);
  EXPECT_FALSE(slow.article);
  // Abandoned well before the parser would have finished (seconds), and its child
  // is gone, not left running.
  EXPECT_LT(took, std::chrono::seconds(4));
  EXPECT_FALSE(Alive(first));
  EXPECT_EQ(0, worker.child_pid());
  ParseResult next = worker.Parse("a.md", kMarkdown, kContext);
  EXPECT_EQ(ParseOutcome::kParsed, next.outcome) << next.err;
  EXPECT_NE(first, worker.child_pid());
}

TEST(ParseWorkerTest, ManyFilesArePipelinedAndASlowOneInTheMiddleIsSkippedAlone) {
  ParseWorker worker(FEEDD_BINARY, milliseconds(300));
  const std::string slow = SlowMarkdown();
  std::vector<std::string> names, texts;
  for (int i = 0; i < 300; ++i) {
    names.push_back("a" + std::to_string(i) + ".md");
    texts.push_back(i == 150 ? slow : "# Story " + std::to_string(i) + "\n\nText " + std::to_string(i) + ".\n");
  }
  std::vector<ParseJob> jobs;
  for (size_t i = 0; i < names.size(); ++i) jobs.push_back({names[i], texts[i], &kContext});
  std::vector<ParseResult> r = worker.ParseMany(jobs);
  ASSERT_EQ(300u, r.size());
  for (size_t i = 0; i < r.size(); ++i) {
    if (i == 150) {
      EXPECT_EQ(ParseOutcome::kTimedOut, r[i].outcome);
      continue;
    }
    ASSERT_EQ(ParseOutcome::kParsed, r[i].outcome) << i << ": " << r[i].err;
    EXPECT_EQ("Story " + std::to_string(i), r[i].article->title) << i;
    EXPECT_EQ(names[i].substr(0, names[i].size() - 3), r[i].article->slug);
  }
}

TEST(ParseWorkerTest, ACrashingParserEndsItsChildNotTheCaller) {
  ParseWorker worker(FEEDD_BINARY, milliseconds(60'000));
  ASSERT_EQ(ParseOutcome::kParsed, worker.Parse("a.md", kMarkdown, kContext).outcome);
  const pid_t child = worker.child_pid();
  // The child dies in the middle of a parse, as it would on a parser bug.
  std::future<ParseResult> pending = std::async(std::launch::async, [&] {
    return worker.Parse("slow.md", SlowMarkdown(), kContext);
  });
  std::this_thread::sleep_for(milliseconds(200));
  ::kill(child, SIGABRT);  // not SIGSEGV: AddressSanitizer would catch that one and exit
  ParseResult r = pending.get();
  EXPECT_EQ(ParseOutcome::kCrashed, r.outcome);
  EXPECT_EQ("the parser crashed (signal 6, Aborted)", r.err);
  EXPECT_EQ(ParseOutcome::kParsed, worker.Parse("a.md", kMarkdown, kContext).outcome);
}

TEST(ParseWorkerTest, AMissingExecutableIsAReasonNotACrash) {
  ParseWorker worker("/nonexistent/feedd", milliseconds(1000));
  ParseResult r = worker.Parse("a.md", kMarkdown, kContext);
  EXPECT_EQ(ParseOutcome::kCrashed, r.outcome);
  EXPECT_EQ("cannot start the parser /nonexistent/feedd: No such file or directory", r.err);
}

TEST(ParseWorkerTest, MediaDurationsAreReadInTheChildBesideArticles) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "ep.wav", testing::Wav(3));
  std::string junk(100000, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 7919) >> 3);
  testing::WriteFile(dir.path() / "junk.mp3", junk);
  testing::WriteFile(dir.path() / "junk.m4a", junk);
  testing::WriteFile(dir.path() / "junk.ogg", junk);
  const std::string root = dir.path().string();
  ParseWorker worker(FEEDD_BINARY, milliseconds(10'000));
  const std::vector<ParseResult> r = worker.ParseMany({
      {"ep.wav", {}, nullptr, root},
      {"a.md", kMarkdown, &kContext},
      {"junk.mp3", {}, nullptr, root},
      {"junk.m4a", {}, nullptr, root},
      {"junk.ogg", {}, nullptr, root},
      {"../ep.wav", {}, nullptr, root},
      {"missing.wav", {}, nullptr, root},
  });
  ASSERT_EQ(7u, r.size());
  EXPECT_EQ(ParseOutcome::kProbed, r[0].outcome) << r[0].err;
  EXPECT_EQ(3, r[0].duration_seconds);
  EXPECT_EQ(ParseOutcome::kParsed, r[1].outcome);
  ASSERT_TRUE(r[1].article);
  EXPECT_EQ("Tram line reopens", r[1].article->title);
  for (size_t i = 2; i <= 4; ++i) {  // not what the name says: no duration, no crash
    EXPECT_EQ(ParseOutcome::kProbed, r[i].outcome) << i << " " << r[i].err;
    EXPECT_EQ(0, r[i].duration_seconds) << i;
  }
  EXPECT_EQ(ParseOutcome::kRejected, r[5].outcome);  // never out of the folder
  EXPECT_EQ(ParseOutcome::kRejected, r[6].outcome);
  EXPECT_EQ(3, ProbeHere(root, "ep.wav").duration_seconds);
}

TEST(ParseWorkerTest, WireFormatRoundTripsAndRefusesDamage) {
  std::string path, bytes;
  feed::ParseContext context;
  const std::string request = EncodeParseRequest("x/y.md", std::string("a\0b", 3), kContext);
  ASSERT_TRUE(DecodeParseRequest(request, &path, &bytes, &context));
  EXPECT_EQ("x/y.md", path);
  EXPECT_EQ(std::string("a\0b", 3), bytes);
  EXPECT_EQ(kContext.base_url, context.base_url);
  EXPECT_EQ(kContext.file_mtime, context.file_mtime);
  EXPECT_EQ(65536u, context.max_content_bytes);
  for (size_t cut = 0; cut < request.size(); ++cut)
    EXPECT_FALSE(DecodeParseRequest(request.substr(0, cut), &path, &bytes, &context)) << cut;
  EXPECT_FALSE(DecodeParseRequest(request + "x", &path, &bytes, &context));
  // A probe request carries the folder and the file's path, nothing else.
  std::string root;
  const std::string probe = EncodeProbeRequest("/srv/in", "shows/ep.mp3");
  ASSERT_TRUE(DecodeRequest(probe, &path, &bytes, &context, &root));
  EXPECT_EQ("/srv/in", root);
  EXPECT_EQ("shows/ep.mp3", path);
  EXPECT_FALSE(DecodeParseRequest(probe, &path, &bytes, &context));
  ASSERT_TRUE(DecodeRequest(request, &path, &bytes, &context, &root));
  EXPECT_EQ("", root);
  for (size_t cut = 0; cut < probe.size(); ++cut)
    EXPECT_FALSE(DecodeRequest(probe.substr(0, cut), &path, &bytes, &context, &root)) << cut;
  EXPECT_FALSE(DecodeRequest(EncodeProbeRequest("", "x.mp3"), &path, &bytes, &context, &root));
  ParseResult probed{ParseOutcome::kProbed, std::nullopt, {}, ""};
  probed.duration_seconds = 5025;
  ParseResult probed_back;
  ASSERT_TRUE(DecodeParseResult(EncodeParseResult(probed), &probed_back));
  EXPECT_EQ(ParseOutcome::kProbed, probed_back.outcome);
  EXPECT_EQ(5025, probed_back.duration_seconds);

  ParseResult parsed;
  parsed.outcome = ParseOutcome::kParsed;
  parsed.warnings = {"w1", "w2"};
  feed::Article& a = parsed.article.emplace();
  a.title = "T";
  a.tags = {"a", "b"};
  a.right_to_left = true;
  a.published = {1764000000, -300};
  a.image = {"2026/pier.jpg", "", "image/jpeg", 0};
  a.enclosure = {"", "https://cdn.example/ep1.mp3", "audio/mpeg", 123456789012};
  a.episode = {3723, 12, 2, "bonus", 0};
  const std::string answer = EncodeParseResult(parsed);
  ParseResult back;
  ASSERT_TRUE(DecodeParseResult(answer, &back));
  EXPECT_EQ(ParseOutcome::kParsed, back.outcome);
  EXPECT_EQ(parsed.warnings, back.warnings);
  EXPECT_EQ("T", back.article->title);
  EXPECT_EQ(a.tags, back.article->tags);
  EXPECT_TRUE(back.article->right_to_left);
  EXPECT_EQ(a.published, back.article->published);
  EXPECT_EQ(a.image, back.article->image);
  EXPECT_EQ(a.enclosure, back.article->enclosure);
  EXPECT_EQ(a.episode, back.article->episode);
  for (size_t cut = 0; cut < answer.size(); ++cut) {
    ParseResult damaged;
    EXPECT_FALSE(DecodeParseResult(answer.substr(0, cut), &damaged)) << cut;
  }
  // A count that the bytes left cannot hold is refused before anything is made of it.
  std::string huge = EncodeParseResult(ParseResult{ParseOutcome::kRejected, std::nullopt, {}, "x"});
  // outcome, err ("x"), then the warnings' count: make it 2^40.
  const size_t count_at = 8 + 8 + 1;
  for (int i = 0; i < 8; ++i) huge[count_at + i] = static_cast<char>(i == 5 ? 1 : 0);
  EXPECT_FALSE(DecodeParseResult(huge, &back));
  // Only the child's own outcomes travel; "timed out" or "cancelled" is never an answer.
  std::string forged = answer;
  forged[0] = static_cast<char>(ParseOutcome::kTimedOut);
  EXPECT_FALSE(DecodeParseResult(forged, &back));
  forged[0] = static_cast<char>(ParseOutcome::kCancelled);
  EXPECT_FALSE(DecodeParseResult(forged, &back));
  // A draft travels as such, without an article.
  const std::string draft =
      EncodeParseResult(ParseResult{ParseOutcome::kDraft, std::nullopt, {}, "draft"});
  ASSERT_TRUE(DecodeParseResult(draft, &back));
  EXPECT_EQ(ParseOutcome::kDraft, back.outcome);
  EXPECT_EQ("draft", back.err);
  EXPECT_FALSE(back.article);
}

// The children of this process, started by any of its threads.
std::vector<pid_t> OwnChildren() {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "children");
    for (pid_t child; in >> child;) out.push_back(child);
  }
  return out;
}

bool WaitUntil(const std::function<bool()>& done, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

TEST(ParseWorkerTest, ACancelEndsALongParseAtOnceAndKillsTheChild) {
  ParseWorker worker(FEEDD_BINARY, milliseconds(60'000));
  const std::string slow = SlowMarkdown();
  const std::string names[] = {"slow.md", "next.md"};
  const std::vector<ParseJob> jobs = {{names[0], slow, &kContext},
                                      {names[1], kMarkdown, &kContext}};
  std::atomic<bool> cancel{false};
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    // Once the child runs (and is given the slow file), not before.
    ASSERT_TRUE(WaitUntil([] { return !OwnChildren().empty(); }, milliseconds(10'000)));
    cancelled_at = std::chrono::steady_clock::now();
    cancel = true;
  });
  std::vector<ParseResult> r = worker.ParseMany(jobs, &cancel);
  const auto took = std::chrono::steady_clock::now() - cancelled_at;
  canceller.join();
  ASSERT_EQ(2u, r.size());
  EXPECT_EQ(ParseOutcome::kCancelled, r[0].outcome);
  EXPECT_EQ(ParseOutcome::kCancelled, r[1].outcome);
  EXPECT_EQ("cancelled", r[1].err);
  // Well within the ~100 ms promised (the poll runs every 20 ms), on a busy machine.
  EXPECT_LT(took, milliseconds(500));
  // The child had a request in flight: it is gone, and the next call gets a fresh one.
  EXPECT_EQ(0, worker.child_pid());
  EXPECT_TRUE(OwnChildren().empty());
  EXPECT_EQ(ParseOutcome::kParsed, worker.Parse("a.md", kMarkdown, kContext).outcome);
}

TEST(ParseWorkerTest, ACancelSetBeforeTheCallParsesNothing) {
  ParseWorker worker(FEEDD_BINARY, milliseconds(10'000));
  ASSERT_EQ(ParseOutcome::kParsed, worker.Parse("a.md", kMarkdown, kContext).outcome);
  const pid_t child = worker.child_pid();
  const std::atomic<bool> cancel{true};
  std::vector<ParseResult> r = worker.ParseMany({{"b.md", kMarkdown, &kContext}}, &cancel);
  EXPECT_EQ(ParseOutcome::kCancelled, r[0].outcome);
  // Nothing was in flight: the child stays for the next call.
  EXPECT_EQ(child, worker.child_pid());
}

}  // namespace
}  // namespace feedd::daemon
