#include "config/config_file.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace feedd::config {
namespace {

using testing::TempDir;
using testing::WriteFile;

// A file's text and the error it must give (after "FILE:").
struct Mistake {
  const char* text;
  std::string error;
};

template <size_t N>
void ExpectMistakes(const std::string& f, const Mistake (&cases)[N]) {
  for (const Mistake& c : cases) {
    WriteFile(f, c.text);
    Config config;
    std::string err;
    EXPECT_FALSE(LoadConfigFile(f, &config, &err)) << c.text;
    EXPECT_EQ(f + ":" + c.error, err) << c.text;
  }
}

TEST(ConfigFileTest, TheExampleFileSetsEveryKey) {
  Config c;
  std::string err;
  const std::string path = (testing::SourceDir() / "config" / "feedd.example.toml").string();
  ASSERT_TRUE(LoadConfigFile(path, &c, &err)) << err;
  EXPECT_EQ("/srv/feedd/articles", c.input_dir);
  EXPECT_EQ((std::vector<ListenAddress>{{"127.0.0.1", 8080}}), c.listen);
  EXPECT_EQ("http://127.0.0.1:8080", c.base_url);
  EXPECT_TRUE(c.base_url_set);
  EXPECT_EQ("feedd", c.title);
  EXPECT_EQ("Articles published with feedd", c.description);
  EXPECT_EQ("en", c.language);
  EXPECT_EQ("", c.author);
  EXPECT_EQ(50u, c.limit);
  EXPECT_EQ("", c.output_dir);
  EXPECT_EQ(300, c.cache_max_age);
  EXPECT_EQ(2u, c.threads);
  EXPECT_EQ("info", c.log_level);
  EXPECT_EQ(10u * 1024 * 1024, c.max_article_bytes);
  EXPECT_EQ(1024u, c.max_connections);
  EXPECT_EQ(10000, c.header_timeout_ms);
  EXPECT_EQ(60000, c.idle_timeout_ms);
  EXPECT_EQ(60000, c.write_timeout_ms);
  EXPECT_EQ(10000, c.parse_timeout_ms);
  EXPECT_EQ(64u, c.max_connections_per_client);
  EXPECT_EQ(512u * 1024, c.max_content_bytes);
  EXPECT_EQ(4u * 1024 * 1024, c.max_feed_bytes);
  EXPECT_FALSE(c.access_log);
  EXPECT_FALSE(c.metrics_public);
  EXPECT_FALSE(c.metrics_listen.has_value());
  EXPECT_EQ(LoopbackRanges(), c.trusted_proxies);
  // The example's values are the defaults, apart from the paths and the description.
  Config defaults;
  defaults.input_dir = c.input_dir;
  defaults.description = c.description;
  defaults.base_url_set = true;
  EXPECT_EQ(defaults.listen, c.listen);
  EXPECT_EQ(defaults.base_url, c.base_url);
}

TEST(ConfigFileTest, EveryKeyWithOtherValues) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "out");
  WriteFile(dir.path() / "f.toml",
            "input = \"articles\"\nlisten = \"[::1]:9000\"\nbase_url = \"https://ex.org/n/\"\n"
            "title = \"T\"\ndescription = \"D\"\nlanguage = \"fa\"\nauthor = \"A\"\nlimit = 7\n"
            "output_dir = \"out\"\ncache_max_age = 0\nthreads = 3\nlog_level = \"debug\"\n"
            "hub = \"http://hub.example.org/publish\"\n"
            "access_log = true\nmetrics_public = true\nmetrics_listen = \"127.0.0.1:9101\"\n"
            "trusted_proxies = [\"10.0.0.0/8\", \"2001:db8::1\"]\n"
            "[limits]\nmax_article_size = 2048\nmax_connections = 5\nheader_timeout = \"500ms\"\n"
            "idle_timeout = 2\nwrite_timeout = \"3s\"\nparse_timeout = \"1500ms\"\n"
            "max_connections_per_client = 0\nmax_content_size = \"64K\"\nmax_feed_size = \"1M\"\n");
  Config c;
  std::string err;
  ASSERT_TRUE(LoadConfigFile((dir.path() / "f.toml").string(), &c, &err)) << err;
  EXPECT_EQ((dir.path() / "articles").string(), c.input_dir);  // relative to the file
  EXPECT_EQ((std::vector<ListenAddress>{{"::1", 9000}}), c.listen);
  EXPECT_EQ("https://ex.org/n", c.base_url);
  EXPECT_EQ("T", c.title);
  EXPECT_EQ("D", c.description);
  EXPECT_EQ("fa", c.language);
  EXPECT_EQ("A", c.author);
  EXPECT_EQ(7u, c.limit);
  EXPECT_EQ((dir.path() / "out").string(), c.output_dir);
  EXPECT_EQ(0, c.cache_max_age);
  EXPECT_EQ(3u, c.threads);
  EXPECT_EQ("debug", c.log_level);
  EXPECT_EQ(2048u, c.max_article_bytes);
  EXPECT_EQ(5u, c.max_connections);
  EXPECT_EQ(500, c.header_timeout_ms);
  EXPECT_EQ(2000, c.idle_timeout_ms);
  EXPECT_EQ("http://hub.example.org/publish", c.hub);
  EXPECT_TRUE(c.access_log);
  EXPECT_TRUE(c.metrics_public);
  EXPECT_EQ((ListenAddress{"127.0.0.1", 9101}), c.metrics_listen.value());
  ASSERT_EQ(2u, c.trusted_proxies.size());
  EXPECT_EQ("10.0.0.0/8", ToString(c.trusted_proxies[0]));
  EXPECT_EQ("2001:db8::1", ToString(c.trusted_proxies[1]));
  EXPECT_EQ(3000, c.write_timeout_ms);
  EXPECT_EQ(1500, c.parse_timeout_ms);
  EXPECT_EQ(0u, c.max_connections_per_client);
  EXPECT_EQ(64u * 1024, c.max_content_bytes);
  EXPECT_EQ(1024u * 1024, c.max_feed_bytes);
}

