// The shared fixtures' expectations, exactly: ../shared/fixtures/seed/expected.json
// and the table in ../shared/fixtures/articles/README.md. Skipped without ../shared.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "feed/article_parser.h"
#include "feed/html.h"
#include "tests/test_util.h"

namespace feedd::feed {
namespace {

using ::feedd::testing::ReadFile;
using ::feedd::testing::SharedDir;

constexpr int64_t kMtime = 1764000000;  // 2025-11-24T16:00:00Z

Article Parse(const std::string& relative) {
  const std::string bytes = ReadFile(SharedDir() / "fixtures" / relative);
  std::vector<std::string> warnings;
  std::string err;
  std::optional<Article> a = ParseArticle(
      relative.substr(relative.find('/') + 1), bytes,
      ParseContext{"https://example.org/news", Timestamp{kMtime, 0}}, &warnings, &err);
  EXPECT_TRUE(a.has_value()) << relative << ": " << err;
  EXPECT_TRUE(warnings.empty()) << relative << ": " << warnings.front();
  return a.value_or(Article{});
}

TEST(SharedFixturesTest, SeedMatchesExpectedJson) {
  FEEDD_SKIP_WITHOUT_SHARED();
  const nlohmann::json expected =
      nlohmann::json::parse(ReadFile(SharedDir() / "fixtures" / "seed" / "expected.json"));
  const Article a = Parse("seed/" + expected["file"].get<std::string>());
  EXPECT_EQ(expected["title"], a.title);
  EXPECT_EQ(expected["category"], a.category);
  EXPECT_EQ(expected["author"], a.author);
  EXPECT_EQ(expected["author_bio"], a.author_bio);
  EXPECT_EQ(expected["slug"], a.slug);
  EXPECT_EQ(expected["body_paragraphs"].get<std::vector<std::string>>(),
            ParagraphTexts(a.content_html));
  EXPECT_EQ(0u, a.summary.rfind(expected["summary_starts_with"].get<std::string>(), 0))
      << a.summary;
  for (const std::string banned : expected["must_not_appear_in_content"]) {
    EXPECT_EQ(std::string::npos, a.content_html.find(banned)) << banned;
    EXPECT_EQ(std::string::npos, a.summary.find(banned)) << banned;
  }
  // No date in the article: the file's time, and the id comes from base URL and slug.
  EXPECT_FALSE(a.explicit_date);
  EXPECT_EQ(kMtime, a.published.seconds);
  EXPECT_EQ("https://example.org/news/articles/iran-pakistan-rapid-reaction-force", a.id);
  EXPECT_EQ(a.id, a.link);
}

TEST(SharedFixturesTest, MarkdownWithFrontMatter) {
  FEEDD_SKIP_WITHOUT_SHARED();
  const Article a = Parse("articles/2026-11-20-port-expansion.md");
  EXPECT_EQ("Chabahar Port Opens Second Container Terminal", a.title);
  EXPECT_EQ("Leila Farahani", a.author);
  EXPECT_EQ((std::vector<std::string>{"economy", "shipping", "Sistan & Baluchestan"}), a.tags);
  EXPECT_EQ("The new terminal doubles the port's container capacity.", a.summary);
  EXPECT_TRUE(a.explicit_date);
  EXPECT_EQ("2026-11-20T09:30:00+03:30", FormatRfc3339(a.published));
  EXPECT_NE(std::string::npos, a.content_html.find("<h2>What changes for shippers</h2>"));
  EXPECT_NE(std::string::npos, a.content_html.find("<li>Berths for vessels"));
  EXPECT_NE(std::string::npos, a.content_html.find("<strong>Chabahar</strong>"));
  EXPECT_NE(std::string::npos, a.content_html.find("<em>under 24 hours</em>"));
  EXPECT_NE(std::string::npos,
            a.content_html.find("<a href=\"https://example.org/notice?id=7&amp;lang=en\">"));
  EXPECT_EQ("2026-11-20-port-expansion", a.slug);
}

TEST(SharedFixturesTest, HeaderBlock) {
  FEEDD_SKIP_WITHOUT_SHARED();
  const Article a = Parse("articles/header-block.txt");
  EXPECT_EQ("Tehran Metro Line 10 Enters Test Phase", a.title);
  EXPECT_EQ("Reza Karimi", a.author);
  EXPECT_EQ("Urban", a.category);
  EXPECT_EQ((std::vector<std::string>{"transport", "tehran"}), a.tags);
  EXPECT_EQ("2026-11-25T14:05:00+03:30", FormatRfc3339(a.published));
  EXPECT_EQ("Wed, 25 Nov 2026 14:05:00 +0330", FormatRfc822(a.published));
  EXPECT_EQ(3u, ParagraphTexts(a.content_html).size());
  EXPECT_EQ(std::string::npos, a.content_html.find("Title:"));
}

TEST(SharedFixturesTest, NoKickerNoByline) {
  FEEDD_SKIP_WITHOUT_SHARED();
  const Article a = Parse("articles/no-kicker-no-byline.txt");
  EXPECT_EQ("Caspian Sea Water Level Falls to a 30-Year Low", a.title);
  EXPECT_EQ("", a.author);
  EXPECT_EQ("", a.category);
  EXPECT_EQ(2u, ParagraphTexts(a.content_html).size());
}

TEST(SharedFixturesTest, CrlfWithByteOrderMark) {
  FEEDD_SKIP_WITHOUT_SHARED();
  const Article a = Parse("articles/crlf-bom-sports.txt");
  EXPECT_EQ("Sports", a.category);
  EXPECT_EQ("Iran Beat Japan 2-1 in Asian Cup Qualifier", a.title);
  EXPECT_EQ("Sara Moradi", a.author);
  const std::vector<std::string> paragraphs = ParagraphTexts(a.content_html);
  ASSERT_EQ(2u, paragraphs.size());
  EXPECT_NE(std::string::npos, a.content_html.find("first half &amp; looked"));
  EXPECT_EQ(std::string::npos, a.content_html.find("&amp;amp;"));
  for (const std::string* s : {&a.title, &a.category, &a.content_html, &a.summary}) {
    EXPECT_EQ(std::string::npos, s->find('\r'));
    EXPECT_EQ(std::string::npos, s->find("\xEF\xBB\xBF"));
  }
  EXPECT_EQ(std::string::npos, a.content_html.find("covers football"));
  EXPECT_EQ(std::string::npos, a.content_html.find("Related Articles"));
  EXPECT_EQ(std::string::npos, a.content_html.find("3 hours ago"));
}

TEST(SharedFixturesTest, PersianRightToLeft) {
  FEEDD_SKIP_WITHOUT_SHARED();
  const Article a = Parse("articles/persian-rtl.txt");
  EXPECT_EQ("سیاسی", a.category);
  EXPECT_EQ("سفر وزیر امور خارجه به مسقط برای گفت\u200cوگوهای منطقه\u200cای", a.title);
  EXPECT_EQ("مریم احمدی", a.author);
  EXPECT_EQ(2u, ParagraphTexts(a.content_html).size());
  EXPECT_EQ(std::string::npos, a.content_html.find("آخرین اخبار"));
  EXPECT_EQ(std::string::npos, a.content_html.find("صادرات"));
  EXPECT_TRUE(a.right_to_left);
}

}  // namespace
}  // namespace feedd::feed
