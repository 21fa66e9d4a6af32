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

}  // namespace
}  // namespace feedd::feed