TEST(ConfigFileTest, SeveralFeeds) {
  TempDir dir;
  WriteFile(dir.path() / "f.toml",
            "title = \"Site\"\nlimit = 20\n"
            "[[feed]]\nprefix = \"/news/\"\ninput = \"news\"\ntitle = \"News\"\n"
            "[[feed]]\nprefix = \"/blog\"\ninput = \"/srv/blog\"\nbase_url = \"https://blog.example\"\n"
            "language = \"fa\"\nlimit = 5\ndescription = \"D\"\nauthor = \"A\"\n");
  Config c;
  std::string err;
  ASSERT_TRUE(LoadConfigFile((dir.path() / "f.toml").string(), &c, &err)) << err;
  ASSERT_EQ(2u, c.feeds.size());
  EXPECT_EQ("/news", c.feeds[0].prefix);
  EXPECT_EQ((dir.path() / "news").string(), c.feeds[0].input_dir);
  EXPECT_EQ("News", c.feeds[0].title);
  EXPECT_FALSE(c.feeds[0].base_url_set);
  EXPECT_EQ("/blog", c.feeds[1].prefix);
  EXPECT_EQ("https://blog.example", c.feeds[1].base_url);
  EXPECT_EQ("fa", c.feeds[1].language);
  EXPECT_EQ(5u, c.feeds[1].limit);
  const std::string f = (dir.path() / "g.toml").string();
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"[[feed]]\ninput = \"x\"\n", "1:1: feed: needs prefix"},
      {"[[feed]]\nprefix = \"/a\"\n", "1:1: feed: needs input"},
      {"[[feed]]\nprefix = \"blog\"\ninput = \"x\"\n", "2:10: feed.prefix: \"blog\" is not a path like \"/blog\""},
      {"[[feed]]\nprefix = \"/a\"\ninput = \"x\"\n[[feed]]\nprefix = \"/a\"\ninput = \"y\"\n",
       "5:10: feed.prefix: \"/a\" is used by another feed"},
      {"[[feed]]\nprefix = \"/a\"\ninput = \"x\"\ncolour = \"red\"\n", "4:1: unknown key \"feed.colour\""},
      {"feed = 3\n", "1:8: feed: expected [[feed]] tables"},
  };
  for (const Case& k : cases) {
    WriteFile(f, k.text);
    Config config;
    EXPECT_FALSE(LoadConfigFile(f, &config, &err)) << k.text;
    EXPECT_EQ(f + ":" + k.error, err) << k.text;
  }
}

