#include "feed/feed_writer.h"

#include <gtest/gtest.h>
#include <pugixml.hpp>

namespace feedd::feed {
namespace {

Article MakeArticle(const std::string& slug, int64_t published) {
  Article a;
  a.slug = slug;
  a.link = "https://ex.org/articles/" + slug;
  a.id = a.link;
  a.title = "Title " + slug;
  a.summary = "Summary " + slug;
  a.content_html = "<p>Body " + slug + "</p>";
  a.published = a.updated = Timestamp{published, 0};
  return a;
}

Channel MakeChannel() {
  Channel c;
  c.base_url = "https://ex.org";
  c.title = "Ex & Co";
  c.description = "News";
  c.language = "en";
  c.generator_version = "1.2.3";
  return c;
}

pugi::xml_document ParseXml(const std::string& xml) {
  pugi::xml_document doc;
  const pugi::xml_parse_result r = doc.load_string(xml.c_str());
  EXPECT_TRUE(r) << r.description() << "\n" << xml;
  return doc;
}

TEST(FeedWriterTest, SelectsNewestFirstWithLimit) {
  std::vector<Article> articles = {MakeArticle("old", 100), MakeArticle("new", 300),
                                   MakeArticle("mid-b", 200), MakeArticle("mid-a", 200)};
  const std::vector<const Article*> items = SelectItems(articles, 3);
  ASSERT_EQ(3u, items.size());
  EXPECT_EQ("new", items[0]->slug);
  EXPECT_EQ("mid-a", items[1]->slug);  // equal dates: by id
  EXPECT_EQ("mid-b", items[2]->slug);
}

TEST(FeedWriterTest, RssFieldByField) {
  Article a = MakeArticle("one", 1764000000);
  a.title = "Bj\u00f6rk & <Friends> ]]>";
  a.author = "Ann";
  a.category = "Music";
  a.tags = {"live", "Music"};
  a.content_html = "<p>x &amp; y</p>";
  std::vector<Article> articles = {a};
  const std::string xml = RenderRss(MakeChannel(), SelectItems(articles, 50));
  pugi::xml_document doc = ParseXml(xml);
  const pugi::xml_node ch = doc.child("rss").child("channel");
  EXPECT_STREQ("2.0", doc.child("rss").attribute("version").value());
  EXPECT_STREQ("Ex & Co", ch.child_value("title"));
  EXPECT_STREQ("https://ex.org/", ch.child_value("link"));
  EXPECT_STREQ("News", ch.child_value("description"));
  EXPECT_STREQ("en", ch.child_value("language"));
  EXPECT_STREQ("feedd 1.2.3", ch.child_value("generator"));
  EXPECT_STREQ("Mon, 24 Nov 2025 16:00:00 +0000", ch.child_value("lastBuildDate"));
  EXPECT_STREQ("https://ex.org/rss.xml", ch.child("atom:link").attribute("href").value());
  EXPECT_STREQ("self", ch.child("atom:link").attribute("rel").value());
  const pugi::xml_node item = ch.child("item");
  EXPECT_EQ(a.title, item.child_value("title"));  // escaped once, read back exactly
  EXPECT_STREQ("https://ex.org/articles/one", item.child_value("link"));
  EXPECT_STREQ("https://ex.org/articles/one", item.child_value("guid"));
  EXPECT_STREQ("true", item.child("guid").attribute("isPermaLink").value());
  EXPECT_STREQ("Mon, 24 Nov 2025 16:00:00 +0000", item.child_value("pubDate"));
  EXPECT_STREQ("Summary one", item.child_value("description"));
  EXPECT_STREQ("<p>x &amp; y</p>", item.child_value("content:encoded"));
  EXPECT_STREQ("Ann", item.child_value("dc:creator"));
  std::vector<std::string> cats;
  for (pugi::xml_node c : item.children("category")) cats.push_back(c.child_value());
  EXPECT_EQ((std::vector<std::string>{"Music", "live"}), cats);
  EXPECT_EQ(std::string::npos, xml.find("CDATA"));
  EXPECT_NE(std::string::npos, xml.find("Bj\u00f6rk &amp; &lt;Friends&gt; ]]&gt;"));
}

TEST(FeedWriterTest, GuidIsNotAPermalinkWhenTheIdIsNotTheLink) {
  Article a = MakeArticle("one", 1);
  a.id = "urn:uuid:5";
  std::vector<Article> articles = {a};
  pugi::xml_document doc = ParseXml(RenderRss(MakeChannel(), SelectItems(articles, 50)));
  const pugi::xml_node guid = doc.child("rss").child("channel").child("item").child("guid");
  EXPECT_STREQ("false", guid.attribute("isPermaLink").value());
  EXPECT_STREQ("urn:uuid:5", guid.child_value());
}

// Defect 9: an explicit id that is not an absolute IRI made an invalid atom:id.
// Atom gets urn:feedd: and the id percent-encoded; RSS keeps the id as given.
TEST(FeedWriterTest, AnIdThatIsNotAnIriGetsAUrnInAtomOnlyDefect9) {
  Article numeric = MakeArticle("numeric", 2);
  numeric.id = "12345";
  numeric.explicit_id = true;
  Article spaced = MakeArticle("spaced", 1);
  spaced.id = "post 7/\xC3\xA9";
  spaced.explicit_id = true;
  Article tag = MakeArticle("tag", 0);
  tag.id = "tag:example.org,2026:x";
  std::vector<Article> articles = {numeric, spaced, tag};
  pugi::xml_document atom = ParseXml(RenderAtom(MakeChannel(), SelectItems(articles, 50)));
  std::vector<std::string> ids;
  for (pugi::xml_node e : atom.child("feed").children("entry")) ids.push_back(e.child_value("id"));
  EXPECT_EQ((std::vector<std::string>{"urn:feedd:12345", "urn:feedd:post%207%2F%C3%A9",
                                      "tag:example.org,2026:x"}),
            ids);
  pugi::xml_document rss = ParseXml(RenderRss(MakeChannel(), SelectItems(articles, 50)));
  std::vector<std::string> guids;
  for (pugi::xml_node i : rss.child("rss").child("channel").children("item")) {
    guids.push_back(i.child_value("guid"));
    EXPECT_STREQ("false", i.child("guid").attribute("isPermaLink").value());
  }
  EXPECT_EQ((std::vector<std::string>{"12345", "post 7/\xC3\xA9", "tag:example.org,2026:x"}),
            guids);
}

TEST(FeedWriterTest, AtomFieldByField) {
  Article a = MakeArticle("one", 1764000000);
  a.updated = Timestamp{1764003600, 0};
  a.published = Timestamp{1764000000, 210};
  a.author = "Ann";
  a.category = "Music";
  std::vector<Article> articles = {a, MakeArticle("two", 5)};
  pugi::xml_document doc = ParseXml(RenderAtom(MakeChannel(), SelectItems(articles, 50)));
  const pugi::xml_node feed = doc.child("feed");
  EXPECT_STREQ("http://www.w3.org/2005/Atom", feed.attribute("xmlns").value());
  EXPECT_STREQ("https://ex.org/", feed.child_value("id"));
  EXPECT_STREQ("Ex & Co", feed.child_value("title"));
  EXPECT_STREQ("text", feed.child("title").attribute("type").value());
  EXPECT_STREQ("2025-11-24T17:00:00Z", feed.child_value("updated"));
  EXPECT_STREQ("Ex & Co", feed.child("author").child_value("name"));
  EXPECT_STREQ("https://ex.org/atom.xml",
               feed.find_child_by_attribute("link", "rel", "self").attribute("href").value());
  EXPECT_STREQ("https://ex.org/",
               feed.find_child_by_attribute("link", "rel", "alternate").attribute("href").value());
  EXPECT_STREQ("1.2.3", feed.child("generator").attribute("version").value());
  const pugi::xml_node entry = feed.child("entry");
  EXPECT_STREQ("https://ex.org/articles/one", entry.child_value("id"));
  EXPECT_STREQ("Title one", entry.child_value("title"));
  EXPECT_STREQ("2025-11-24T16:00:00Z", entry.child_value("published"));  // UTC (issue 10)
  EXPECT_STREQ("2025-11-24T17:00:00Z", entry.child_value("updated"));
  EXPECT_STREQ("Ann", entry.child("author").child_value("name"));
  EXPECT_STREQ("Music", entry.child("category").attribute("term").value());
  EXPECT_STREQ("Summary one", entry.child_value("summary"));
  EXPECT_STREQ("html", entry.child("content").attribute("type").value());
  EXPECT_STREQ("<p>Body one</p>", entry.child_value("content"));
  EXPECT_STREQ("https://ex.org/articles/one",
               entry.find_child_by_attribute("link", "rel", "alternate").attribute("href").value());
  EXPECT_FALSE(entry.next_sibling("entry").child("author"));  // inherits the feed's author
}

// Issue 10: a reader that ignores numeric offsets showed "+03:30" items 3.5 hours
// off. Every date of both feeds is written in UTC; the instant is kept.
TEST(FeedWriterTest, DatesWithAnOffsetAreWrittenInUtcIssue10) {
  Article a = MakeArticle("tehran", 0);
  a.published = *ParseDate("2026-11-25 14:05 +0330");
  a.updated = *ParseDate("2026-11-26T09:00:00+03:30");
  std::vector<Article> articles = {a};
  pugi::xml_document rss = ParseXml(RenderRss(MakeChannel(), SelectItems(articles, 50)));
  const pugi::xml_node ch = rss.child("rss").child("channel");
  EXPECT_STREQ("Wed, 25 Nov 2026 10:35:00 +0000", ch.child("item").child_value("pubDate"));
  EXPECT_STREQ("Thu, 26 Nov 2026 05:30:00 +0000", ch.child_value("lastBuildDate"));
  pugi::xml_document atom = ParseXml(RenderAtom(MakeChannel(), SelectItems(articles, 50)));
  const pugi::xml_node feed = atom.child("feed");
  EXPECT_STREQ("2026-11-26T05:30:00Z", feed.child_value("updated"));
  EXPECT_STREQ("2026-11-25T10:35:00Z", feed.child("entry").child_value("published"));
  EXPECT_STREQ("2026-11-26T05:30:00Z", feed.child("entry").child_value("updated"));
}

TEST(FeedWriterTest, SameInputSameBytes) {
  std::vector<Article> articles = {MakeArticle("a", 1), MakeArticle("b", 2)};
  std::vector<Article> reversed = {articles[1], articles[0]};
  EXPECT_EQ(RenderRss(MakeChannel(), SelectItems(articles, 50)),
            RenderRss(MakeChannel(), SelectItems(reversed, 50)));
  EXPECT_EQ(RenderAtom(MakeChannel(), SelectItems(articles, 50)),
            RenderAtom(MakeChannel(), SelectItems(reversed, 50)));
}

TEST(FeedWriterTest, EmptyFeedsAreValid) {
  std::vector<Article> none;
  pugi::xml_document rss = ParseXml(RenderRss(MakeChannel(), SelectItems(none, 50)));
  EXPECT_FALSE(rss.child("rss").child("channel").child("item"));
  EXPECT_FALSE(rss.child("rss").child("channel").child("lastBuildDate"));
  pugi::xml_document atom = ParseXml(RenderAtom(MakeChannel(), SelectItems(none, 50)));
  EXPECT_STREQ("1970-01-01T00:00:00Z", atom.child("feed").child_value("updated"));
}

}  // namespace
}  // namespace feedd::feed
