#include "daemon/cli.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace feedd::daemon {
namespace {

struct Outcome {
  std::optional<config::Config> config;
  Command command = Command::kHelp;
  std::string err;
  int code = 0;
};

Outcome Parse(std::vector<std::string> args) {
  Outcome o;
  std::optional<Invocation> inv = ParseCommandLine(args, &o.err, &o.code);
  if (!inv) return o;
  o.command = inv->command;
  if (inv->command == Command::kHelp || inv->command == Command::kVersion) return o;
  o.config = BuildConfig(*inv, &o.err, &o.code);
  return o;
}

TEST(CliTest, Render) {
  Outcome o = Parse({"render", "--input", "in", "--output=out", "--base-url", "https://ex.org/",
                     "--title", "T", "--limit", "7", "--max-article-size", "1M", "--language",
                     "fa", "--author", "A", "--description", "D", "--log-level", "debug"});
  ASSERT_TRUE(o.config) << o.err;
  EXPECT_EQ(Command::kRender, o.command);
  const config::Config& c = *o.config;
  EXPECT_EQ("in", c.input_dir);
  EXPECT_EQ("out", c.output_dir);
  EXPECT_EQ("https://ex.org", c.base_url);
  EXPECT_EQ("T", c.title);
  EXPECT_EQ(7u, c.limit);
  EXPECT_EQ(1048576u, c.max_article_bytes);
  EXPECT_EQ("fa", c.language);
  EXPECT_EQ("A", c.author);
  EXPECT_EQ("D", c.description);
  EXPECT_EQ("debug", c.log_level);
}

TEST(CliTest, Daemon) {
  Outcome none = Parse({});
  ASSERT_TRUE(none.config) << none.err;
  EXPECT_EQ(Command::kServe, none.command);
  EXPECT_EQ("articles", none.config->input_dir);
  EXPECT_EQ((std::vector<config::ListenAddress>{{"127.0.0.1", 8080}}), none.config->listen);
  EXPECT_FALSE(none.config->base_url_set);
  EXPECT_EQ(50u, none.config->limit);
  EXPECT_EQ(10u * 1024 * 1024, none.config->max_article_bytes);
  testing::TempDir out;
  Outcome o = Parse({"--listen", "[::1]:0", "--listen", "127.0.0.1:9", "--port-file", "p",
                     "--threads", "4", "--cache-max-age", "60", "--header-timeout", "500ms",
                     "--idle-timeout", "2m", "--max-connections", "10", "--input", "in",
                     "--output", out.path().string(), "--state-dir", out.path().string()});
  ASSERT_TRUE(o.config) << o.err;
  const config::Config& c = *o.config;
  EXPECT_EQ((std::vector<config::ListenAddress>{{"::1", 0}, {"127.0.0.1", 9}}), c.listen);
  EXPECT_EQ("p", c.port_file);
  EXPECT_EQ(4u, c.threads);
  EXPECT_EQ(60, c.cache_max_age);
  EXPECT_EQ(500, c.header_timeout_ms);
  EXPECT_EQ(120000, c.idle_timeout_ms);
  EXPECT_EQ(10u, c.max_connections);
  EXPECT_EQ(out.path().string(), c.output_dir);
  EXPECT_EQ(out.path().string(), c.state_dir);
  EXPECT_EQ(Command::kCheckConfig, Parse({"--check-config"}).command);
}

TEST(CliTest, LimitsAndSwitches) {
  Outcome o = Parse({"--access-log", "--metrics-public", "--metrics-listen", "127.0.0.1:9101",
                     "--max-connections-per-client", "0", "--write-timeout", "5s",
                     "--max-content-size", "100K", "--max-feed-size", "2M", "--parse-timeout",
                     "250ms"});
  ASSERT_TRUE(o.config) << o.err;
  const config::Config& c = *o.config;
  EXPECT_TRUE(c.access_log);
  EXPECT_TRUE(c.metrics_public);
  EXPECT_EQ((config::ListenAddress{"127.0.0.1", 9101}), c.metrics_listen.value());
  EXPECT_EQ(0u, c.max_connections_per_client);
  EXPECT_EQ(5000, c.write_timeout_ms);
  EXPECT_EQ(100u * 1024, c.max_content_bytes);
  EXPECT_EQ(2u * 1024 * 1024, c.max_feed_bytes);
  EXPECT_EQ(250, c.parse_timeout_ms);
  Outcome off = Parse({"--access-log=false"});
  ASSERT_TRUE(off.config) << off.err;
  EXPECT_FALSE(off.config->access_log);
  Outcome bad = Parse({"--access-log=maybe"});
  EXPECT_FALSE(bad.config);
  EXPECT_EQ("--access-log: \"maybe\" is not true or false", bad.err);
  Outcome proxies = Parse({"--trusted-proxies", "10.0.0.0/8, 192.0.2.1"});
  ASSERT_TRUE(proxies.config) << proxies.err;
  ASSERT_EQ(2u, proxies.config->trusted_proxies.size());
  EXPECT_EQ("192.0.2.1", config::ToString(proxies.config->trusted_proxies[1]));
  Outcome nobody = Parse({"--trusted-proxies="});
  ASSERT_TRUE(nobody.config) << nobody.err;
  EXPECT_TRUE(nobody.config->trusted_proxies.empty());
  Outcome junk = Parse({"--trusted-proxies", "::1,proxy"});
  EXPECT_FALSE(junk.config);
  EXPECT_EQ("--trusted-proxies: \"proxy\" is not an IP address or a CIDR range (like 127.0.0.1, "
            "::1, 10.0.0.0/8)", junk.err);
  Outcome tiny = Parse({"--max-feed-size", "100"});
  EXPECT_FALSE(tiny.config);
  EXPECT_EQ("--max-feed-size: \"100\" is too small (at least 4K)", tiny.err);
}

TEST(CliTest, FlagsOverrideTheFileWhichOverridesDefaults) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "f.toml",
                     "title = \"From File\"\nlimit = 20\nlisten = [\"127.0.0.1:1\", \"127.0.0.1:2\"]\n"
                     "[limits]\nidle_timeout = 30\n");
  const std::string file = (dir.path() / "f.toml").string();
  Outcome o = Parse({"--config", file, "--limit", "5", "--listen", "127.0.0.1:3"});
  ASSERT_TRUE(o.config) << o.err;
  EXPECT_EQ("From File", o.config->title);  // file over default
  EXPECT_EQ(5u, o.config->limit);           // flag over file
  EXPECT_EQ(30000, o.config->idle_timeout_ms);
  EXPECT_EQ((std::vector<config::ListenAddress>{{"127.0.0.1", 3}}), o.config->listen);
  EXPECT_EQ(300, o.config->cache_max_age);  // default
  Outcome bad = Parse({"--config", (dir.path() / "missing.toml").string()});
  EXPECT_FALSE(bad.config);
  EXPECT_EQ(kExitConfig, bad.code);
  EXPECT_EQ((dir.path() / "missing.toml").string() + ": cannot read: No such file or directory", bad.err);
}