// Each [[feed]] keeps its state in state-SLUG.db, SLUG = Slugify(prefix): "/Blog"
// and "/blog" would share one file and mix their ids and dates. Refused at the
// second [[feed]], naming both prefixes.
TEST(ConfigFileTest, PrefixesThatShareAStateFileAreRefused) {
  TempDir dir;
  const std::string f = (dir.path() / "f.toml").string();
  struct Case {
    const char* text;
    const char* error;  // after "FILE:"
  } cases[] = {
      {"[[feed]]\nprefix = \"/Blog\"\ninput = \"x\"\n[[feed]]\nprefix = \"/blog\"\ninput = \"y\"\n",
       "4:1: feed.prefix: \"/blog\" and \"/Blog\" (line 1) would share the state file "
       "state-blog.db; make them differ in more than letter case and punctuation"},
      {"title = \"Site\"\n\n[[feed]]\nprefix = \"/news/world\"\ninput = \"x\"\n"
       "[[feed]]\nprefix = \"/sport\"\ninput = \"y\"\n"
       "[[feed]]  # the third\ninput = \"z\"\nprefix = \"/News-World/\"\n",
       "9:1: feed.prefix: \"/News-World\" and \"/news/world\" (line 3) would share the state "
       "file state-news-world.db; make them differ in more than letter case and punctuation"},
      {"[[feed]]\nprefix = \"/a_b\"\ninput = \"x\"\n[[feed]]\nprefix = \"/a.b\"\ninput = \"y\"\n",
       "4:1: feed.prefix: \"/a.b\" and \"/a_b\" (line 1) would share the state file "
       "state-a-b.db; make them differ in more than letter case and punctuation"},
  };
  for (const Case& k : cases) {
    WriteFile(f, k.text);
    Config config;
    std::string err;
    EXPECT_FALSE(LoadConfigFile(f, &config, &err)) << k.text;
    EXPECT_EQ(f + ":" + k.error, err) << k.text;
  }
  // Prefixes whose slugs differ are fine, and so is the root feed beside any other.
  WriteFile(f,
            "[[feed]]\nprefix = \"/\"\ninput = \"r\"\n[[feed]]\nprefix = \"/blog\"\ninput = \"x\"\n"
            "[[feed]]\nprefix = \"/blog2\"\ninput = \"y\"\n[[feed]]\nprefix = \"/b/log\"\ninput = "
            "\"z\"\n");
  Config ok;
  std::string err;
  EXPECT_TRUE(LoadConfigFile(f, &ok, &err)) << err;
  EXPECT_EQ(4u, ok.feeds.size());
}

// An empty list trusts nobody; one string is one address.
TEST(ConfigFileTest, TrustedProxiesListStringOrNone) {
  TempDir dir;
  const std::string f = (dir.path() / "f.toml").string();
  Config c;
  std::string err;
  WriteFile(f, "trusted_proxies = []\n");
  ASSERT_TRUE(LoadConfigFile(f, &c, &err)) << err;
  EXPECT_TRUE(c.trusted_proxies.empty());
  WriteFile(f, "trusted_proxies = \"192.0.2.0/24\"\n");
  ASSERT_TRUE(LoadConfigFile(f, &c, &err)) << err;
  ASSERT_EQ(1u, c.trusted_proxies.size());
  EXPECT_EQ("192.0.2.0/24", ToString(c.trusted_proxies[0]));
}

