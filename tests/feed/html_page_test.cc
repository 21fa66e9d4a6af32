// Saved web pages as articles: five pages written in the shapes real sites give
// them (a WordPress theme, a news site with JSON-LD, a microformats blog, a plain
// div page with comments and a sidebar in windows-1252, a right-to-left page), each
// with the conversion a reader expects in NAME.expected.json; and the rules one by
// one, in small pages of their own.
#include "feed/html_page.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "feed/article_parser.h"
#include "feed/charset.h"
#include "feed/html.h"
#include "tests/test_util.h"

namespace feedd::feed {
namespace {

using json = nlohmann::json;

std::vector<std::string> Paragraphs(const std::string& html) {
  std::vector<std::string> out;
  for (size_t pos = 0; (pos = html.find("<p>", pos)) != std::string::npos;) {
    const size_t end = html.find("</p>", pos);
    out.push_back(HtmlToText(html.substr(pos, end + 4 - pos)));
    pos = end;
  }
  return out;
}

const ParseContext kContext{"https://feeds.example.org", Timestamp{1700000000, 0}, 512 * 1024};

std::optional<Article> Parse(const std::string& name, const std::string& bytes,
                             std::vector<std::string>* warnings = nullptr,
                             std::vector<Cut>* cuts = nullptr, ParseError* error = nullptr) {
  std::vector<std::string> w;
  ParseError e;
  std::optional<Article> a =
      ParseArticle(name, bytes, kContext, warnings ? warnings : &w, error ? error : &e, cuts);
  return a;
}

class SavedPagesTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SavedPagesTest, ComeOutAsTheReaderExpects) {
  const std::string name = GetParam();
  const auto dir = testing::TestData() / "html";
  const json e = json::parse(testing::ReadFile(dir / (name + ".expected.json")));
  std::optional<Article> a = Parse(name + ".html", testing::ReadFile(dir / (name + ".html")));
  ASSERT_TRUE(a);
  EXPECT_EQ(e["title"], a->title);
  EXPECT_EQ(e["author"], a->author);
  EXPECT_EQ(e["section"], a->category);
  EXPECT_EQ(e["tags"].get<std::vector<std::string>>(), a->tags);
  EXPECT_EQ(e["published"], FormatRfc3339Utc(a->published));
  EXPECT_TRUE(a->explicit_date);
  EXPECT_EQ(e["updated"], FormatRfc3339Utc(a->updated));
  EXPECT_EQ(e["language"], a->language);
  EXPECT_EQ(e["right_to_left"].get<bool>(), a->right_to_left);
  EXPECT_EQ(e["via"], a->via);
  EXPECT_NE(a->via, a->id) << "the canonical link is never the id";
  const std::vector<std::string> p = Paragraphs(a->content_html);
  ASSERT_EQ(e["paragraphs"].get<size_t>(), p.size()) << a->content_html;
  // a page without a description is summed up by its first paragraph, as other inputs
  EXPECT_EQ(e["summary"] == "" ? Summarize(p.front(), kSummaryChars) : e["summary"].get<std::string>(),
            a->summary);
  EXPECT_EQ(e["first"], p.front());
  EXPECT_EQ(e["last"], p.back());
  for (const auto& s : e["contains"])
    EXPECT_NE(std::string::npos, a->content_html.find(s.get<std::string>())) << s << "\n" << a->content_html;
  for (const auto& s : e["absent"])
    EXPECT_EQ(std::string::npos, a->content_html.find(s.get<std::string>())) << s << "\n" << a->content_html;
}

INSTANTIATE_TEST_SUITE_P(Sites, SavedPagesTest,
                         ::testing::Values("wordpress-theme", "news-jsonld", "microformats-blog",
                                           "comments-sidebar", "rtl-arabic"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace feedd::feed
