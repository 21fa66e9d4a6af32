// The systemd side of the daemon through the real binary: the notify protocol,
// socket activation by systemd's own tool, reload with SIGHUP, the configuration
// file, the output folder and journald's log format.
#include <sys/socket.h>
#include <sys/un.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <thread>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using namespace std::chrono_literals;
using testing::Connection;
using testing::Count;
using testing::Daemon;
using testing::DaemonOptions;
using testing::HttpResponse;
using testing::TempDir;
using testing::WaitUntil;
using testing::WriteFile;
namespace fs = std::filesystem;

// A notify socket like systemd's: a Unix datagram socket the test reads.
class NotifySocket {
 public:
  NotifySocket() {
    path_ = (dir_.path() / "notify").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  ~NotifySocket() { ::close(fd_); }
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }

  // Every message received so far, in order.
  const std::vector<std::string>& Poll() {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) messages_.emplace_back(buf, static_cast<size_t>(n));
    return messages_;
  }
  size_t CountStartingWith(const std::string& prefix) {
    size_t c = 0;
    for (const std::string& m : Poll()) c += m.rfind(prefix, 0) == 0;
    return c;
  }
  // Index of the first message at or after `from` starting with `prefix`, or npos.
  size_t Find(const std::string& prefix, size_t from = 0) {
    const std::vector<std::string>& all = Poll();
    for (size_t i = from; i < all.size(); ++i) {
      if (all[i].rfind(prefix, 0) == 0) return i;
    }
    return std::string::npos;
  }

 private:
  TempDir dir_;
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

std::string Article(const std::string& title) { return "Title: " + title + "\n\nBody text.\n"; }

TEST(SystemdTest, NotifyReadyWatchdogReloadStopping) {
  TempDir in;
  for (int i = 0; i < 3; ++i) WriteFile(in.path() / ("a" + std::to_string(i) + ".txt"), Article("A" + std::to_string(i)));
  NotifySocket notify;
  DaemonOptions opts;
  opts.env = {notify.env(), "WATCHDOG_USEC=200000"};
  Daemon d(in.path(), {}, opts);
  ASSERT_GT(d.port(), 0) << d.Log();
  ASSERT_TRUE(WaitUntil([&] { return notify.Find("READY=1") != std::string::npos; }));
  // READY comes after the first scan is rendered: its STATUS came first.
  const size_t ready = notify.Find("READY=1");
  const size_t status = notify.Find("STATUS=serving 3 articles");
  ASSERT_NE(std::string::npos, status) << d.Log();
  EXPECT_LT(status, ready);
  EXPECT_EQ(3u, Count(d.Body("/rss.xml"), "<item>"));
  // WATCHDOG=1 at half the interval (100 ms), from the serving loops.
  EXPECT_TRUE(WaitUntil([&] { return notify.CountStartingWith("WATCHDOG=1") >= 4; }, 5s));

  ::kill(d.pid(), SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return notify.Find("RELOADING=1", ready + 1) != std::string::npos; }));
  const size_t reloading = notify.Find("RELOADING=1", ready + 1);
  EXPECT_NE(std::string::npos, notify.Poll()[reloading].find("\nMONOTONIC_USEC="));
  EXPECT_TRUE(WaitUntil([&] { return notify.Find("READY=1", reloading + 1) != std::string::npos; }));

  EXPECT_EQ(0, d.Stop());
  EXPECT_NE(std::string::npos, notify.Find("STOPPING=1", reloading + 1));
}

// md4c spends seconds on this (unclosed link destinations across lines).
std::string SlowMarkdown() {
  std::string s;
  for (int i = 0; i < 300000; ++i) s += "]([\n";
  return s;
}