TEST(CliTest, HelpAndVersion) {
  EXPECT_EQ(Command::kHelp, Parse({"--help"}).command);
  EXPECT_EQ(Command::kHelp, Parse({"render", "-h"}).command);
  EXPECT_EQ(Command::kVersion, Parse({"--version"}).command);
}

TEST(CliTest, Mistakes) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
    int code;
  } cases[] = {
      {{"serve"}, "unknown command \"serve\" (try --help)", kExitUsage},
      {{"render", "--bogus", "1"}, "unknown option \"--bogus\" (try --help)", kExitUsage},
      {{"render", "--input"}, "--input: missing value", kExitUsage},
      {{"render", "--input", "i", "--output", "o"}, "render needs --base-url", kExitUsage},
      {{"render", "--base-url", "http://h"}, "render needs --output", kExitUsage},
      {{"render", "--listen", "1.2.3.4:5"}, "--listen is not an option of render (try --help)",
       kExitUsage},
      {{"render", "--check-config"}, "--check-config is not an option of render (try --help)",
       kExitUsage},
      {{"--listen", "localhost"}, "--listen: \"localhost\" is not ADDRESS:PORT", kExitConfig},
      {{"--listen", "1.2.3.4:70000"},
       "--listen: \"1.2.3.4:70000\" is not ADDRESS:PORT (port 0 to 65535)", kExitConfig},
      {{"--idle-timeout", "soon"},
       "--idle-timeout: \"soon\" is not a duration (like 10s, 500ms, 2m; at most a day)",
       kExitConfig},
      {{"--threads", "0"}, "--threads: \"0\" is not a whole number from 1 to 256", kExitConfig},
      {{"render", "--base-url", "example.org"},
       "--base-url: \"example.org\" is not an http:// or https:// URL", kExitConfig},
      {{"render", "--limit", "0"}, "--limit: \"0\" is not a whole number from 1 to 100000",
       kExitConfig},
      {{"render", "--log-level", "loud"},
       "--log-level: \"loud\" is not one of trace, debug, info, warn, error, critical, off",
       kExitConfig},
      {{"render", "--language", "en us"}, "--language: \"en us\" is not a language tag",
       kExitConfig},
      {{"--config", ""}, "--config: empty file name", kExitUsage},
      {{"--output", "/nonexistent/feedd"}, "--output: /nonexistent/feedd is not an existing folder",
       kExitConfig},
      {{"--state-dir", "/nonexistent/feedd"},
       "--state-dir: /nonexistent/feedd is not an existing folder", kExitConfig},
  };
  for (const Case& c : cases) {
    Outcome o = Parse(c.args);
    EXPECT_FALSE(o.config);
    EXPECT_EQ(c.error, o.err);
    EXPECT_EQ(c.code, o.code) << c.error;
  }
}

}  // namespace
}  // namespace feedd::daemon
