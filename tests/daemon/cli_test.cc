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
      {{}, "no command given (try --help)", kExitUsage},
      {{"serve"}, "unknown command \"serve\" (try --help)", kExitUsage},
      {{"render", "--bogus", "1"}, "unknown option \"--bogus\" (try --help)", kExitUsage},
      {{"render", "--input"}, "--input: missing value", kExitUsage},
      {{"render", "--input", "i", "--output", "o"}, "render needs --base-url", kExitUsage},
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