// The watchdog covers the ingest thread too: while it stands still (here waiting on
// a parse that does not end), systemd hears no WATCHDOG=1 though the serving loops
// answer; the parse is abandoned at its bound, with a warning, and the pings come
// back.
TEST(SystemdTest, AnIngestThreadStandingStillWithholdsTheWatchdogUntilTheParseIsAbandoned) {
  TempDir in;
  WriteFile(in.path() / "first.txt", Article("First"));
  NotifySocket notify;
  DaemonOptions opts;
  opts.env = {notify.env(), "WATCHDOG_USEC=400000"};
  Daemon d(in.path(), {"--parse-timeout", "3s"}, opts);
  ASSERT_GT(d.port(), 0) << d.Log();
  ASSERT_TRUE(WaitUntil([&] { return notify.CountStartingWith("WATCHDOG=1") >= 3; }, 5s));
  WriteFile(in.path() / "slow.md", SlowMarkdown());
  ASSERT_TRUE(WaitUntil([&] { return d.CountInLog("the ingest thread has not moved") == 1; }, 3s))
      << d.Log();
  const size_t pings = notify.CountStartingWith("WATCHDOG=1");
  std::this_thread::sleep_for(1s);  // five rounds: none pinged
  EXPECT_EQ(pings, notify.CountStartingWith("WATCHDOG=1"));
  EXPECT_EQ(200, d.Get("/rss.xml")->status);  // the serving threads still answer
  // At the bound the parse is given up with a warning, and the pings resume.
  ASSERT_TRUE(WaitUntil([&] { return d.CountInLog("parsing took longer than 3 s") == 1; }, 5s))
      << d.Log();
  EXPECT_TRUE(WaitUntil([&] { return notify.CountStartingWith("WATCHDOG=1") >= pings + 3; }, 5s));
  EXPECT_EQ(1u, d.CountInLog("the ingest thread moves again"));
  WriteFile(in.path() / "second.txt", Article("Second"));
  EXPECT_TRUE(WaitUntil([&] { return Count(d.Body("/rss.xml"), "<item>") == 2; }));
  EXPECT_EQ(0, d.Stop());
}

TEST(SystemdTest, AbstractNotifySocketNameIsAccepted) {
  // "@name" is an abstract socket: the test listens on one and sees READY=1.
  const std::string name = "feedd-test-" + std::to_string(::getpid());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  ASSERT_EQ(0, ::bind(fd, reinterpret_cast<sockaddr*>(&addr),
                      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())));
  TempDir in;
  DaemonOptions opts;
  opts.env = {"NOTIFY_SOCKET=@" + name};
  Daemon d(in.path(), {}, opts);
  std::string got;
  EXPECT_TRUE(WaitUntil([&] {
    char buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) got.append(buf, static_cast<size_t>(n)).push_back('|');
    return got.find("READY=1") != std::string::npos;
  }));
  ::close(fd);
  EXPECT_EQ(0, d.Stop());
}

