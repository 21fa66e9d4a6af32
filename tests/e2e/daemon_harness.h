// Runs the real feedd daemon for end-to-end tests and talks HTTP to it over
// loopback with plain blocking sockets, so what is tested is what a reader sees.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <brotli/decode.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_util.h"

namespace feedd::testing {

using Clock = std::chrono::steady_clock;

// Polls `done` every few milliseconds until it holds or `timeout` passes.
inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

struct HttpResponse {
  int status = 0;
  std::string version;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  bool Has(const std::string& name) const { return headers.count(name) > 0; }
};

// One TCP connection to the daemon.
class Connection {
 public:
  explicit Connection(int port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return connected_; }

  bool Send(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads whatever arrives within `timeout`; returns false on EOF or error.
  bool ReadSome(std::chrono::milliseconds timeout, size_t max = 65536) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return true;  // nothing yet
    std::string chunk(max, '\0');
    const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n <= 0) return false;
    buffer_.append(chunk.data(), static_cast<size_t>(n));
    return true;
  }

  // True when the server closed the connection within `timeout`.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (!ReadSome(std::chrono::milliseconds(50))) return true;
    }
    return false;
  }

  // Reads one response. `head_request`: the response to HEAD has no body.
  std::optional<HttpResponse> ReadResponse(bool head_request = false,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = Clock::now() + timeout;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (Clock::now() > deadline || !ReadSome(std::chrono::milliseconds(100))) return std::nullopt;
    }
    HttpResponse r;
    const std::string head = buffer_.substr(0, end);
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    r.version = status_line.substr(0, status_line.find(' '));
    r.status = std::atoi(status_line.c_str() + status_line.find(' ') + 1);
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    buffer_.erase(0, end + 4);
    size_t length = 0;
    if (!head_request && r.status != 304 && r.Has("content-length"))
      length = std::stoul(r.Header("content-length"));
    while (buffer_.size() < length) {
      if (Clock::now() > deadline || !ReadSome(std::chrono::milliseconds(100))) return std::nullopt;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  int fd() const { return fd_; }
  std::string& buffer() { return buffer_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

struct DaemonOptions {
  std::vector<std::string> env;      // "NAME=value" for the child
  std::vector<std::string> wrapper;  // a command that runs feedd (systemd-socket-activate ...)
  bool listen = true;                // pass --listen 127.0.0.1:0
  bool wait_for_port = true;
  bool debug_log = true;             // pass --log-level debug
  // The daemon runs as another user (a wrapper such as setpriv): its port file's
  // folder is writable by everyone.
  bool other_user = false;
  std::filesystem::path cwd;  // the daemon's working folder; empty: the test's
};

// The daemon as a child process, logging to a file; stopped with SIGTERM.
class Daemon {
 public:
  Daemon(const std::filesystem::path& input, std::vector<std::string> extra = {},
         DaemonOptions options = {})
      : log_(dir_.path() / "feedd.log") {
    const std::string port_file = (dir_.path() / "port").string();
    if (options.other_user) std::filesystem::permissions(dir_.path(), std::filesystem::perms::all);
    std::vector<std::string> args = options.wrapper;
    args.push_back(FEEDD_BINARY);
    if (!input.empty()) args.insert(args.end(), {"--input", input.string()});
    if (options.listen) args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    args.insert(args.end(), {"--port-file", port_file});
    if (options.debug_log) args.insert(args.end(), {"--log-level", "debug"});
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      // If the test binary dies (a crash, a ctest timeout), its daemon goes with it.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      for (const std::string& e : options.env) ::putenv(const_cast<char*>(e.c_str()));
      if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(126);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    if (!options.wait_for_port) return;
    WaitUntil([&] {
      const std::string p = ReadFile(port_file);
      if (p.empty() || p.back() != '\n') return false;
      port_ = std::atoi(p.c_str());
      return true;
    });
    // feedd serves from the moment it listens; the feeds are complete once /healthz
    // no longer says "starting" (the first snapshot is made).
    if (port_ > 0) {
      WaitUntil([&] {
        std::optional<HttpResponse> r = Get("/healthz");
        if (!r) return false;
        return r->body.find("\"status\":\"starting\"") == std::string::npos;
      }, std::chrono::seconds(30));
    }
  }
  ~Daemon() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  int port() const { return port_; }
  // With wait_for_port = false: reads the port file once; true, and port() set, when
  // the daemon has written it.
  bool ReadPortFile() {
    const std::string p = ReadFile(dir_.path() / "port");
    if (p.empty() || p.back() != '\n') return false;
    port_ = std::atoi(p.c_str());
    return true;
  }
  std::filesystem::path log_path() const { return log_; }
  pid_t pid() const { return pid_; }
  std::string Log() const { return ReadFile(log_); }
  size_t CountInLog(const std::string& needle) const {
    const std::string log = Log();
    size_t n = 0;
    for (size_t pos = 0; (pos = log.find(needle, pos)) != std::string::npos; pos += needle.size()) ++n;
    return n;
  }

  // Sends SIGTERM and waits (bounded) for the exit status; -1 if it did not exit.
  int Stop(std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    ::kill(pid_, SIGTERM);
    return Wait(timeout);
  }
  int Wait(std::chrono::milliseconds timeout) {
    int status = 0;
    const bool done = WaitUntil([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!done) return -1;
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // One request on a fresh connection.
  std::optional<HttpResponse> Get(const std::string& target,
                                  const std::vector<std::string>& headers = {},
                                  const std::string& method = "GET") const {
    Connection c(port_);
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const std::string& h : headers) req += h + "\r\n";
    c.Send(req + "\r\n");
    return c.ReadResponse(method == "HEAD");
  }
  std::string Body(const std::string& target) const {
    std::optional<HttpResponse> r = Get(target);
    return r && r->status == 200 ? r->body : "";
  }

 private:
  TempDir dir_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_ = false;
};

// The gzip body a server sent, decoded; "<gunzip failed>" when it is not gzip.
// The bytes a brotli stream decodes to, or "<brotli decoding failed>".
inline std::string Unbrotli(const std::string& data) {
  BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  std::string out;
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(data.data());
  size_t avail_in = data.size();
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    uint8_t buf[65536];
    uint8_t* next_out = buf;
    size_t avail_out = sizeof buf;
    rc = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.append(reinterpret_cast<char*>(buf), sizeof buf - avail_out);
  }
  BrotliDecoderDestroyInstance(s);
  return rc == BROTLI_DECODER_RESULT_SUCCESS && avail_in == 0 ? out : "<brotli decoding failed>";
}

inline std::string Gunzip(const std::string& data) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out;
  char buf[65536];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "<gunzip failed>";
}

inline size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = 0; (pos = haystack.find(needle, pos)) != std::string::npos; pos += needle.size()) ++n;
  return n;
}

// Writes a file in place (open, write, close): the daemon sees IN_CLOSE_WRITE.
inline void Drop(const std::filesystem::path& path, const std::string& text) { WriteFile(path, text); }

// Writes to a temporary name in the same folder, then renames: IN_MOVED_TO.
inline void DropByRename(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  WriteFile(tmp, text);
  std::filesystem::rename(tmp, path);
}

}  // namespace feedd::testing
