#include "daemon/ingest/parse_worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>

#include "daemon/ingest/media_probe.h"
#include "feed/media.h"
#include "watcher/scan.h"

extern char** environ;

namespace feedd::daemon {
namespace {

using Clock = std::chrono::steady_clock;

// Longest request or answer accepted on the wire: far above any article the size
// limits let through, small enough that a corrupt length cannot exhaust memory.
constexpr uint64_t kMaxMessage = uint64_t{1} << 30;
// Longest answer: the article's text several times over (content, summary, title)
// fits many times in it; a child answering more is broken.
constexpr uint64_t kMaxAnswer = uint64_t{256} << 20;

// The child's address-space limit. The parsers need a few times the file's size;
// a file that makes them want more is hostile, and the child dies instead of the
// daemon. Not set under AddressSanitizer, which reserves terabytes of shadow.
constexpr rlim_t kChildAddressSpace = rlim_t{4} << 30;

class Writer {
 public:
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Bool(bool b) { U64(b ? 1 : 0); }
  void Time(const feed::Timestamp& t) {
    I64(t.seconds);
    I64(t.offset_minutes);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U64(uint64_t* v) {
    if (in_.size() - pos_ < 8) return ok_ = false;
    uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r |= uint64_t{static_cast<unsigned char>(in_[pos_ + i])} << (8 * i);
    pos_ += 8;
    *v = r;
    return true;
  }
  bool I64(int64_t* v) {
    uint64_t u = 0;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool Str(std::string* s) {
    uint64_t n = 0;
    if (!U64(&n) || n > in_.size() - pos_) return ok_ = false;
    s->assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool Bool(bool* b) {
    uint64_t v = 0;
    if (!U64(&v) || v > 1) return ok_ = false;
    *b = v == 1;
    return true;
  }
  bool Time(feed::Timestamp* t) {
    int64_t offset = 0;
    if (!I64(&t->seconds) || !I64(&offset) || offset < -24 * 60 || offset > 24 * 60)
      return ok_ = false;
    t->offset_minutes = static_cast<int32_t>(offset);
    return true;
  }
  size_t left() const { return in_.size() - pos_; }
  // True when everything read so far was well-formed and nothing is left over.
  bool Done() const { return ok_ && pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void PutArticle(Writer& w, const feed::Article& a) {
  for (const std::string* s : {&a.slug, &a.id, &a.link, &a.source, &a.title, &a.author,
                               &a.author_bio, &a.category, &a.summary, &a.content_html,
                               &a.language, &a.via})
    w.Str(*s);
  w.U64(a.tags.size());
  for (const std::string& t : a.tags) w.Str(t);
  w.Bool(a.right_to_left);
  w.Bool(a.explicit_date);
  w.Bool(a.explicit_id);
  w.Time(a.published);
  w.Time(a.updated);
  for (const feed::Media* m : {&a.image, &a.enclosure}) {
    w.Str(m->path);
    w.Str(m->url);
    w.Str(m->type);
    w.U64(m->length);
  }
  w.U64(static_cast<uint64_t>(a.episode.duration_seconds));
  w.U64(static_cast<uint64_t>(a.episode.number));
  w.U64(static_cast<uint64_t>(a.episode.season));
  w.Str(a.episode.type);
  w.U64(static_cast<uint64_t>(a.episode.explicit_content + 1));
}

bool GetArticle(Reader& r, feed::Article* a) {
  for (std::string* s : {&a->slug, &a->id, &a->link, &a->source, &a->title, &a->author,
                         &a->author_bio, &a->category, &a->summary, &a->content_html,
                         &a->language, &a->via}) {
    if (!r.Str(s)) return false;
  }
  uint64_t tags = 0;
  if (!r.U64(&tags) || tags > r.left() / 8) return false;  // each takes 8 bytes at least
  a->tags.resize(tags);
  for (std::string& t : a->tags) {
    if (!r.Str(&t)) return false;
  }
  if (!(r.Bool(&a->right_to_left) && r.Bool(&a->explicit_date) && r.Bool(&a->explicit_id) &&
        r.Time(&a->published) && r.Time(&a->updated)))
    return false;
  for (feed::Media* m : {&a->image, &a->enclosure}) {
    if (!r.Str(&m->path) || !r.Str(&m->url) || !r.Str(&m->type) || !r.U64(&m->length)) return false;
  }
  uint64_t duration = 0, number = 0, season = 0, explicit_content = 0;
  if (!r.U64(&duration) || !r.U64(&number) || !r.U64(&season) || !r.Str(&a->episode.type) ||
      !r.U64(&explicit_content) || duration > INT64_MAX || number > INT64_MAX ||
      season > INT64_MAX || explicit_content > 2)
    return false;
  a->episode.duration_seconds = static_cast<int64_t>(duration);
  a->episode.number = static_cast<int64_t>(number);
  a->episode.season = static_cast<int64_t>(season);
  a->episode.explicit_content = static_cast<int>(explicit_content) - 1;
  return true;
}

// Blocking, for the child.
bool WriteAll(int fd, const char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string Frame(std::string payload) {
  Writer w;
  w.U64(payload.size());
  return w.Take() + payload;
}

uint64_t LengthOf(const char (&head)[8]) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t{static_cast<unsigned char>(head[i])} << (8 * i);
  return n;
}

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "the parser crashed (signal " + std::to_string(sig) + ", " + ::strsignal(sig) + ")";
  }
  if (WIFEXITED(status)) return "the parser exited with status " + std::to_string(WEXITSTATUS(status));
  return "the parser stopped";
}

}  // namespace

// A request's first word says its kind.
constexpr uint64_t kArticleRequest = 0;
constexpr uint64_t kProbeRequest = 1;

std::string EncodeParseRequest(std::string_view relative_path, std::string_view bytes,
                               const feed::ParseContext& context) {
  Writer w;
  w.U64(kArticleRequest);
  w.Str(relative_path);
  w.Str(bytes);
  w.Str(context.base_url);
  w.Time(context.file_mtime);
  w.U64(context.max_content_bytes);
  return w.Take();
}

bool DecodeParseRequest(std::string_view payload, std::string* relative_path, std::string* bytes,
                        feed::ParseContext* context) {
  std::string media_root;
  return DecodeRequest(payload, relative_path, bytes, context, &media_root) && media_root.empty();
}

std::string EncodeProbeRequest(std::string_view media_root, std::string_view relative_path) {
  Writer w;
  w.U64(kProbeRequest);
  w.Str(media_root);
  w.Str(relative_path);
  return w.Take();
}

bool DecodeRequest(std::string_view payload, std::string* relative_path, std::string* bytes,
                   feed::ParseContext* context, std::string* media_root) {
  Reader r(payload);
  uint64_t kind = 0;
  media_root->clear();
  if (!r.U64(&kind)) return false;
  if (kind == kProbeRequest)
    return r.Str(media_root) && !media_root->empty() && r.Str(relative_path) && r.Done();
  return kind == kArticleRequest && r.Str(relative_path) && r.Str(bytes) &&
         r.Str(&context->base_url) && r.Time(&context->file_mtime) &&
         r.U64(&context->max_content_bytes) && r.Done();
}

std::string EncodeParseResult(const ParseResult& result) {
  Writer w;
  w.U64(static_cast<uint64_t>(result.outcome));
  w.Str(result.err);
  w.U64(static_cast<uint64_t>(result.rejection));
  w.U64(result.warnings.size());
  for (const std::string& warning : result.warnings) w.Str(warning);
  w.U64(result.notes.size());
  for (const std::string& note : result.notes) w.Str(note);
  w.Bool(result.article.has_value());
  if (result.article) PutArticle(w, *result.article);
  // Only a probe's answer has a duration (so the parse cache's answers keep their form).
  if (result.outcome == ParseOutcome::kProbed) w.I64(result.duration_seconds);
  return w.Take();
}

bool DecodeParseResult(std::string_view payload, ParseResult* result) {
  Reader r(payload);
  uint64_t outcome = 0, rejection = 0, warnings = 0;
  bool has_article = false;
  // Only the child's own outcomes travel; "timed out" or "cancelled" are never answers.
  auto from_child = [](uint64_t o) {
    return o == static_cast<uint64_t>(ParseOutcome::kParsed) ||
           o == static_cast<uint64_t>(ParseOutcome::kRejected) ||
           o == static_cast<uint64_t>(ParseOutcome::kDraft) ||
           o == static_cast<uint64_t>(ParseOutcome::kProbed);
  };
  *result = ParseResult{};  // nothing of what it held before is left
  if (!r.U64(&outcome) || !from_child(outcome) || !r.Str(&result->err) || !r.U64(&rejection) ||
      rejection > static_cast<uint64_t>(feed::ParseErrorKind::kNotArticle) || !r.U64(&warnings) ||
      warnings > r.left() / 8)
    return false;
  result->outcome = static_cast<ParseOutcome>(outcome);
  result->rejection = static_cast<feed::ParseErrorKind>(rejection);
  result->warnings.resize(warnings);
  for (std::string& w : result->warnings) {
    if (!r.Str(&w)) return false;
  }
  uint64_t notes = 0;
  if (!r.U64(&notes) || notes > r.left() / 8) return false;
  result->notes.resize(notes);
  for (std::string& n : result->notes) {
    if (!r.Str(&n)) return false;
  }
  if (!r.Bool(&has_article)) return false;
  if (has_article != (result->outcome == ParseOutcome::kParsed)) return false;
  if (has_article && !GetArticle(r, &result->article.emplace())) return false;
  if (result->outcome == ParseOutcome::kProbed &&
      (!r.I64(&result->duration_seconds) || result->duration_seconds < 0))
    return false;
  return r.Done();
}

ParseResult ParseHere(std::string_view relative_path, std::string_view bytes,
                      const feed::ParseContext& context) {
  ParseResult result;
  feed::ParseError error;
  std::vector<feed::Cut> cuts;
  result.article =
      feed::ParseArticle(relative_path, bytes, context, &result.warnings, &error, &cuts);
  for (const feed::Cut& c : cuts) result.notes.push_back(feed::DescribeCut(c));
  if (result.article) {
    result.outcome = ParseOutcome::kParsed;
  } else {
    result.outcome =
        error.kind == feed::ParseErrorKind::kDraft ? ParseOutcome::kDraft : ParseOutcome::kRejected;
    result.err = std::move(error.message);
    result.rejection = error.kind;
  }
  return result;
}

ParseResult ProbeHere(std::string_view media_root, std::string_view relative_path) {
  ParseResult result;
  watcher::ReadError err;
  const std::optional<watcher::OpenedFile> file =
      watcher::OpenFileBeneath(std::string(media_root), std::string(relative_path), &err);
  if (!file) {
    result.err = err.message;
    return result;  // kRejected
  }
  result.outcome = ParseOutcome::kProbed;
  if (const std::optional<feed::MediaType> type = feed::MediaTypeOf(relative_path))
    result.duration_seconds = ProbeDurationSeconds(file->fd, type->mime);
  ::close(file->fd);
  return result;
}

ParseWorker::ParseWorker(std::string executable, std::chrono::milliseconds budget)
    : executable_(std::move(executable)), budget_(budget) {}

ParseWorker::~ParseWorker() { Kill(); }

bool ParseWorker::Start(std::string* err) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    *err = std::string("cannot start the parser: socketpair: ") + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The child's end becomes its stdin and stdout (dup2 clears close-on-exec).
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  // Nothing else of the daemon's: Asio's sockets (listeners, clients) have no
  // close-on-exec, and a child holding them could accept on the public port or keep
  // a closed connection from ending. stderr stays for a crash report.
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  const std::string parent = std::to_string(::getpid());
  char arg0[] = "feedd";
  char arg1[] = "parse-worker";
  std::string arg2 = parent;
  char* argv[] = {arg0, arg1, arg2.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, executable_.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    *err = "cannot start the parser " + executable_ + ": " + std::strerror(rc);
    return false;
  }
  const int flags = ::fcntl(fds[0], F_GETFL);
  ::fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
  pid_ = pid;
  to_child_ = from_child_ = fds[0];
  return true;
}

void ParseWorker::Kill() {
  if (to_child_ >= 0) ::close(to_child_);
  to_child_ = from_child_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = 0;
}

std::string ParseWorker::TimeoutMessage() const {
  const auto ms = budget_.count();
  return "parsing took longer than " +
         (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms") +
         " (limits.parse_timeout); skipped";
}

std::string ParseWorker::Reap() {
  // The child closed its end, answered nonsense or overran: end it (it may still
  // run), reap it and say how it ended.
  ::close(to_child_);
  to_child_ = from_child_ = -1;
  const pid_t child = pid_;
  pid_ = 0;
  ::kill(child, SIGKILL);  // nothing to a child that already died: its status stays
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(child, &status, 0)) < 0 && errno == EINTR) {
  }
  if (r != child) return "the parser stopped answering";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "the parser answered nonsense";
  return DescribeExit(status);
}

ParseResult ParseWorker::Parse(std::string_view relative_path, std::string_view bytes,
                               const feed::ParseContext& context) {
  std::vector<ParseResult> r = ParseMany({ParseJob{relative_path, bytes, &context}});
  return std::move(r.front());
}

std::vector<ParseResult> ParseWorker::ParseMany(const std::vector<ParseJob>& jobs,
                                                const std::atomic<bool>* cancel) {
  std::vector<ParseResult> results(jobs.size());
  // Requests are pipelined: the child parses one while the next ones wait in its
  // socket, so a folder costs no round trip per file. Each answer must come within
  // the budget of the one before (or of the start): that is the time the child
  // spent on that one file. When it does not, or the child dies, that file is
  // skipped, the child is replaced, and the files after it are sent again.
  constexpr size_t kMaxInFlight = 64;
  constexpr size_t kMaxInFlightBytes = 4 << 20;
  size_t next_recv = 0;  // the file whose answer comes next
  size_t next_send = 0;  // the file whose request goes next
  std::string out;       // the request being sent
  size_t out_done = 0;
  std::deque<size_t> in_flight_bytes;  // sizes of the requests sent, not answered
  size_t in_flight_total = 0;
  std::string frame;  // the answer being read
  size_t got = 0;
  Clock::time_point deadline = Clock::now() + budget_;
  auto restart_after = [&](size_t failed, ParseOutcome outcome, std::string err) {
    results[failed].outcome = outcome;
    results[failed].err = std::move(err);
    if (progress_) progress_->fetch_add(1, std::memory_order_relaxed);
    next_recv = next_send = failed + 1;
    out.clear();
    out_done = 0;
    in_flight_bytes.clear();
    in_flight_total = 0;
    got = 0;
    deadline = Clock::now() + budget_;
  };
  while (next_recv < jobs.size()) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      // A child with requests in flight would answer them to the next caller: end it.
      if (next_send > next_recv || out_done > 0) Kill();
      for (size_t i = next_recv; i < jobs.size(); ++i) {
        results[i].outcome = ParseOutcome::kCancelled;
        results[i].err = "cancelled";
      }
      break;
    }
    if (pid_ == 0) {
      std::string err;
      if (!Start(&err)) {
        for (size_t i = next_recv; i < jobs.size(); ++i) {
          results[i].outcome = ParseOutcome::kCrashed;
          results[i].err = err;
        }
        break;
      }
    }
    // Queue the next request while the window has room.
    if (out.empty() && next_send < jobs.size() && next_send - next_recv < kMaxInFlight &&
        (in_flight_total < kMaxInFlightBytes || next_send == next_recv)) {
      const ParseJob& j = jobs[next_send];
      out = Frame(j.media_root.empty() ? EncodeParseRequest(j.relative_path, j.bytes, *j.context)
                                       : EncodeProbeRequest(j.media_root, j.relative_path));
      out_done = 0;
    }
    pollfd p{to_child_, static_cast<short>(POLLIN | (out.empty() ? 0 : POLLOUT)), 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      Kill();
      restart_after(next_recv, ParseOutcome::kTimedOut, TimeoutMessage());
      continue;
    }
    const int64_t wait_ms = cancel ? kCancelPoll.count() : 60'000;  // cancel is polled
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, wait_ms)));
    if (ready < 0 && errno != EINTR) {
      restart_after(next_recv, ParseOutcome::kCrashed, Reap());
      continue;
    }
    if (ready <= 0) continue;
    if (p.revents & POLLOUT) {
      const ssize_t n = ::send(to_child_, out.data() + out_done, out.size() - out_done,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        out_done += static_cast<size_t>(n);
        if (out_done == out.size()) {
          in_flight_bytes.push_back(out.size());
          in_flight_total += out.size();
          out.clear();
          ++next_send;
        }
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        restart_after(next_recv, ParseOutcome::kCrashed, Reap());
        continue;
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      if (frame.size() < 64 * 1024) frame.resize(64 * 1024);
      const ssize_t n = ::recv(from_child_, frame.data() + got, frame.size() - got, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        restart_after(next_recv, ParseOutcome::kCrashed, Reap());
        continue;
      }
      if (n > 0) got += static_cast<size_t>(n);
      // Every complete answer in the buffer, in order.
      bool broken = false;
      while (got >= 8) {
        char head[8];
        std::memcpy(head, frame.data(), sizeof head);
        const uint64_t want = LengthOf(head);
        if (want > kMaxAnswer || next_recv >= next_send) {  // too long, or unasked for
          broken = true;
          break;
        }
        if (got < 8 + want) {
          if (frame.size() < 8 + want) frame.resize(8 + want);
          break;
        }
        if (!DecodeParseResult(std::string_view(frame.data() + 8, want), &results[next_recv])) {
          broken = true;
          break;
        }
        frame.erase(0, 8 + want);
        got -= 8 + want;
        in_flight_total -= in_flight_bytes.front();
        in_flight_bytes.pop_front();
        ++next_recv;
        if (progress_) progress_->fetch_add(1, std::memory_order_relaxed);
        deadline = Clock::now() + budget_;
      }
      if (broken) {
        Kill();
        restart_after(next_recv, ParseOutcome::kCrashed, "the parser answered nonsense");
        continue;
      }
    }
  }
  return results;
}

