#include "feed/feed_size.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "feed/feed_writer.h"
#include "feed/json_feed_writer.h"

namespace feedd::feed {
namespace {

using F = ItemForm;

TEST(FeedSizeTest, FitItemsSummarizesOldestFirstThenDrops) {
  const std::vector<ItemCost> items = {{100, 10}, {100, 10}, {100, 10}};
  struct Case {
    uint64_t max;
    std::vector<ItemForm> forms;
  } cases[] = {
      {400, {F::kFull, F::kFull, F::kFull}},
      {350, {F::kFull, F::kFull, F::kFull}},
      {349, {F::kFull, F::kFull, F::kSummary}},
      {260, {F::kFull, F::kFull, F::kSummary}},
      {259, {F::kFull, F::kSummary, F::kSummary}},
      {170, {F::kFull, F::kSummary, F::kSummary}},
      {169, {F::kSummary, F::kSummary, F::kSummary}},
      {80, {F::kSummary, F::kSummary, F::kSummary}},
      {79, {F::kSummary, F::kSummary, F::kDropped}},
      {60, {F::kSummary, F::kDropped, F::kDropped}},
      {59, {F::kDropped, F::kDropped, F::kDropped}},
      {0, {F::kDropped, F::kDropped, F::kDropped}},
  };
  for (const Case& c : cases) EXPECT_EQ(c.forms, FitItems(50, items, c.max)) << c.max;
  EXPECT_TRUE(FitItems(50, {}, 0).empty());
}

std::vector<Article> BigArticles(size_t n, size_t content_bytes) {
  std::vector<Article> out(n);
  for (size_t i = 0; i < n; ++i) {
    Article& a = out[i];
    a.id = a.link = "https://ex.org/articles/a" + std::to_string(i);
    a.title = "Article " + std::to_string(i);
    a.summary = "Summary " + std::to_string(i);
    a.content_html = "<p>" + std::string(content_bytes, 'x') + " & </p>";
    a.published = a.updated = Timestamp{1700000000 + static_cast<int64_t>(n - i), 0};
  }
  return out;
}

TEST(FeedSizeTest, EveryFormatStaysWithinTheCap) {
  Channel c;
  c.base_url = "https://ex.org";
  const std::vector<Article> articles = BigArticles(20, 100000);
  const std::vector<const Article*> items = SelectItems(articles, 50);
  const uint64_t max = 500000;
  const FeedRenderer renderers[] = {
      [&](auto i) { return RenderRss(c, i); }, [&](auto i) { return RenderAtom(c, i); },
      [&](auto i) { return RenderJsonFeed(c, i); }};
  for (const FeedRenderer& render : renderers) {
    const SizedFeed f = RenderWithin(render, items, max);
    EXPECT_LE(f.body.size(), max);
    EXPECT_GT(f.body.size(), max - 120000);  // as much as fits, not much less
    EXPECT_EQ(0u, f.dropped);
    EXPECT_EQ(16u, f.summarized);
    EXPECT_NE(std::string::npos, f.body.find("Summary 19"));  // the oldest, summary only
    EXPECT_EQ("16 older items carry their summary only to stay within 500000 bytes "
              "(limits.max_feed_size)",
              DescribeCut(f, max));
    if (f.body[0] == '{') {
      const nlohmann::json j = nlohmann::json::parse(f.body);
      EXPECT_EQ(20u, j["items"].size());
      EXPECT_EQ("Summary 19", j["items"][19]["content_text"]);
    } else {
      pugi::xml_document doc;
      EXPECT_TRUE(doc.load_string(f.body.c_str()));
    }
  }
  // Summaries alone too large: the oldest items are left out.
  const SizedFeed f = RenderWithin(renderers[0], items, 2500);
  EXPECT_LE(f.body.size(), 2500u);
  EXPECT_EQ(20u, f.summarized + f.dropped);
  EXPECT_GT(f.dropped, 0u);
  EXPECT_NE(std::string::npos, f.body.find("Article 0"));
  EXPECT_EQ(std::string::npos, f.body.find("Article 19"));
  // Under the cap: the very same bytes as without it.
  EXPECT_EQ(RenderRss(c, items), RenderWithin(renderers[0], items, 1 << 30).body);
}

}  // namespace
}  // namespace feedd::feed