TEST(SystemdTest, SocketActivationThroughSystemdSocketActivate) {
  if (::system("command -v systemd-socket-activate >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "systemd-socket-activate is not installed (Debian's systemd package)";
  // A free port: bind, read it, release it for the tool to bind.
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  ::close(probe);

  TempDir in;
  WriteFile(in.path() / "a.txt", Article("Activated"));
  DaemonOptions opts;
  opts.wrapper = {"systemd-socket-activate", "-l", "127.0.0.1:" + std::to_string(port), "--fdname=web"};
  opts.listen = false;
  opts.wait_for_port = false;
  Daemon d(in.path(), {}, opts);
  // The tool binds and waits for a first connection before it starts feedd.
  std::optional<HttpResponse> r;
  ASSERT_TRUE(WaitUntil([&] {
    Connection c(port);
    if (!c.connected()) return false;
    c.Send("GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n");
    r = c.ReadResponse();
    return r.has_value();
  }));
  EXPECT_EQ(200, r->status);
  EXPECT_NE(std::string::npos, r->body.find("Activated"));
  EXPECT_TRUE(WaitUntil([&] { return d.Log().find("(socket web from systemd)") != std::string::npos; })) << d.Log();
  EXPECT_NE(std::string::npos, d.Log().find("listening on 127.0.0.1:" + std::to_string(port)));
  EXPECT_EQ(0, d.Stop());
}

TEST(SystemdTest, ReloadKeepsConnectionsAndRejectsABrokenFile) {
  TempDir in, conf;
  WriteFile(in.path() / "a.txt", Article("Story"));
  const fs::path file = conf.path() / "feedd.toml";
  WriteFile(file, "title = \"Old Title\"\nlog_level = \"info\"\n");
  // The flags given at start stay in force across reloads (they override the file).
  Daemon d(in.path(), {"--config", file.string(), "--log-level", "info"});
  ASSERT_GT(d.port(), 0) << d.Log();
  Connection keep(d.port());
  auto get = [&] {
    keep.Send("GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n");
    std::optional<HttpResponse> r = keep.ReadResponse();
    return r ? r->body : "";
  };
  EXPECT_NE(std::string::npos, get().find("<title>Old Title</title>"));

  WriteFile(file, "title = \"New Title\"\ncache_max_age = 42\n");
  ::kill(d.pid(), SIGHUP);
  EXPECT_TRUE(WaitUntil([&] { return get().find("<title>New Title</title>") != std::string::npos; }));
  EXPECT_TRUE(WaitUntil([&] { return d.Log().find("reloaded the configuration") != std::string::npos; }));
  EXPECT_EQ("max-age=42", d.Get("/rss.xml")->Header("cache-control"));

  WriteFile(file, "title = \"Broken\nlimit = \"many\"\n");
  ::kill(d.pid(), SIGHUP);
  EXPECT_TRUE(WaitUntil([&] { return d.Log().find("; keeping the current configuration") != std::string::npos; }));
  EXPECT_NE(std::string::npos, d.Log().find("reload: " + file.string() + ":1:"));
  EXPECT_NE(std::string::npos, get().find("<title>New Title</title>"));  // the same connection
  EXPECT_EQ(0, d.Stop());
}

TEST(SystemdTest, ReloadChangesTheLogLevelAndTheFolder) {
  TempDir a, b, conf;
  WriteFile(a.path() / "a.txt", Article("From A"));
  WriteFile(b.path() / "b.txt", Article("From B"));
  const fs::path file = conf.path() / "feedd.toml";
  WriteFile(file, "input = \"" + a.path().string() + "\"\nlog_level = \"warn\"\n");
  DaemonOptions opts;
  opts.debug_log = false;  // the level comes from the file
  Daemon d({}, {"--config", file.string()}, opts);
  ASSERT_GT(d.port(), 0) << d.Log();
  EXPECT_NE(std::string::npos, d.Body("/rss.xml").find("From A"));
  EXPECT_EQ(std::string::npos, d.Log().find("\"GET /rss.xml\""));  // no access log at warn

  WriteFile(file, "input = \"" + b.path().string() + "\"\nlog_level = \"debug\"\n");
  ::kill(d.pid(), SIGHUP);
  EXPECT_TRUE(WaitUntil([&] {
    const std::string rss = d.Body("/rss.xml");
    return rss.find("From B") != std::string::npos && rss.find("From A") == std::string::npos;
  }));
  EXPECT_NE(std::string::npos, d.Log().find("now watching " + b.path().string()));
  EXPECT_TRUE(WaitUntil([&] { return d.Log().find("\"GET /rss.xml\" 200") != std::string::npos; }));
  WriteFile(b.path() / "c.txt", Article("Dropped After Reload"));
  EXPECT_TRUE(WaitUntil([&] { return d.Body("/rss.xml").find("Dropped After Reload") != std::string::npos; }));
  EXPECT_EQ(0, d.Stop());
}

TEST(SystemdTest, OutputFolderGetsTheSameBytes) {
  TempDir in, out;
  WriteFile(in.path() / "a.txt", Article("Copied Out"));
  Daemon d(in.path(), {"--output", out.path().string()});
  ASSERT_TRUE(WaitUntil([&] {
    return fs::exists(out.path() / "atom.xml.gz") && fs::exists(out.path() / "rss.xml.gz");
  }));
  EXPECT_EQ(d.Body("/rss.xml"), testing::ReadFile(out.path() / "rss.xml"));
  EXPECT_EQ(d.Body("/atom.xml"), testing::ReadFile(out.path() / "atom.xml"));
  WriteFile(in.path() / "b.txt", Article("Second One"));
  EXPECT_TRUE(WaitUntil([&] { return testing::ReadFile(out.path() / "rss.xml").find("Second One") != std::string::npos; }));
  Connection c(d.port());
  c.Send("GET /rss.xml HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
  std::optional<HttpResponse> gz = c.ReadResponse();
  ASSERT_TRUE(gz);
  EXPECT_TRUE(WaitUntil([&] { return testing::ReadFile(out.path() / "rss.xml.gz") == gz->body; }));
  // Once the writes settle, no temporary file is left behind.
  std::vector<std::string> names;
  EXPECT_TRUE(WaitUntil([&] {
    names.clear();
    for (const auto& e : fs::directory_iterator(out.path())) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    // The whole site (issue 10): the feeds, the index, the article pages, each with
    // its gzip twin, and the brotli twins of the hot ones once made.
    return names == std::vector<std::string>{"articles",      "atom.xml",     "atom.xml.br",
                                             "atom.xml.gz",   "feed.json",    "feed.json.br",
                                             "feed.json.gz",  "index.html",   "index.html.br",
                                             "index.html.gz", "rss.xml",      "rss.xml.br",
                                             "rss.xml.gz"};
  })) << ::testing::PrintToString(names);
  EXPECT_EQ(0, d.Stop());
}

TEST(SystemdTest, JournalStreamGetsPriorityPrefixes) {
  TempDir in;
  WriteFile(in.path() / "bad.txt", std::string(100, '\0'));
  // A shell sets JOURNAL_STREAM to its stderr's device and inode (the harness's log
  // file), then becomes feedd: stderr "is" the journal.
  DaemonOptions opts;
  opts.wrapper = {"/bin/sh", "-c", "export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); exec \"$0\" \"$@\""};
  Daemon d(in.path(), {}, opts);
  ASSERT_GT(d.port(), 0) << d.Log();
  EXPECT_EQ(200, d.Get("/rss.xml")->status);  // a debug-level access log line
  EXPECT_EQ(0, d.Stop());
  const std::string log = d.Log();
  EXPECT_EQ(0u, log.rfind("<6>listening on 127.0.0.1:", 0)) << log;
  EXPECT_NE(std::string::npos, log.find("\n<4>skipping bad.txt: binary data, not text\n")) << log;
  EXPECT_NE(std::string::npos, log.find("\n<7>")) << log;
  EXPECT_EQ(std::string::npos, log.find(" [info] ")) << log;
}

TEST(SystemdTest, CheckConfig) {
  TempDir conf;
  const fs::path good = conf.path() / "good.toml";
  WriteFile(good, "title = \"Fine\"\n");
  const std::string feedd = FEEDD_BINARY;
  auto run = [&](const std::string& args, std::string* out) {
    const std::string cmd = feedd + " " + args + " >" + (conf.path() / "out").string() + " 2>&1";
    const int status = std::system(cmd.c_str());
    *out = testing::ReadFile(conf.path() / "out");
    return WEXITSTATUS(status);
  };
  std::string out;
  EXPECT_EQ(0, run("--check-config --config " + good.string(), &out));
  EXPECT_EQ(good.string() + ": ok\n", out);
  const fs::path bad = conf.path() / "bad.toml";
  WriteFile(bad, "title = \"x\"\n[limits]\nidle_timeout = \"forever\"\n");
  EXPECT_EQ(78, run("--check-config --config " + bad.string(), &out));
  EXPECT_EQ("feedd: " + bad.string() +
                ":3:16: limits.idle_timeout: \"forever\" is not a duration (like 10s, 500ms, 2m; "
                "at most a day)\n",
            out);
  // The daemon refuses to start with the same message and code.
  EXPECT_EQ(78, run("--config " + bad.string() + " --listen 127.0.0.1:0", &out));
  EXPECT_NE(std::string::npos, out.find(":3:16: limits.idle_timeout:"));
  EXPECT_EQ(0, run("--check-config --config " + (testing::SourceDir() / "config" / "feedd.example.toml").string(), &out));
}

}  // namespace
}  // namespace feedd