int RunParseWorker(int in_fd, int out_fd, pid_t parent) {
  // Die with the daemon; and if it is already gone, do not linger.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (parent != 0 && ::getppid() != parent) return 1;
  ::close_range(STDERR_FILENO + 1, ~0U, 0);  // in case the spawn could not close them
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  const rlimit limit{kChildAddressSpace, kChildAddressSpace};
  ::setrlimit(RLIMIT_AS, &limit);
#endif
  std::string buf;  // bytes read and not yet used; one read takes most requests whole
  for (;;) {
    auto fill = [&](size_t need) {  // false at the end of input or on an error
      while (buf.size() < need) {
        const size_t have = buf.size();
        buf.resize(std::max(need, have + 64 * 1024));
        const ssize_t n = ::read(in_fd, buf.data() + have, buf.size() - have);
        buf.resize(have + (n > 0 ? static_cast<size_t>(n) : 0));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
      }
      return true;
    };
    if (!fill(8)) return buf.empty() ? 0 : 2;  // end of input between requests: the normal end
    char head[8];
    std::memcpy(head, buf.data(), sizeof head);
    const uint64_t size = LengthOf(head);
    if (size > kMaxMessage || !fill(8 + size)) return 2;
    std::string payload = buf.substr(8, size);
    buf.erase(0, 8 + size);
    std::string path, bytes, media_root;
    feed::ParseContext context;
    if (!DecodeRequest(payload, &path, &bytes, &context, &media_root)) return 2;
    payload = {};
    const ParseResult result =
        media_root.empty() ? ParseHere(path, bytes, context) : ProbeHere(media_root, path);
    const std::string answer = Frame(EncodeParseResult(result));
    if (!WriteAll(out_fd, answer.data(), answer.size())) return 2;
  }
}

}  // namespace feedd::daemon