TEST(ConfigFileTest, MistakesNameFileLineColumnAndKey) {
  TempDir dir;
  const std::string f = (dir.path() / "f.toml").string();
  const Mistake cases[] = {
      {"titel = \"x\"\n", "1:1: unknown key \"titel\""},
      {"[limits]\nmax_conections = 3\n", "2:1: unknown key \"limits.max_conections\""},
      {"[other]\nx = 1\n", "1:2: unknown key \"other\""},
      {"limit = \"50\"\n", "1:9: limit: expected an integer, got a string"},
      {"title = 5\n", "1:9: title: expected a string, got an integer"},
      {"threads = 1.5\n", "1:11: threads: expected an integer, got a number with a fraction"},
      {"limit = 0\n", "1:9: limit: \"0\" is not a whole number from 1 to 100000"},
      {"limit = -3\n", "1:9: limit: \"-3\" is not a whole number from 1 to 100000"},
      {"base_url = \"example.org\"\n",
       "1:12: base_url: \"example.org\" is not an http:// or https:// URL"},
      {"listen = [\"127.0.0.1:80\", \"nowhere\"]\n",
       "1:27: listen: \"nowhere\" is not ADDRESS:PORT"},
      {"listen = []\n", "1:10: listen: needs at least one address"},
      {"listen = 8080\n", "1:10: listen: expected a string or a list of strings, got an integer"},
      {"trusted_proxies = [\"::1\", \"10.0.0.1/8\"]\n",
       "1:27: trusted_proxies: \"10.0.0.1/8\" has address bits set beyond its /8 (the range "
       "starts at 10.0.0.0/8)"},
      {"trusted_proxies = [\"nginx\"]\n",
       "1:20: trusted_proxies: \"nginx\" is not an IP address or a CIDR range (like 127.0.0.1, "
       "::1, 10.0.0.0/8)"},
      {"trusted_proxies = [\"10.0.0.1, 10.0.0.2\"]\n",
       "1:20: trusted_proxies: \"10.0.0.1, 10.0.0.2\" holds more than one address"},
      {"trusted_proxies = [1]\n", "1:20: trusted_proxies: expected a string, got an integer"},
      {"language = \"en us\"\n", "1:12: language: \"en us\" is not a language tag"},
      {"hub = \"https://hub.example\"\n",
       "1:7: hub: \"https://hub.example\": only http:// hubs are supported (feedd has no TLS client)"},
      {"hub = \"hub.example\"\n", "1:7: hub: \"hub.example\" is not an http:// or https:// URL"},
      {"log_level = \"loud\"\n",
       "1:13: log_level: \"loud\" is not one of trace, debug, info, warn, error, critical, off"},
      {"[limits]\nmax_article_size = \"10X\"\n",
       "2:20: limits.max_article_size: \"10X\" is not a size (a positive number of bytes, or "
       "with K, M or G)"},
      {"[limits]\nheader_timeout = true\n",
       "2:18: limits.header_timeout: expected a duration like \"10s\" or a number of seconds, "
       "got true or false"},
      {"output_dir = \"missing\"\n", "1:14: output_dir: " + (dir.path() / "missing").string() +
                                         " does not exist"},
      {"title = \"unterminated\n",
       "1:22: Error while parsing string: unescaped control characters other than TAB (U+0009) "
       "are explicitly prohibited"},
      {"title = \"a\"\ntitle = \"b\"\n",
       "2:9: Error while parsing key-value pair: cannot redefine existing string 'title'"},
  };
  ExpectMistakes(f, cases);
}


