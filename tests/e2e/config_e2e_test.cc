// Hostile configuration files through the real binary (issue 9): every reproducer
// of a toml++ 3.3.0 fault, and every string XML cannot hold, makes
// `feedd --check-config` exit 78 with FILE:LINE:COLUMN; a daemon sent SIGHUP with
// such a file keeps serving with the configuration it had.
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using testing::Daemon;
using testing::TempDir;
using testing::WaitUntil;
using testing::WriteFile;
namespace fs = std::filesystem;

struct Bad {
  std::string text;
  std::string error;  // after "FILE:"
};

const Bad kBadFiles[] = {
    {"[[[a]]]\n", "1:3: expected a table name after '[[', saw '['"},
    {"title = \"x\"\n[[=\n", "2:3: expected a table name after '[[', saw '='"},
    {"limit = 5\xC3\xA9\n",
     "1:10: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = true\xE3\x80\x81\n",
     "1:13: U+3001 outside a string or comment (TOML allows only ASCII there)"},
    {"description = \"\"\"\\\n\xC2\xA7\"\"\"\n",
     "2:1: a line continued with a backslash must go on with an ASCII character, not U+00A7 "
     "(toml++ 3.3 cannot read it): write it on the previous line"},
    {"title = \"\xFF\"\n", "1:10: not valid UTF-8"},
    {"title = \"Feed \\u0001 title\"\n", "1:9: title: contains U+0001 (a control character)"},
    {"author = \"\\uFFFE\"\n", "1:10: author: contains U+FFFE (not a character)"},
    {"[[feed]]\nprefix = \"/a\"\ninput = \"x\"\ntitle = \"\\u0085\"\n",
     "4:9: feed.title: contains U+0085 (a control character)"},
};

struct RunResult {
  int exit_code;
  std::string out;
};

RunResult RunFeedd(const TempDir& dir, const std::string& args) {
  const std::string out = (dir.path() / "out").string();
  const std::string cmd = std::string(FEEDD_BINARY) + " " + args + " >" + out + " 2>&1";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), testing::ReadFile(out)};
}

TEST(ConfigE2eTest, CheckConfigRefusesEveryHostileFileWithFileLineColumn) {
  TempDir conf;
  const fs::path bad = conf.path() / "bad.toml";
  for (const Bad& b : kBadFiles) {
    WriteFile(bad, b.text);
    const RunResult r = RunFeedd(conf, "--check-config --config " + bad.string());
    EXPECT_EQ(78, r.exit_code) << b.text << r.out;
    EXPECT_EQ("feedd: " + bad.string() + ":" + b.error + "\n", r.out) << b.text;
  }
}

TEST(ConfigE2eTest, CommandLineStringsAreCheckedToo) {
  TempDir dir;
  const RunResult title = RunFeedd(dir, "--check-config --title \"$(printf 'Feed \\001 title')\"");
  EXPECT_EQ(78, title.exit_code) << title.out;
  EXPECT_EQ("feedd: --title: contains U+0001 (a control character)\n", title.out);
  const RunResult url = RunFeedd(dir, "--check-config --base-url \"$(printf 'http://a/\\377')\"");
  EXPECT_EQ(78, url.exit_code) << url.out;
  EXPECT_EQ("feedd: --base-url: is not valid UTF-8 (byte 10)\n", url.out);
  const RunResult ok =
      RunFeedd(dir, "--check-config --title 'Caf\xC3\xA9' --description \"$(printf 'a\\tb')\"");
  EXPECT_EQ(0, ok.exit_code) << ok.out;
}

