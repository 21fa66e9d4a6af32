#include "feed/json_feed_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "feed/feed_writer.h"

namespace feedd::feed {
namespace {

TEST(JsonFeedWriterTest, SameIdsDatesAuthorsAndContentAsTheOtherFeeds) {
  Article a;
  a.slug = "one";
  a.link = "https://ex.org/articles/one";
  a.id = "urn:x:1";
  a.title = "T \"quoted\" & <b>";
  a.author = "Ann";
  a.category = "News";
  a.tags = {"a", "News"};
  a.summary = "S";
  a.content_html = "<p>x</p>";
  a.language = "fa";
  a.published = {1764000000, 210};
  a.updated = {1764003600, 0};
  Article b = a;
  b.id = "urn:x:2";
  b.author.clear();
  b.published = b.updated = {1000, 0};
  std::vector<Article> articles = {a, b};
  Channel c;
  c.base_url = "https://ex.org";
  c.title = "Ex";
  c.description = "D";
  c.author = "Desk";
  const std::string text = RenderJsonFeed(c, SelectItems(articles, 50));
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ("https://jsonfeed.org/version/1.1", j["version"]);
  EXPECT_EQ("Ex", j["title"]);
  EXPECT_EQ("https://ex.org/", j["home_page_url"]);
  EXPECT_EQ("https://ex.org/feed.json", j["feed_url"]);
  EXPECT_EQ("D", j["description"]);
  ASSERT_EQ(2u, j["items"].size());
  const nlohmann::json& i = j["items"][0];
  EXPECT_EQ("urn:x:1", i["id"]);
  EXPECT_EQ("https://ex.org/articles/one", i["url"]);
  EXPECT_EQ(a.title, i["title"]);
  EXPECT_EQ("<p>x</p>", i["content_html"]);
  EXPECT_EQ("S", i["summary"]);
  EXPECT_EQ("2025-11-24T16:00:00Z", i["date_published"]);  // UTC (issue 10)
  EXPECT_EQ("2025-11-24T17:00:00Z", i["date_modified"]);
  EXPECT_EQ("Ann", i["authors"][0]["name"]);
  EXPECT_EQ((std::vector<std::string>{"News", "a"}), i["tags"].get<std::vector<std::string>>());
  EXPECT_EQ("fa", i["language"]);
  EXPECT_EQ("Desk", j["items"][1]["authors"][0]["name"]);  // the channel's default author
  EXPECT_FALSE(i.contains("author"));                     // deprecated in 1.1
  // Deterministic: the same input, the same bytes.
  EXPECT_EQ(text, RenderJsonFeed(c, SelectItems(articles, 50)));
  c.path = "/categories/news";
  EXPECT_EQ("https://ex.org/categories/news/feed.json", nlohmann::json::parse(RenderJsonFeed(c, {}))["feed_url"]);
}

// Defect 9: JSON Feed keeps an explicit id as given (Atom maps it to urn:feedd:).
TEST(JsonFeedWriterTest, KeepsAnIdThatIsNotAnIriDefect9) {
  Article a;
  a.link = "https://ex.org/articles/n";
  a.id = "12345";
  a.explicit_id = true;
  a.title = "T";
  a.content_html = "<p>x</p>";
  std::vector<Article> articles = {a};
  Channel c;
  c.base_url = "https://ex.org";
  c.title = "Ex";
  const nlohmann::json j = nlohmann::json::parse(RenderJsonFeed(c, SelectItems(articles, 50)));
  EXPECT_EQ("12345", j["items"][0]["id"]);
}

// Issue 10: both dates in UTC, whatever offset the article was written in.
TEST(JsonFeedWriterTest, DatesWithAnOffsetAreWrittenInUtcIssue10) {
  Article a;
  a.id = a.link = "https://ex.org/articles/tehran";
  a.title = "T";
  a.content_html = "<p>x</p>";
  a.published = *ParseDate("2026-11-25 14:05 +0330");
  a.updated = *ParseDate("2026-11-25 15:00 -0800");
  std::vector<Article> articles = {a};
  Channel c;
  c.base_url = "https://ex.org";
  c.title = "Ex";
  const nlohmann::json j = nlohmann::json::parse(RenderJsonFeed(c, SelectItems(articles, 50)));
  EXPECT_EQ("2026-11-25T10:35:00Z", j["items"][0]["date_published"]);
  EXPECT_EQ("2026-11-25T23:00:00Z", j["items"][0]["date_modified"]);
}

}  // namespace
}  // namespace feedd::feed