TEST(ConfigFileTest, PodcastTableAndItsFeedOverrides) {
  TempDir dir;
  WriteFile(dir.path() / "f.toml",
            "title = \"Harbour\"\n"
            "[podcast]\nimage = \"art/cover%20big.jpg\"\n"
            "category = [\"Society & Culture > Documentary\", \"News\"]\n"
            "explicit = true\nowner_name = \"Ana\"\nowner_email = \"ana@ex.org\"\n"
            "type = \"serial\"\nauthor = \"Ana B\"\nlocked = true\n"
            "guid = \"0F6A5D4C-1111-5222-8333-444455556666\"\n"
            "[[feed]]\nprefix = \"/show\"\ninput = \"show\"\n"
            "[[feed]]\nprefix = \"/other\"\ninput = \"other\"\n"
            "[feed.podcast]\ncategory = \"Technology\"\nimage = \"https://cdn.ex.org/c.png\"\nguid = \"\"\n"
            "[[feed]]\nprefix = \"/blog\"\ninput = \"blog\"\n[feed.podcast]\nenabled = false\n");
  Config c;
  std::string err;
  // An empty guid is not a UUID: refused with its place.
  ASSERT_FALSE(LoadConfigFile((dir.path() / "f.toml").string(), &c, &err));
  EXPECT_NE(std::string::npos, err.find("f.toml:21:8: ")) << err;
  EXPECT_NE(std::string::npos, err.find("feed.podcast.guid: \"\" is not a UUID")) << err;

  std::string text = testing::ReadFile(dir.path() / "f.toml");
  text.replace(text.find("guid = \"\"\n"), 10, "");
  WriteFile(dir.path() / "f.toml", text);
  c = Config{};
  ASSERT_TRUE(LoadConfigFile((dir.path() / "f.toml").string(), &c, &err)) << err;
  const PodcastConfig& p = c.podcast;
  EXPECT_TRUE(p.enabled);
  EXPECT_EQ("art/cover big.jpg", p.image);
  EXPECT_EQ((std::vector<std::string>{"Society & Culture > Documentary", "News"}), p.categories);
  EXPECT_TRUE(p.explicit_content);
  EXPECT_EQ("Ana", p.owner_name);
  EXPECT_EQ("ana@ex.org", p.owner_email);
  EXPECT_EQ("serial", p.type);
  EXPECT_EQ("Ana B", p.author);
  EXPECT_TRUE(p.locked);
  EXPECT_EQ("0f6a5d4c-1111-5222-8333-444455556666", p.guid);
  ASSERT_EQ(3u, c.feeds.size());
  EXPECT_FALSE(c.feeds[0].podcast.has_value());  // [podcast] as it is
  ASSERT_TRUE(c.feeds[1].podcast.has_value());
  const PodcastConfig& other = *c.feeds[1].podcast;
  EXPECT_TRUE(other.enabled);
  EXPECT_EQ((std::vector<std::string>{"Technology"}), other.categories);  // replaced, not added
  EXPECT_EQ("https://cdn.ex.org/c.png", other.image);
  EXPECT_EQ("Ana", other.owner_name);  // the rest from [podcast]
  ASSERT_TRUE(c.feeds[2].podcast.has_value());
  EXPECT_FALSE(c.feeds[2].podcast->enabled);
}

TEST(ConfigFileTest, PodcastMistakesNameFileLineAndKey) {
  TempDir dir;
  const std::string f = (dir.path() / "f.toml").string();
  const Mistake cases[] = {
      {"[podcast]\ncategory = \"Podcasting\"\n",
       "2:12: podcast.category: \"Podcasting\" is not one of Apple Podcasts' categories "
       "(\"Technology\", \"Society & Culture\", \"News\", ...)"},
      {"[podcast]\ncategory = \"News > Gossip\"\n",
       "2:12: podcast.category: \"Gossip\" is not one of Apple Podcasts' subcategories of \"News\""},
      {"[podcast]\ncategory = [\"News\", 3]\n",
       "2:21: podcast.category: expected a string, got an integer"},
      {"[podcast]\nimage = \"cover.webp\"\n",
       "2:9: podcast.image: \"cover.webp\" is not a JPEG or PNG file in the input folder or an "
       "http(s) URL (Apple Podcasts takes JPEG and PNG cover art)"},
      {"[podcast]\nimage = \"https://\"\n", "2:9: podcast.image: \"https://\" is not a usable http(s) URL"},
      {"[podcast]\nimage = \"../cover.png\"\n",
       "2:9: podcast.image: \"../cover.png\" is not a file inside the input folder"},
      {"[podcast]\nowner_email = \"ana\"\n",
       "2:15: podcast.owner_email: \"ana\" is not an email address"},
      {"[podcast]\ntype = \"weekly\"\n", "2:8: podcast.type: \"weekly\" is not episodic or serial"},
      {"[podcast]\nexplicit = \"yes\"\n",
       "2:12: podcast.explicit: expected true or false, got a string"},
      {"[podcast]\nexplcit = true\n", "2:1: unknown key \"podcast.explcit\""},
      {"podcast = 3\n", "1:11: podcast: expected a table, got an integer"},
      {"[podcast]\ncategory = [\"News\", \"Arts\", \"History\", \"Technology\"]\n",
       "2:40: podcast.category: at most three categories"},
      {"[[feed]]\nprefix = \"/a\"\ninput = \"a\"\n[feed.podcast]\nowner_name = 1\n",
       "5:14: feed.podcast.owner_name: expected a string, got an integer"},
  };
  ExpectMistakes(f, cases);
}

}  // namespace
}  // namespace feedd::config
