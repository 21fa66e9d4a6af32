#include "feed/pages.h"

#include <gtest/gtest.h>

namespace feedd::feed {
namespace {

Article RightToLeft() {
  Article a;
  a.slug = "hebrew";
  a.link = "https://ex.org/articles/hebrew";
  a.id = a.link;
  a.title = "הבנק המרכזי";
  a.author = "דנה לוי";
  a.author_bio = "דנה לוי היא כתבת.";
  a.category = "כלכלה";
  a.tags = {"Rates & Banks"};
  a.summary = "תקציר";
  a.content_html = "<p>גוף</p>";
  a.right_to_left = true;
  a.published = a.updated = {1764000000, 0};
  return a;
}

Channel Site() {
  Channel c;
  c.base_url = "https://ex.org";
  c.title = "Ex <News>";
  c.language = "en";
  return c;
}

TEST(PagesTest, ArticlePage) {
  const std::string html = RenderArticlePage(Site(), RightToLeft());
  EXPECT_NE(std::string::npos, html.find("<html lang=\"\" dir=\"rtl\">"));
  EXPECT_NE(std::string::npos, html.find("<title>הבנק המרכזי · Ex &lt;News&gt;</title>"));
  EXPECT_NE(std::string::npos, html.find("<meta property=\"og:title\" content=\"הבנק המרכזי\">"));
  EXPECT_NE(std::string::npos, html.find("<meta property=\"og:url\" content=\"https://ex.org/articles/hebrew\">"));
  EXPECT_NE(std::string::npos, html.find("<meta property=\"og:type\" content=\"article\">"));
  EXPECT_NE(std::string::npos, html.find("<meta property=\"article:published_time\" content=\"2025-11-24T16:00:00Z\">"));
  EXPECT_NE(std::string::npos, html.find("<span class=\"author\">דנה לוי</span>"));
  EXPECT_NE(std::string::npos, html.find("<p class=\"bio\">דנה לוי היא כתבת.</p>"));
  EXPECT_NE(std::string::npos, html.find("https://ex.org/categories/%D7%9B%D7%9C%D7%9B%D7%9C%D7%94/rss.xml"));
  EXPECT_NE(std::string::npos, html.find("Tagged Rates &amp; Banks: <a href=\"https://ex.org/tags/rates-banks/rss.xml\">"));
  EXPECT_NE(std::string::npos, html.find("<link rel=\"alternate\" type=\"application/atom+xml\""));
  Article ltr = RightToLeft();
  ltr.right_to_left = false;
  ltr.language = "de";
  EXPECT_NE(std::string::npos, RenderArticlePage(Site(), ltr).find("<html lang=\"de\" dir=\"ltr\">"));
}

TEST(PagesTest, IndexPage) {
  const Article a = RightToLeft();
  const std::vector<const Article*> list = {&a};
  const std::string html = RenderIndexPage(Site(), list, {"כלכלה"}, {"Rates & Banks"});
  EXPECT_NE(std::string::npos, html.find("<li dir=\"rtl\"><a href=\"https://ex.org/articles/hebrew\">"));
  EXPECT_NE(std::string::npos, html.find("value=\"https://ex.org/atom.xml\""));
  EXPECT_NE(std::string::npos, html.find("<h2>Categories</h2>"));
  EXPECT_NE(std::string::npos, html.find("<li>Rates &amp; Banks: <a href=\"https://ex.org/tags/rates-banks/rss.xml\">"));
  EXPECT_NE(std::string::npos, html.find("<link rel=\"alternate\" type=\"application/feed+json\""));
}

// Issue 10: pages show the date as the author wrote it, but what machines read
// (datetime, article:*_time) is UTC, like the feeds.
TEST(PagesTest, MachineReadableDatesAreUtcIssue10) {
  Article a = RightToLeft();
  a.published = *ParseDate("2026-11-20T01:00:00+03:30");  // still the 19th in UTC
  a.updated = *ParseDate("2026-11-25 14:05 +0330");
  const std::string page = RenderArticlePage(Site(), a);
  EXPECT_NE(std::string::npos, page.find("<time datetime=\"2026-11-19T21:30:00Z\">2026-11-20</time>"))
      << page;
  EXPECT_NE(std::string::npos,
            page.find("<meta property=\"article:published_time\" content=\"2026-11-19T21:30:00Z\">"));
  EXPECT_NE(std::string::npos,
            page.find("<meta property=\"article:modified_time\" content=\"2026-11-25T10:35:00Z\">"));
  EXPECT_EQ(std::string::npos, page.find("+03:30"));
  const std::vector<const Article*> list = {&a};
  const std::string index = RenderIndexPage(Site(), list, {}, {});
  EXPECT_NE(std::string::npos, index.find("<time datetime=\"2026-11-19T21:30:00Z\">2026-11-20</time>"))
      << index;
}

}  // namespace
}  // namespace feedd::feed