TEST(ConfigE2eTest, ReloadWithAHostileFileKeepsServingTheOldConfiguration) {
  TempDir in, conf;
  WriteFile(in.path() / "a.txt", "Story\n\nA body of text.\n");
  const fs::path file = conf.path() / "feedd.toml";
  WriteFile(file, "title = \"Good Title\"\n");
  Daemon d(in.path(), {"--config", file.string()});
  ASSERT_GT(d.port(), 0) << d.Log();
  EXPECT_NE(std::string::npos, d.Body("/rss.xml").find("<title>Good Title</title>"));
  size_t refused = 0;
  for (const Bad& b : kBadFiles) {
    WriteFile(file, b.text);
    ::kill(d.pid(), SIGHUP);
    ++refused;
    const std::string line =
        "reload: " + file.string() + ":" + b.error + "; keeping the current configuration";
    ASSERT_TRUE(WaitUntil([&] { return d.Log().find(line) != std::string::npos; }))
        << b.text << d.Log();
    EXPECT_NE(std::string::npos, d.Body("/rss.xml").find("<title>Good Title</title>"));
  }
  EXPECT_EQ(sizeof kBadFiles / sizeof kBadFiles[0], refused);
  // A good file is still taken afterwards.
  WriteFile(file, "title = \"Caf\xC3\xA9 Title\"\n");
  ::kill(d.pid(), SIGHUP);
  EXPECT_TRUE(WaitUntil([&] {
    return d.Body("/rss.xml").find("<title>Caf\xC3\xA9 Title</title>") != std::string::npos;
  })) << d.Log();
  EXPECT_EQ(0, d.Stop());
}

// trusted_proxies changes on reload (SIGHUP): connections accepted after it use
// the new list.
TEST(ConfigE2eTest, ReloadChangesTheTrustedProxies) {
  TempDir in, conf;
  WriteFile(in.path() / "a.txt", "Story\n\nA body of text.\n");
  const fs::path file = conf.path() / "feedd.toml";
  WriteFile(file, "access_log = true\ntrusted_proxies = []\n");
  Daemon d(in.path(), {"--config", file.string()});
  ASSERT_GT(d.port(), 0) << d.Log();
  // The access log line of the request that sent User-Agent `agent` names `client`.
  auto logged = [&](const std::string& client, const std::string& agent) {
    const std::string line = "[info] " + client + " - - [";
    return WaitUntil([&] {
      const std::string log = d.Log();
      const size_t at = log.find("\"" + agent + "\"\n");
      const size_t start = at == std::string::npos ? 0 : log.rfind('\n', at) + 1;
      return at != std::string::npos && log.find(line, start) < at;
    });
  };
  ASSERT_EQ(200, d.Get("/rss.xml", {"X-Forwarded-For: 203.0.113.7", "User-Agent: before"})->status);
  EXPECT_TRUE(logged("127.0.0.1", "before")) << d.Log();
  WriteFile(file, "access_log = true\ntrusted_proxies = [\"127.0.0.1\"]\n");
  ::kill(d.pid(), SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return d.Log().find("reloaded the configuration") != std::string::npos; }))
      << d.Log();
  ASSERT_EQ(200, d.Get("/rss.xml", {"X-Forwarded-For: 203.0.113.7", "User-Agent: after"})->status);
  EXPECT_TRUE(logged("203.0.113.7", "after")) << d.Log();
  EXPECT_EQ(0, d.Stop());
}

// "/Blog" and "/blog" would share state-blog.db: the binary refuses to start, with
// exit status 78 and the place of the second [[feed]] on stderr, and so does
// --check-config.
TEST(ConfigE2eTest, FeedPrefixesThatShareAStateFileStopTheStart) {
  TempDir conf, state, a, b;
  const fs::path file = conf.path() / "feedd.toml";
  WriteFile(file, "state_dir = \"" + state.path().string() +
                      "\"\n\n[[feed]]\nprefix = \"/Blog\"\ninput = \"" + a.path().string() +
                      "\"\n\n[[feed]]\nprefix = \"/blog\"\ninput = \"" + b.path().string() +
                      "\"\n");
  const std::string error = "feedd: " + file.string() +
                            ":7:1: feed.prefix: \"/blog\" and \"/Blog\" (line 3) would share the "
                            "state file state-blog.db; make them differ in more than letter case "
                            "and punctuation\n";
  const RunResult check = RunFeedd(conf, "--check-config --config " + file.string());
  EXPECT_EQ(78, check.exit_code) << check.out;
  EXPECT_EQ(error, check.out);

  testing::DaemonOptions options;
  options.wait_for_port = false;
  options.debug_log = false;
  Daemon d({}, {"--config", file.string()}, options);
  EXPECT_EQ(78, d.Wait(std::chrono::seconds(10))) << d.Log();
  EXPECT_NE(std::string::npos, d.Log().find(error)) << d.Log();
  EXPECT_FALSE(fs::exists(state.path() / "state-blog.db"));
}

}  // namespace
}  // namespace feedd
