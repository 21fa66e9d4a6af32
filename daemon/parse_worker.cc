#include "daemon/parse_worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
                               &a.language})
    w.Str(*s);
  w.U64(a.tags.size());
  for (const std::string& t : a.tags) w.Str(t);
  w.Bool(a.right_to_left);
  w.Bool(a.explicit_date);
  w.Bool(a.explicit_id);
  w.Time(a.published);
  w.Time(a.updated);
}

bool GetArticle(Reader& r, feed::Article* a) {
  for (std::string* s : {&a->slug, &a->id, &a->link, &a->source, &a->title, &a->author,
                         &a->author_bio, &a->category, &a->summary, &a->content_html,
                         &a->language}) {
    if (!r.Str(s)) return false;
  }
  uint64_t tags = 0;
  if (!r.U64(&tags) || tags > r.left() / 8) return false;  // each takes 8 bytes at least
  a->tags.resize(tags);
  for (std::string& t : a->tags) {
    if (!r.Str(&t)) return false;
  }
  return r.Bool(&a->right_to_left) && r.Bool(&a->explicit_date) && r.Bool(&a->explicit_id) &&
         r.Time(&a->published) && r.Time(&a->updated);
}

// Blocking helpers for the child.
bool ReadAll(int fd, char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

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

// Waits for `fd` to be ready for `events` until `deadline`. False on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 60'000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the read or write report it
  }
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

std::string EncodeParseRequest(std::string_view relative_path, std::string_view bytes,
                               const feed::ParseContext& context) {
  Writer w;
  w.Str(relative_path);
  w.Str(bytes);
  w.Str(context.base_url);
  w.Time(context.file_mtime);
  w.U64(context.max_content_bytes);
  return w.Take();
}

bool DecodeParseRequest(std::string_view payload, std::string* relative_path, std::string* bytes,
                        feed::ParseContext* context) {
  Reader r(payload);
  return r.Str(relative_path) && r.Str(bytes) && r.Str(&context->base_url) &&
         r.Time(&context->file_mtime) && r.U64(&context->max_content_bytes) && r.Done();
}

std::string EncodeParseResult(const ParseResult& result) {
  Writer w;
  w.U64(static_cast<uint64_t>(result.outcome));
  w.Str(result.err);
  w.U64(result.warnings.size());
  for (const std::string& warning : result.warnings) w.Str(warning);
  w.Bool(result.article.has_value());
  if (result.article) PutArticle(w, *result.article);
  return w.Take();
}

bool DecodeParseResult(std::string_view payload, ParseResult* result) {
  Reader r(payload);
  uint64_t outcome = 0, warnings = 0;
  bool has_article = false;
  if (!r.U64(&outcome) || outcome > static_cast<uint64_t>(ParseOutcome::kRejected) ||
      !r.Str(&result->err) || !r.U64(&warnings) || warnings > r.left() / 8)
    return false;
  result->outcome = static_cast<ParseOutcome>(outcome);
  result->warnings.resize(warnings);
  for (std::string& w : result->warnings) {
    if (!r.Str(&w)) return false;
  }
  if (!r.Bool(&has_article)) return false;
  if (has_article != (result->outcome == ParseOutcome::kParsed)) return false;
  if (has_article && !GetArticle(r, &result->article.emplace())) return false;
  return r.Done();
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

ParseResult ParseWorker::Parse(std::string_view relative_path, std::string_view bytes,
                               const feed::ParseContext& context) {
  ParseResult result;
  result.outcome = ParseOutcome::kCrashed;
  if (pid_ == 0 && !Start(&result.err)) return result;
  const Clock::time_point deadline = Clock::now() + budget_;
  const std::string request = Frame(EncodeParseRequest(relative_path, bytes, context));

  // The child reads the whole request before it parses, so writing it all first
  // and then reading cannot deadlock.
  auto timed_out = [&] {
    Kill();
    result.outcome = ParseOutcome::kTimedOut;
    const auto ms = budget_.count();
    result.err = "parsing took longer than " +
                 (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms") +
                 " (limits.parse_timeout); skipped";
    return result;
  };
  auto died = [&] {
    // The child closed its end or answered nonsense: end it (it may still run),
    // reap it and say how it ended.
    ::close(to_child_);
    to_child_ = from_child_ = -1;
    ::kill(pid_, SIGKILL);  // nothing to a child that already died: its status stays
    int status = 0;
    pid_t r;
    while ((r = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
    result.err = r == pid_ ? DescribeExit(status) : "the parser stopped answering";
    if (r == pid_ && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      result.err = "the parser answered nonsense";
    pid_ = 0;
    result.outcome = ParseOutcome::kCrashed;
    return result;
  };

  for (size_t done = 0; done < request.size();) {
    const ssize_t n =
        ::send(to_child_, request.data() + done, request.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(to_child_, POLLOUT, deadline)) return timed_out();
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return died();
    }
  }

  std::string answer;
  char head[8];
  size_t got = 0;
  uint64_t want = 0;
  bool have_length = false;
  for (;;) {
    char* dst;
    size_t room;
    if (!have_length) {
      dst = head + got;
      room = sizeof head - got;
    } else {
      dst = answer.data() + got;
      room = answer.size() - got;
      if (room == 0) break;
    }
    const ssize_t n = ::recv(from_child_, dst, room, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
      if (!have_length && got == sizeof head) {
        want = LengthOf(head);
        if (want > kMaxAnswer) return died();
        have_length = true;
        answer.resize(want);
        got = 0;
        if (want == 0) break;
      }
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(from_child_, POLLIN, deadline)) return timed_out();
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return died();
    }
  }
  ParseResult decoded;
  if (!DecodeParseResult(answer, &decoded)) {
    Kill();
    result.err = "the parser answered nonsense";
    return result;
  }
  return decoded;
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
  for (;;) {
    char head[8];
    size_t got = 0;
    while (got < sizeof head) {  // end of input between requests is the normal end
      const ssize_t n = ::read(in_fd, head + got, sizeof head - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return got == 0 ? 0 : 2;
      got += static_cast<size_t>(n);
    }
    const uint64_t size = LengthOf(head);
    if (size > kMaxMessage) return 2;
    std::string payload(size, '\0');
    if (!ReadAll(in_fd, payload.data(), payload.size())) return 2;
    std::string path, bytes;
    feed::ParseContext context;
    if (!DecodeParseRequest(payload, &path, &bytes, &context)) return 2;
    payload = {};
    ParseResult result;
    result.article = feed::ParseArticle(path, bytes, context, &result.warnings, &result.err);
    result.outcome = result.article ? ParseOutcome::kParsed : ParseOutcome::kRejected;
    const std::string answer = Frame(EncodeParseResult(result));
    if (!WriteAll(out_fd, answer.data(), answer.size())) return 2;
  }
}

}  // namespace feedd::daemon
