#include "config/config.h"

#include <gtest/gtest.h>

namespace feedd::config {
namespace {

TEST(ConfigTest, BaseUrl) {
  std::string err;
  EXPECT_EQ("https://ex.org", NormalizeBaseUrl("https://ex.org/", &err).value());
  EXPECT_EQ("http://127.0.0.1:8080", NormalizeBaseUrl("http://127.0.0.1:8080", &err).value());
  EXPECT_EQ("https://ex.org/news", NormalizeBaseUrl("https://ex.org/news//", &err).value());
  struct Case {
    const char* url;
    const char* error;
  } bad[] = {
      {"ex.org", "\"ex.org\" is not an http:// or https:// URL"},
      {"ftp://ex.org", "\"ftp://ex.org\" is not an http:// or https:// URL"},
      {"https://", "\"https://\" has no host"},
      {"https:///x", "\"https:///x\" has no host"},
      {"https://ex.org/?a=1", "\"https://ex.org/?a=1\" must not have a query or fragment"},
      {"https://ex.org/a b", "\"https://ex.org/a b\" contains a character URLs cannot hold"},
  };
  for (const Case& c : bad) {
    EXPECT_FALSE(NormalizeBaseUrl(c.url, &err)) << c.url;
    EXPECT_EQ(c.error, err);
  }
}

TEST(ConfigTest, WatchModeAndPollInterval) {
  Config c;
  std::string err;
  EXPECT_EQ(WatchMode::kAuto, c.watch);
  EXPECT_TRUE(SetOption("watch", "poll", &c, &err)) << err;
  EXPECT_EQ(WatchMode::kPoll, c.watch);
  EXPECT_TRUE(SetOption("watch", "inotify", &c, &err)) << err;
  EXPECT_EQ(WatchMode::kInotify, c.watch);
  EXPECT_FALSE(SetOption("watch", "sometimes", &c, &err));
  EXPECT_EQ("\"sometimes\" is not one of auto, inotify, poll", err);
  EXPECT_TRUE(SetOption("poll_interval", "500ms", &c, &err)) << err;
  EXPECT_EQ(500, c.poll_interval_ms);
  EXPECT_FALSE(SetOption("poll_interval", "10ms", &c, &err));
  EXPECT_EQ("\"10ms\" is not between 100ms and 1h", err);
  EXPECT_FALSE(SetOption("poll_interval", "2h", &c, &err));
  EXPECT_FALSE(SetOption("poll_interval", "soon", &c, &err));
}

TEST(ConfigTest, ByteSize) {
  std::string err;
  EXPECT_EQ(10485760u, ParseByteSize("10M", &err).value());
  EXPECT_EQ(10485760u, ParseByteSize("10MiB", &err).value());
  EXPECT_EQ(512u * 1024, ParseByteSize("512k", &err).value());
  EXPECT_EQ(1000u, ParseByteSize("1000", &err).value());
  EXPECT_EQ(1073741824u, ParseByteSize("1G", &err).value());
  for (const char* bad : {"", "M", "0", "-1", "10X", "1.5M", "99999999999999999999"}) {
    EXPECT_FALSE(ParseByteSize(bad, &err)) << bad;
  }
  ParseByteSize("10X", &err);
  EXPECT_EQ("\"10X\" is not a size (a positive number of bytes, or with K, M or G)", err);
}

TEST(ConfigTest, Count) {
  std::string err;
  EXPECT_EQ(50u, ParseCount("50", 1000, &err).value());
  for (const char* bad : {"", "0", "-3", "1001", "5x", "99999999999999999999999"}) {
    EXPECT_FALSE(ParseCount(bad, 1000, &err)) << bad;
  }
  EXPECT_EQ("\"99999999999999999999999\" is not a whole number from 1 to 1000", err);
}

TEST(ConfigTest, LanguageTag) {
  EXPECT_TRUE(IsLanguageTag("en"));
  EXPECT_TRUE(IsLanguageTag("fa-IR"));
  EXPECT_FALSE(IsLanguageTag(""));
  EXPECT_FALSE(IsLanguageTag("en_US"));
  EXPECT_FALSE(IsLanguageTag("-en"));
  EXPECT_FALSE(IsLanguageTag("en\"><x"));
}

}  // namespace
}  // namespace feedd::config
