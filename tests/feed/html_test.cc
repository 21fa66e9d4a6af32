#include "feed/html.h"

#include <gtest/gtest.h>

namespace feedd::feed {
namespace {

TEST(HtmlTest, Escape) {
  EXPECT_EQ("&lt;a href=&quot;x&quot;&gt;&amp;&#39;", EscapeHtml("<a href=\"x\">&'"));
  EXPECT_EQ("<p>a &amp; b</p>\n<p>c</p>", ParagraphsToHtml({"a & b", "c"}));
}

TEST(HtmlTest, ToText) {
  EXPECT_EQ("a & b <c> é", HtmlToText("<p>a &amp; b &lt;c&gt; &#233;</p>"));
  EXPECT_EQ("one two", HtmlToText("<li>one</li><li>two</li>"));
  EXPECT_EQ("bold!", HtmlToText("<strong>bold</strong>!"));
  EXPECT_EQ("&bogus; x", HtmlToText("&bogus; x"));
  EXPECT_EQ("first", FirstParagraphText("<h2>head</h2>\n<p>first</p><p>second</p>"));
}

TEST(HtmlTest, AbsolutizeUrls) {
  const std::string root = "https://ex.org/blog";
  const std::string page = "https://ex.org/blog/articles/post";
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"<a href=\"x.html\">", "<a href=\"https://ex.org/blog/articles/x.html\">"},
      {"<a href=\"../x\">", "<a href=\"https://ex.org/blog/x\">"},
      {"<a href=\"../../../../x\">", "<a href=\"https://ex.org/x\">"},
      {"<a href=\"/x?a=1&amp;b=2\">", "<a href=\"https://ex.org/x?a=1&amp;b=2\">"},
      {"<a href=\"#f\">", "<a href=\"https://ex.org/blog/articles/post#f\">"},
      {"<a href=\"mailto:a@b\">", "<a href=\"mailto:a@b\">"},
      {"<a href=\"//cdn.ex/x\">", "<a href=\"//cdn.ex/x\">"},
      {"<img src=\"i.png\" alt=\"x\">", "<img src=\"https://ex.org/blog/articles/i.png\" alt=\"x\">"},
      {"<img srcset=\"a.png 1x, /b.png 2x\">",
       "<img srcset=\"https://ex.org/blog/articles/a.png 1x, https://ex.org/b.png 2x\">"},
      {"<video poster=\"p.jpg\">", "<video poster=\"https://ex.org/blog/articles/p.jpg\">"},
      {"text href=\"x\" unquoted", "text href=\"https://ex.org/blog/articles/x\" unquoted"},
  };
  for (const Case& c : cases) EXPECT_EQ(c.out, AbsolutizeUrls(c.in, root, page)) << c.in;
}

TEST(HtmlTest, Summarize) {
  EXPECT_EQ("short text", Summarize("  short \n text ", 300));
  EXPECT_EQ("one two\u2026", Summarize("one two three", 9));
  EXPECT_EQ("one\u2026", Summarize("one, two", 6));
  EXPECT_EQ("abcde\u2026", Summarize("abcdefghij", 5));  // one long word is cut inside
  EXPECT_EQ("سلام\u2026", Summarize("سلام دنیا", 6));     // counts characters, not bytes
}

}  // namespace
}  // namespace feedd::feed
