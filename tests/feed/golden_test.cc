// Golden feeds for tests/testdata/articles, byte for byte. After an intended
// change, regenerate with UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "feed/article_parser.h"
#include "feed/feed_writer.h"
#include "feed/json_feed_writer.h"
#include "tests/test_util.h"

namespace feedd::feed {
namespace {

constexpr int64_t kMtime = 1764000000;

std::vector<Article> LoadTestArticles() {
  std::vector<Article> articles;
  const std::filesystem::path dir = testing::TestData() / "articles";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::vector<std::string> warnings;
    std::string err;
    const std::string name = entry.path().filename().string();
    std::optional<Article> a =
        ParseArticle(name, testing::ReadFile(entry.path()),
                     ParseContext{"https://news.example.org", Timestamp{kMtime, 0}}, &warnings, &err);
    EXPECT_TRUE(a) << name << ": " << err;
    if (a) articles.push_back(*std::move(a));
  }
  std::vector<std::string> warnings;
  MakeSlugsUnique(&articles, "https://news.example.org", &warnings);
  return articles;
}

void CompareGolden(const std::string& name, const std::string& actual) {
  const std::filesystem::path path = testing::SourceDir() / "tests" / "golden" / name;
  if (const char* update = std::getenv("UPDATE_GOLDEN"); update && std::string(update) == "1") {
    testing::WriteFile(path, actual);
    GTEST_SKIP() << "rewrote " << path;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing; run with UPDATE_GOLDEN=1";
  EXPECT_EQ(testing::ReadFile(path), actual) << "golden file " << path << " differs";
}

Channel GoldenChannel() {
  Channel c;
  c.base_url = "https://news.example.org";
  c.title = "Example News";
  c.description = "Stories from the test folder";
  c.language = "en";
  c.generator_version = "test";
  return c;
}

TEST(GoldenTest, Rss) {
  const std::vector<Article> articles = LoadTestArticles();
  CompareGolden("rss.xml", RenderRss(GoldenChannel(), SelectItems(articles, 50)));
}

TEST(GoldenTest, Atom) {
  const std::vector<Article> articles = LoadTestArticles();
  CompareGolden("atom.xml", RenderAtom(GoldenChannel(), SelectItems(articles, 50)));
}

TEST(GoldenTest, JsonFeed) {
  const std::vector<Article> articles = LoadTestArticles();
  CompareGolden("feed.json", RenderJsonFeed(GoldenChannel(), SelectItems(articles, 50)));
}

}  // namespace
}  // namespace feedd::feed
