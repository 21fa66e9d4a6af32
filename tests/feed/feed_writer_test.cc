#include "feed/feed_writer.h"
#include "feed/podcast.h"

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

namespace feedd::feed {
namespace {

TEST(PodcastTest, GuidIsTheUuidV5OfTheFeedUrlAsPodcasting20Says) {
  // The namespace's own example (podcast-namespace docs/1.0.md, <podcast:guid>).
  EXPECT_EQ("917393e3-1b1e-5cef-ace4-edaa54e1f810", PodcastGuid("https://mp3s.nashownotes.com/pc20rss.xml"));
  // The scheme and trailing slashes are not part of the name.
  EXPECT_EQ(PodcastGuid("https://mp3s.nashownotes.com/pc20rss.xml"),
            PodcastGuid("http://mp3s.nashownotes.com/pc20rss.xml//"));
  EXPECT_NE(PodcastGuid("https://ex.org/a/rss.xml"), PodcastGuid("https://ex.org/b/rss.xml"));
  EXPECT_TRUE(IsUuid(PodcastGuid("x")));
  EXPECT_FALSE(IsUuid("917393e3-1b1e-5cef-ace4-edaa54e1f81"));
  EXPECT_FALSE(IsUuid("917393e3x1b1e-5cef-ace4-edaa54e1f810"));
  EXPECT_FALSE(IsUuid("g17393e3-1b1e-5cef-ace4-edaa54e1f810"));
}

TEST(PodcastTest, Sha1KnownAnswers) {
  auto hex = [](const std::string& raw) {
    std::string out;
    for (unsigned char c : raw) out += "0123456789abcdef"[c >> 4], out += "0123456789abcdef"[c & 15];
    return out;
  };
  EXPECT_EQ("da39a3ee5e6b4b0d3255bfef95601890afd80709", hex(Sha1("")));
  EXPECT_EQ("a9993e364706816aba3e25717850c26c9cd0d89d", hex(Sha1("abc")));
  EXPECT_EQ("84983e441c3bd26ebaae4aa1f95129e5e54670f1",
            hex(Sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")));
  EXPECT_EQ("34aa973cd4c4daa4f61eeb2bdbad27316534016f", hex(Sha1(std::string(1000000, 'a'))));
}

TEST(PodcastTest, AppleCategories) {
  EXPECT_TRUE(IsPodcastCategory("Technology", ""));
  EXPECT_TRUE(IsPodcastCategory("Society & Culture", "Documentary"));
  EXPECT_FALSE(IsPodcastCategory("Society & Culture", "Tech News"));
  EXPECT_FALSE(IsPodcastCategory("technology", ""));
  EXPECT_FALSE(IsPodcastCategory("Podcasting", ""));
}

TEST(PodcastTest, RssCarriesAppleAndPodcasting20TagsOnlyWhenEnabled) {
  Channel c = MakeChannel();
  c.author = "Ana";
  Article ep = MakeArticle("ep1", 1764000000);
  ep.enclosure = {"ep1.mp3", "https://ex.org/media/ep1.mp3", "audio/mpeg", 24494};
  ep.image = {"ep1.png", "https://ex.org/media/ep1.png", "image/png", 300};
  ep.episode = {.duration_seconds = 754, .number = 3, .season = 2, .type = "bonus", .explicit_content = 1};
  Article text = MakeArticle("text", 1763000000);
  const std::vector<Article> articles = {ep, text};
  const std::string plain = RenderRss(c, SelectItems(articles, 10));
  EXPECT_EQ(std::string::npos, plain.find("itunes")) << plain;
  EXPECT_EQ(std::string::npos, plain.find("podcast:")) << plain;

  c.podcast.enabled = true;
  c.podcast.image_url = "https://ex.org/media/cover.png";
  c.podcast.categories = {{"Society & Culture", "Documentary"}, {"News", ""}};
  c.podcast.owner_name = "Ana B";
  c.podcast.owner_email = "ana@ex.org";
  c.podcast.type = "serial";
  c.podcast.locked = true;
  const std::string xml = RenderRss(c, SelectItems(articles, 10));
  pugi::xml_document doc = ParseXml(xml);
  pugi::xml_node rss = doc.child("rss");
  EXPECT_STREQ("http://www.itunes.com/dtds/podcast-1.0.dtd", rss.attribute("xmlns:itunes").value());
  EXPECT_STREQ("https://podcastindex.org/namespace/1.0", rss.attribute("xmlns:podcast").value());
  pugi::xml_node ch = rss.child("channel");
  EXPECT_STREQ("Ana", ch.child_value("itunes:author"));  // the feed's author by default
  EXPECT_STREQ("Ana B", ch.child("itunes:owner").child_value("itunes:name"));
  EXPECT_STREQ("ana@ex.org", ch.child("itunes:owner").child_value("itunes:email"));
  EXPECT_STREQ("https://ex.org/media/cover.png", ch.child("itunes:image").attribute("href").value());
  pugi::xml_node cat = ch.child("itunes:category");
  EXPECT_STREQ("Society & Culture", cat.attribute("text").value());
  EXPECT_STREQ("Documentary", cat.child("itunes:category").attribute("text").value());
  EXPECT_STREQ("News", cat.next_sibling("itunes:category").attribute("text").value());
  EXPECT_FALSE(cat.next_sibling("itunes:category").first_child());
  EXPECT_STREQ("false", ch.child_value("itunes:explicit"));
  EXPECT_STREQ("serial", ch.child_value("itunes:type"));
  EXPECT_EQ(PodcastGuid("https://ex.org/rss.xml"), ch.child_value("podcast:guid"));
  EXPECT_STREQ("yes", ch.child_value("podcast:locked"));
  EXPECT_STREQ("ana@ex.org", ch.child("podcast:locked").attribute("owner").value());

  pugi::xml_node item = ch.child("item");
  EXPECT_STREQ("Title ep1", item.child_value("title"));
  EXPECT_STREQ("754", item.child_value("itunes:duration"));
  EXPECT_STREQ("3", item.child_value("itunes:episode"));
  EXPECT_STREQ("2", item.child_value("itunes:season"));
  EXPECT_STREQ("bonus", item.child_value("itunes:episodeType"));
  EXPECT_STREQ("true", item.child_value("itunes:explicit"));
  EXPECT_STREQ("https://ex.org/media/ep1.png", item.child("itunes:image").attribute("href").value());
  // An item that knows nothing of episodes gets no made-up tags.
  pugi::xml_node other = item.next_sibling("item");
  EXPECT_STREQ("Title text", other.child_value("title"));
  for (const char* tag : {"itunes:duration", "itunes:episode", "itunes:season", "itunes:episodeType",
                          "itunes:explicit", "itunes:image"})
    EXPECT_FALSE(other.child(tag)) << tag;

  // A configured guid names the podcast; a category feed (a path) derives its own.
  c.podcast.guid = "0f6a5d4c-1111-5222-8333-444455556666";
  EXPECT_STREQ("0f6a5d4c-1111-5222-8333-444455556666",
               ParseXml(RenderRss(c, SelectItems(articles, 10))).child("rss").child("channel").child_value("podcast:guid"));
  c.path = "/categories/world";
  EXPECT_EQ(PodcastGuid("https://ex.org/categories/world/rss.xml"),
            ParseXml(RenderRss(c, SelectItems(articles, 10))).child("rss").child("channel").child_value("podcast:guid"));
  // A WebP picture is no episode art for Apple.
  ep.image.type = "image/webp";
  c.path.clear();
  EXPECT_FALSE(ParseXml(RenderRss(c, SelectItems(std::vector<Article>{ep}, 10)))
                   .child("rss").child("channel").child("item").child("itunes:image"));
}

}  // namespace
}  // namespace feedd::feed
