#include "feed/markdown.h"

#include <gtest/gtest.h>

namespace feedd::feed {
namespace {

TEST(MarkdownTest, FrontMatterFields) {
  std::string err;
  std::optional<ParsedFields> f = ParseMarkdown(
      "---\ntitle: T\ndate: 2026-01-02T03:04:05Z\nauthor: {name: N}\ncategories: [C1, C2]\n"
      "tags: x, y\ndescription: D\nguid: G\nlang: fa\n---\n\nBody *text*.\n",
      &err);
  ASSERT_TRUE(f) << err;
  EXPECT_EQ("T", f->title);
  EXPECT_EQ("2026-01-02T03:04:05Z", f->date);
  EXPECT_EQ(3, f->date_line);
  EXPECT_EQ("N", f->author);
  EXPECT_EQ("C1", f->category);
  EXPECT_EQ((std::vector<std::string>{"x", "y", "C2"}), f->tags);
  EXPECT_EQ("D", f->summary);
  EXPECT_EQ("G", f->id);
  EXPECT_EQ("fa", f->language);
  EXPECT_EQ("<p>Body <em>text</em>.</p>", f->content_html);
}

TEST(MarkdownTest, NoFrontMatterTakesTheFirstHeading) {
  std::string err;
  std::optional<ParsedFields> f = ParseMarkdown("# Hello & bye\n\nText.\n", &err);
  ASSERT_TRUE(f) << err;
  EXPECT_EQ("Hello & bye", f->title);
}

TEST(MarkdownTest, RawHtmlIsEscaped) {
  std::string err;
  std::optional<ParsedFields> f = ParseMarkdown("T\n\n<script>x()</script>\n", &err);
  ASSERT_TRUE(f) << err;
  EXPECT_EQ(std::string::npos, f->content_html.find("<script>"));
  EXPECT_NE(std::string::npos, f->content_html.find("&lt;script&gt;"));
}

TEST(MarkdownTest, Draft) {
  std::string err;
  EXPECT_TRUE(ParseMarkdown("---\ndraft: true\n---\nx\n", &err)->draft);
  EXPECT_FALSE(ParseMarkdown("---\ndraft: false\n---\nx\n", &err)->draft);
}

TEST(MarkdownTest, FrontMatterErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"---\ntitle: [unclosed\n---\nx\n", "line 3: front matter: end of sequence flow not found"},
      {"---\n- a\n- b\n---\nx\n", "line 2: front matter: expected key: value pairs"},
      {"---\ntitle: ok\ntags: {a: 1}\n---\nx\n", "line 3: front matter: tags: expected a list of names"},
      {"---\ntitle: [a, b]\n---\nx\n", "line 2: front matter: title: expected text"},
      {"---\ndraft: maybe\n---\nx\n", "line 2: front matter: draft: expected true or false, got \"maybe\""},
  };
  for (const Case& c : cases) {
    std::string err;
    EXPECT_FALSE(ParseMarkdown(c.text, &err)) << c.text;
    EXPECT_EQ(c.error, err) << c.text;
  }
}

TEST(MarkdownTest, UnclosedFrontMatterIsBody) {
  std::string err;
  std::optional<ParsedFields> f = ParseMarkdown("---\ntitle: x\n\nText\n", &err);
  ASSERT_TRUE(f) << err;
  EXPECT_NE(std::string::npos, f->content_html.find("Text"));
}

}  // namespace
}  // namespace feedd::feed
