// The pages feedd generates need no script: served with a Content-Security-Policy
// that allows none, they must work, so they carry no <script>, no inline event
// handler and no javascript: URL of their own.
#include <regex>

#include <gtest/gtest.h>

#include "feed/pages.h"

namespace feedd::feed {
namespace {

void ExpectNoScript(const std::string& html) {
  EXPECT_EQ(std::string::npos, html.find("<script")) << html;
  EXPECT_EQ(std::string::npos, html.find("javascript:")) << html;
  static const std::regex kHandler(R"(<[^>]*\son[a-z]+\s*=)", std::regex::icase);
  EXPECT_FALSE(std::regex_search(html, kHandler)) << html;
}

TEST(PagesNoScriptTest, IndexAndArticlePages) {
  Channel c;
  c.base_url = "https://ex.org";
  c.title = "Ex";
  c.description = "A site";
  c.language = "en";
  Article a;
  a.slug = "a";
  a.link = "https://ex.org/articles/a";
  a.id = a.link;
  a.title = "Title";
  a.author = "Author";
  a.author_bio = "Bio.";
  a.category = "World";
  a.tags = {"Trade"};
  a.summary = "Summary";
  a.language = "en";
  a.content_html = "<p>Body</p>";
  a.published = a.updated = {1764000000, 0};
  const std::vector<const Article*> list = {&a};
  const std::string index = RenderIndexPage(c, list, {"World"}, {"Trade"});
  // The feed address is still there to copy, now without the onfocus handler.
  EXPECT_NE(std::string::npos,
            index.find("<input readonly size=\"40\" value=\"https://ex.org/atom.xml\">"));
  ExpectNoScript(index);
  ExpectNoScript(RenderArticlePage(c, a));
}

}  // namespace
}  // namespace feedd::feed
