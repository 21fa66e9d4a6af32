// Parsing articles in a child process, under a time budget.
//
// A hostile file can drive a parser library into super-linear time (md4c 0.4.8
// takes minutes on some inputs) or a crash. Parsing in the ingest thread would
// freeze publication for that long; a thread cannot be stopped. So the daemon
// parses in a child (`feedd parse-worker`, the same binary) that reads requests on
// its stdin and answers on its stdout: when an answer does not come within the
// budget, the child is killed, the file is skipped with one log line, and the next
// file gets a fresh child. A crash of the parser ends the child, not the daemon.
// The child also runs under a memory limit.
//
// Not thread-safe: one owner calls Parse (the ingest thread, or a thread of a
// ParsePool, parse_pool.h, which runs one worker per core).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feed/article.h"
#include "feed/article_parser.h"

namespace feedd::daemon {

enum class ParseOutcome {
  kParsed,     // `article` holds the article
  kRejected,   // the parser refused the file: `err` says why ("binary data, not text")
  kTimedOut,   // no answer within the budget; the child was killed
  kCrashed,    // the child died or answered nonsense; `err` says how
  kDraft,      // the file is a draft (`err` is "draft"): its article must leave the feeds
  kCancelled,  // not parsed: the caller's cancel flag turned true first
  kProbed,     // a media job: `duration_seconds` says what the file's headers say
};

struct ParseResult {
  ParseOutcome outcome = ParseOutcome::kRejected;
  std::optional<feed::Article> article;
  std::vector<std::string> warnings;
  std::string err;
  feed::ParseErrorKind rejection = feed::ParseErrorKind::kMalformed;  // for kRejected
  std::vector<std::string> notes = {};  // what the parser left out and why (debug lines)
  int64_t duration_seconds = 0;         // kProbed: the media's playing time, 0: unknown
};

// One file to parse; the views must outlive the call.
struct ParseJob {
  std::string_view relative_path;
  std::string_view bytes;
  const feed::ParseContext* context;
  // Not empty: a media file to probe instead (its headers are read by TagLib in the
  // child, as hostile as an article): the input folder, `relative_path` the file's
  // path in it (opened beneath it); `bytes` and `context` are not used.
  std::string_view media_root = {};
};

// Parses in this thread, without a budget: what the child answers for one request
// (kParsed, kRejected or kDraft).
ParseResult ParseHere(std::string_view relative_path, std::string_view bytes,
                      const feed::ParseContext& context);

// Probes in this thread: what the child answers for a media job (kProbed, or
// kRejected when the file cannot be opened).
ParseResult ProbeHere(std::string_view media_root, std::string_view relative_path);

class ParseWorker {
 public:
  // `executable` is feedd itself ("/proc/self/exe" in the daemon); `budget` bounds
  // each Parse call from the request's first byte to the answer's last.
  ParseWorker(std::string executable, std::chrono::milliseconds budget);
  ~ParseWorker();
  ParseWorker(const ParseWorker&) = delete;
  ParseWorker& operator=(const ParseWorker&) = delete;

  // Parses one file as feed::ParseArticle would. Starts the child when none runs.
  // Never throws; a child that cannot be started gives kCrashed with the reason.
  ParseResult Parse(std::string_view relative_path, std::string_view bytes,
                    const feed::ParseContext& context);

  // Several files, pipelined to the child (no round trip per file), one result each
  // in order. The budget holds for each file: a file that overruns it, or kills the
  // child, is skipped and the files after it go to a fresh child. When `*cancel`
  // turns true (checked every kCancelPoll at least), the files not answered yet get
  // kCancelled and the call returns; a child with requests in flight is killed.
  std::vector<ParseResult> ParseMany(const std::vector<ParseJob>& jobs,
                                     const std::atomic<bool>* cancel = nullptr);
  static constexpr std::chrono::milliseconds kCancelPoll{20};

  void set_budget(std::chrono::milliseconds budget) { budget_ = budget; }
  // Counted up for every file answered or given up (null: none): the watchdog's
  // sign that a long load still moves.
  void set_progress(std::atomic<uint64_t>* progress) { progress_ = progress; }
  std::chrono::milliseconds budget() const { return budget_; }
  pid_t child_pid() const { return pid_; }  // 0 when none runs (for tests)

 private:
  bool Start(std::string* err);
  void Kill();
  std::string Reap();  // kills and reaps the child; says how it ended
  std::string TimeoutMessage() const;

  std::string executable_;
  std::chrono::milliseconds budget_;
  std::atomic<uint64_t>* progress_ = nullptr;
  pid_t pid_ = 0;
  int to_child_ = -1, from_child_ = -1;
};

// The child's side: answers requests from `in_fd` on `out_fd` until end of input.
// Returns the process exit status. Called by main() for `feedd parse-worker PID`;
// exits at once when its parent is not `parent` (0: any) any more.
int RunParseWorker(int in_fd, int out_fd, pid_t parent);

// The wire format, exposed for tests: a request and an answer, each framed by the
// caller as a little-endian 64-bit length and the payload.
std::string EncodeParseRequest(std::string_view relative_path, std::string_view bytes,
                               const feed::ParseContext& context);
bool DecodeParseRequest(std::string_view payload, std::string* relative_path, std::string* bytes,
                        feed::ParseContext* context);
std::string EncodeProbeRequest(std::string_view media_root, std::string_view relative_path);
// Either kind: `*media_root` is set (not empty) for a probe request.
bool DecodeRequest(std::string_view payload, std::string* relative_path, std::string* bytes,
                   feed::ParseContext* context, std::string* media_root);
std::string EncodeParseResult(const ParseResult& result);
bool DecodeParseResult(std::string_view payload, ParseResult* result);

}  // namespace feedd::daemon
