#include "daemon/cli.h"

#include <gtest/gtest.h>

namespace feedd::daemon {
namespace {

struct Outcome {
  std::optional<Invocation> inv;
  std::string err;
  int code = 0;
};

Outcome Parse(std::vector<std::string> args) {
  Outcome o;
  o.inv = ParseCommandLine(args, &o.err, &o.code);
  return o;
}

TEST(CliTest, Render) {
  Outcome o = Parse({"render", "--input", "in", "--output=out", "--base-url", "https://ex.org/",
                     "--title", "T", "--limit", "7", "--max-article-size", "1M", "--language",
                     "fa", "--author", "A", "--description", "D", "--log-level", "debug"});
  ASSERT_TRUE(o.inv) << o.err;
  EXPECT_EQ(Command::kRender, o.inv->command);
  const config::Config& c = o.inv->config;
  EXPECT_EQ("in", c.input_dir);
  EXPECT_EQ("out", c.output_dir);
  EXPECT_EQ("https://ex.org", c.base_url);
  EXPECT_EQ("T", c.title);
  EXPECT_EQ(7u, c.limit);
  EXPECT_EQ(1048576u, c.max_article_bytes);
  EXPECT_EQ("fa", c.language);
  EXPECT_EQ("A", c.author);
  EXPECT_EQ("D", c.description);
  EXPECT_EQ("debug", o.inv->log_level);
}

TEST(CliTest, Defaults) {
  Outcome o = Parse({"render", "--input", "i", "--output", "o", "--base-url", "http://h"});
  ASSERT_TRUE(o.inv) << o.err;
  EXPECT_EQ(50u, o.inv->config.limit);
  EXPECT_EQ(10u * 1024 * 1024, o.inv->config.max_article_bytes);
  EXPECT_EQ("feedd", o.inv->config.title);
}

TEST(CliTest, Daemon) {
  Outcome none = Parse({});
  ASSERT_TRUE(none.inv) << none.err;
  EXPECT_EQ(Command::kServe, none.inv->command);
  EXPECT_EQ("articles", none.inv->config.input_dir);
  EXPECT_EQ("127.0.0.1", none.inv->config.listen_host);
  EXPECT_EQ(8080, none.inv->config.listen_port);
  EXPECT_FALSE(none.inv->config.base_url_set);
  Outcome o = Parse({"--listen", "[::1]:0", "--port-file", "p", "--threads", "4",
                     "--cache-max-age", "60", "--header-timeout", "500ms", "--idle-timeout", "2m",
                     "--max-connections", "10", "--input", "in"});
  ASSERT_TRUE(o.inv) << o.err;
  const config::Config& c = o.inv->config;
  EXPECT_EQ("::1", c.listen_host);
  EXPECT_EQ(0, c.listen_port);
  EXPECT_EQ("p", c.port_file);
  EXPECT_EQ(4u, c.threads);
  EXPECT_EQ(60, c.cache_max_age);
  EXPECT_EQ(500, c.header_timeout_ms);
  EXPECT_EQ(120000, c.idle_timeout_ms);
  EXPECT_EQ(10u, c.max_connections);
}

TEST(CliTest, HelpAndVersion) {
  EXPECT_EQ(Command::kHelp, Parse({"--help"}).inv->command);
  EXPECT_EQ(Command::kHelp, Parse({"render", "-h"}).inv->command);
  EXPECT_EQ(Command::kVersion, Parse({"--version"}).inv->command);
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
      {{"render", "--listen", "1.2.3.4:5"}, "--listen is not an option of render (try --help)",
       kExitUsage},
      {{"--output", "o"}, "--output is not an option of the daemon (try --help)", kExitUsage},
      {{"--listen", "localhost"}, "--listen: \"localhost\" is not ADDRESS:PORT", kExitConfig},
      {{"--listen", "1.2.3.4:70000"},
       "--listen: \"1.2.3.4:70000\" is not ADDRESS:PORT (port 0 to 65535)", kExitConfig},
      {{"--idle-timeout", "soon"},
       "--idle-timeout: \"soon\" is not a duration (like 10s, 500ms, 2m; at most a day)",
       kExitConfig},
      {{"--threads", "0"}, "--threads: \"0\" is not a whole number from 1 to 256", kExitConfig},
      {{"render", "--output", "o", "--base-url", "http://h"}, "render needs --input", kExitUsage},
      {{"render", "--base-url", "example.org"},
       "--base-url: \"example.org\" is not an http:// or https:// URL", kExitConfig},
      {{"render", "--limit", "0"}, "--limit: \"0\" is not a whole number from 1 to 100000",
       kExitConfig},
      {{"render", "--log-level", "loud"},
       "--log-level: \"loud\" is not one of trace, debug, info, warn, error, critical, off",
       kExitConfig},
      {{"render", "--language", "en us"}, "--language: \"en us\" is not a language tag",
       kExitConfig},
  };
  for (const Case& c : cases) {
    Outcome o = Parse(c.args);
    EXPECT_FALSE(o.inv);
    EXPECT_EQ(c.error, o.err);
    EXPECT_EQ(c.code, o.code) << c.error;
  }
}

}  // namespace
}  // namespace feedd::daemon
