// Saved web pages as articles: five pages written in the shapes real sites give
// them (a WordPress theme, a news site with JSON-LD, a microformats blog, a plain
// div page with comments and a sidebar in windows-1252, a right-to-left page), each
// with the conversion a reader expects in NAME.expected.json; and the rules one by
// one, in small pages of their own.
#include "feed/html_page.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "feed/article_parser.h"
#include "feed/char_refs.h"
#include "feed/charset.h"
#include "feed/html.h"
#include "feed/utf8.h"
#include "tests/test_util.h"

namespace feedd::feed {
namespace {

using json = nlohmann::json;

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
  const std::vector<std::string> p = ParagraphTexts(a->content_html);
  ASSERT_EQ(e["paragraphs"].get<size_t>(), p.size()) << a->content_html;
  // a page without a description is summed up by its first paragraph, as other inputs
  EXPECT_EQ(e["summary"] == "" ? Summarize(p.front(), kSummaryChars) : e["summary"].get<std::string>(),
            a->summary);
  EXPECT_EQ(e["first"], p.front());
  EXPECT_EQ(e["last"], p.back());
  // fragments are matched as written and with the character references decoded
  // ("father's" is in the content as "father&#39;s")
  const std::string decoded = DecodeCharacterReferences(a->content_html);
  for (const auto& s : e["contains"]) {
    const std::string f = s.get<std::string>();
    EXPECT_TRUE(a->content_html.find(f) != std::string::npos || decoded.find(f) != std::string::npos)
        << s << "\n" << a->content_html;
  }
  for (const auto& s : e["absent"]) {
    const std::string f = s.get<std::string>();
    EXPECT_TRUE(a->content_html.find(f) == std::string::npos && decoded.find(f) == std::string::npos)
        << s << "\n" << a->content_html;
  }
}

INSTANTIATE_TEST_SUITE_P(Sites, SavedPagesTest,
                         ::testing::Values("wordpress-theme", "news-jsonld", "microformats-blog",
                                           "comments-sidebar", "rtl-arabic", "amp-article",
                                           "medium-post", "br-blocks-blog", "substack-post",
                                           "blogger-post", "drupal-news", "picture-lazy",
                                           "nextjs-news", "japanese-sjis", "table-layout",
                                           "listicle", "main-short-paras"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });


std::string Page(const std::string& head, const std::string& body) {
  return "<!DOCTYPE html><html><head>" + head + "</head><body>" + body + "</body></html>";
}

const std::string kText =
    "<p>The harbour board met on Tuesday, and after a long debate, it voted to reopen the old "
    "quay to small boats, fishing crews and visitors from the first of May.</p>";

TEST(HtmlPageTest, SpacesAtTheEdgesOfInlineElementsAreKept) {
  std::optional<Article> a = Parse(
      "p.html", Page("", "<article><h1>Re<em>open</em>ed</h1>" + kText +
                             "<p>Boats<em> and</em> crews<strong> </strong>return.</p></article>"));
  ASSERT_TRUE(a);
  EXPECT_EQ("Reopened", a->title);  // no space where the markup has none
  const std::vector<std::string> p = ParagraphTexts(a->content_html);
  ASSERT_EQ(2u, p.size());
  EXPECT_EQ("Boats and crews return.", p.back());
}

TEST(HtmlPageTest, DeepNestingIsAClearSkip) {
  for (size_t depth : {1500u, 200000u}) {
    std::string deep;
    for (size_t i = 0; i < depth; ++i) deep += "<div>";
    ParseError error;
    EXPECT_FALSE(Parse("deep.html", Page("", deep + kText), nullptr, nullptr, &error));
    EXPECT_EQ(ParseErrorKind::kMalformed, error.kind);
    EXPECT_NE(std::string::npos, error.message.find("nested")) << error.message;
  }
  // Tables nest inside cells; formatting elements nest as deep as divs do.
  std::string tables;
  for (int i = 0; i < 2000; ++i) tables += "<table><tr><td>";
  EXPECT_FALSE(Parse("tables.html", Page("", tables + kText)));
  // Formatting elements nest as deep as divs do.
  std::string bold;
  for (int i = 0; i < 50000; ++i) bold += "<b>";
  EXPECT_FALSE(Parse("bold.html", Page("", bold + kText)));
}

TEST(HtmlPageTest, SelfClosingSvgShapesAreNotNesting) {
  std::string icons = "<svg>";
  for (int i = 0; i < 3000; ++i) icons += "<path d=\"M0 0h1\"/>";
  icons += "</svg>";
  EXPECT_LT(EstimateHtmlNesting(icons), 5u);
  std::optional<Article> a = Parse("icons.html", Page("", icons + "<article>" + kText + "</article>"));
  ASSERT_TRUE(a);
  EXPECT_EQ(1u, ParagraphTexts(a->content_html).size());
}

TEST(HtmlPageTest, ScriptsAndHostileUrlsNeverReachTheContent) {
  std::optional<Article> a = Parse(
      "x.html",
      Page("<script>alert(1)</script><base href=\"javascript:alert(2)//\">",
           "<script>document.write('x')</script><article onclick=\"alert(3)\">" + kText +
               "<p>See <a href=\"javascript:alert(4)\">this</a>, <a href=\"jav&#x09;ascript:alert(5)\">"
               "that</a> and <a href=\"%6Aavascript:alert(6)\">more</a>.<img src=\"x\" "
               "onerror=\"alert(7)\"><img src=\"data:image/svg+xml,<svg onload=alert(8)>\">"
               "<style>p{}</style><iframe src=\"https://evil.example/\"></iframe>"
               "<svg><script>alert(9)</script></svg></p></article>"));
  ASSERT_TRUE(a);
  for (const char* bad : {"alert", "javascript", "onerror", "onclick", "<script", "<iframe",
                          "<style", "<svg", "svg+xml"})
    EXPECT_EQ(std::string::npos, a->content_html.find(bad)) << bad << "\n" << a->content_html;
  EXPECT_NE(std::string::npos, a->content_html.find("See this, that and more."));
  // The refused <base> leaves relative URLs to feedd's own page.
  EXPECT_NE(std::string::npos,
            a->content_html.find("<img src=\"https://feeds.example.org/articles/x\""));
}

TEST(HtmlPageTest, UrlsResolveAgainstBaseThenCanonicalThenFeedd) {
  const std::string body = "<article>" + kText +
                           "<p>The minutes are in <a href=\"../b/\">one</a> <img "
                           "src=\"//cdn.example.net/i.jpg\" alt=\"i\"> and <a href=\"/c\">two</a>, "
                           "the board's own pages.</p></article>";
  std::optional<Article> a = Parse(
      "x.html", Page("<base href=\"https://site.example/news/2026/\"><link rel=\"canonical\" "
                     "href=\"https://site.example/news/2026/x.html\">",
                     body));
  ASSERT_TRUE(a);
  EXPECT_NE(std::string::npos, a->content_html.find("href=\"https://site.example/news/b/\""));
  EXPECT_NE(std::string::npos, a->content_html.find("src=\"https://cdn.example.net/i.jpg\""));
  EXPECT_NE(std::string::npos, a->content_html.find("href=\"https://site.example/c\""));
  EXPECT_EQ("https://site.example/news/2026/x.html", a->via);
  a = Parse("x.html", Page("<link rel=\"canonical\" href=\"https://o.example/a/page\">", body));
  ASSERT_TRUE(a);
  EXPECT_NE(std::string::npos, a->content_html.find("href=\"https://o.example/b/\""));
  a = Parse("x.html", Page("<link rel=\"canonical\" href=\"javascript:alert(1)\">", body));
  ASSERT_TRUE(a);
  EXPECT_EQ("", a->via);  // a canonical link that is no http(s) URL is not recorded
  EXPECT_NE(std::string::npos, a->content_html.find("href=\"https://feeds.example.org/b/\""));
}

TEST(HtmlPageTest, MediaBesideThePageAreItsOwnIssue13) {
  const std::string body = "<article>" + kText +
                           "<p>The pier at dawn: <img src=\"pics/pier.jpg\" alt=\"pier\" width=\"800\" "
                           "height=\"600\"> and the <a href=\"talk.mp3\">interview</a>.</p>"
                           "<p>Saved with the page: <img src=\"story_files/crane.jpg\" alt=\"crane\" "
                           "width=\"800\" height=\"600\"> and <img src=\"/i/logo.png\" alt=\"logo\" "
                           "width=\"800\" height=\"600\">.</p></article>";
  // No canonical link or <base>: relative URLs are feedd's, as in Markdown.
  std::optional<Article> a =
      Parse("2026/story.html", Page("<meta property=\"og:image\" content=\"pics/lead.png\">", body));
  ASSERT_TRUE(a);
  const std::string& html = a->content_html;
  EXPECT_NE(std::string::npos, html.find("src=\"https://feeds.example.org/media/2026/pics/pier.jpg\"")) << html;
  EXPECT_NE(std::string::npos, html.find("href=\"https://feeds.example.org/media/2026/talk.mp3\"")) << html;
  EXPECT_NE(std::string::npos, html.find("src=\"https://feeds.example.org/media/2026/story_files/crane.jpg\"")) << html;
  EXPECT_EQ((Media{"2026/pics/lead.png", "", "image/png", 0}), a->image);  // og:image, local

  // Saved from a site: its relative URLs are the site's, but for the files a
  // browser's "save page, complete" put beside the page.
  const std::string head =
      "<link rel=\"canonical\" href=\"https://news.example/2026/story\">"
      "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":\"H\","
      "\"image\":[{\"@type\":\"ImageObject\",\"url\":\"story_files/lead.jpg\"}]}</script>";
  a = Parse("2026/story.html", Page(head, body));
  ASSERT_TRUE(a);
  EXPECT_NE(std::string::npos, a->content_html.find("src=\"https://news.example/2026/pics/pier.jpg\""));
  EXPECT_NE(std::string::npos, a->content_html.find("href=\"https://news.example/2026/talk.mp3\""));
  EXPECT_NE(std::string::npos,
            a->content_html.find("src=\"https://feeds.example.org/media/2026/story_files/crane.jpg\""))
      << a->content_html;
  EXPECT_NE(std::string::npos, a->content_html.find("src=\"https://news.example/i/logo.png\""));
  EXPECT_EQ((Media{"2026/story_files/lead.jpg", "", "image/jpeg", 0}), a->image);  // JSON-LD image

  // og:image first, absolute: the site's picture, served from there.
  a = Parse("2026/story.html",
            Page(head + "<meta property=\"og:image\" content=\"https://cdn.news.example/lead.webp\">", body));
  ASSERT_TRUE(a);
  EXPECT_EQ((Media{"", "https://cdn.news.example/lead.webp", "image/webp", 0}), a->image);
  // A hostile og:image never becomes the picture: the next source is taken.
  a = Parse("2026/story.html",
            Page(head + "<meta property=\"og:image\" content=\"javascript:alert(1)//x.jpg\">", body));
  ASSERT_TRUE(a);
  EXPECT_EQ((Media{"2026/story_files/lead.jpg", "", "image/jpeg", 0}), a->image);
  // A relative og:image that names no media file, on a page of feedd's own: none.
  a = Parse("2026/story.html", Page("<meta property=\"og:image\" content=\"lead.svg\">", body));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->image.empty());
}

TEST(HtmlPageTest, ImagesComeFromSrcsetPictureLazyLoadersAndAmp) {
  const std::string body =
      "<article>" + kText +
      // no src: the widest srcset candidate, its URL holding commas (an image CDN's)
      "<p><img srcset=\"/img/c_fill,w_400/a.jpg 400w, /img/c_fill,w_1200/a.jpg 1200w,"
      " /img/c_fill,w_800/a.jpg 800w\" sizes=\"100vw\" alt=\"a\"></p>"
      // a placeholder src and a lazy loader's srcset, densities
      "<p><img src=\"data:image/gif;base64,R0lGOD\" data-srcset=\"b-1x.jpg, b-2x.jpg 2x\" alt=\"b\"></p>"
      // a <picture> whose <img> has no source of its own
      "<picture><source type=\"image/webp\" srcset=\"c.webp 640w, c-big.webp 1280w\">"
      "<img alt=\"c\"></picture>"
      // a <picture> whose <img> has one: it wins
      "<picture><source srcset=\"d.webp\"><img src=\"d.jpg\" alt=\"d\"></picture>"
      // AMP's image element, its <noscript> copy left out
      "<amp-img src=\"e.jpg\" width=\"800\" height=\"600\" layout=\"responsive\" alt=\"e\">"
      "<noscript><img src=\"e-copy.jpg\"></noscript></amp-img>"
      // a javascript: candidate never passes
      "<p><img srcset=\"javascript:alert(1) 2x\" alt=\"f\"></p></article>";
  std::optional<Article> a =
      Parse("x.html", Page("<base href=\"https://site.example/news/\">", body));
  ASSERT_TRUE(a);
  const std::string& c = a->content_html;
  EXPECT_NE(std::string::npos, c.find("src=\"https://site.example/img/c_fill,w_1200/a.jpg\"")) << c;
  EXPECT_NE(std::string::npos, c.find("src=\"https://site.example/news/b-2x.jpg\"")) << c;
  EXPECT_NE(std::string::npos, c.find("src=\"https://site.example/news/c-big.webp\"")) << c;
  EXPECT_NE(std::string::npos, c.find("src=\"https://site.example/news/d.jpg\"")) << c;
  EXPECT_NE(std::string::npos, c.find("src=\"https://site.example/news/e.jpg\"")) << c;
  EXPECT_EQ(std::string::npos, c.find("e-copy.jpg")) << c;
  EXPECT_EQ(std::string::npos, c.find("srcset")) << c;
  EXPECT_EQ(std::string::npos, c.find("data:")) << c;
  EXPECT_EQ(std::string::npos, c.find("javascript")) << c;
}

TEST(HtmlPageTest, TextSeparatedByBlankLinesOfBreaksIsParagraphs) {
  // An old blog engine's post body: no <p>, paragraphs as <br><br>, a single <br>
  // inside a paragraph (a poem's line), emphasis running across it.
  const std::string body =
      "<div class=\"post-body entry-content\">\n"
      "The harbour board met on Tuesday, and after a long debate, it voted to reopen the quay."
      "<br /><br />\n"
      "Crews, visitors and the ferry company welcomed the vote, which <em>ends\n<br>\nthree years</em>"
      " of waiting.<br>\n<br>\n<br>\n"
      "Work starts in May, and the first boats, the board says, may tie up in June.<br />"
      "</div>";
  std::optional<Article> a = Parse("x.html", Page("<title>Quay</title>", body));
  ASSERT_TRUE(a);
  const std::vector<std::string> p = ParagraphTexts(a->content_html);
  ASSERT_EQ(3u, p.size()) << a->content_html;
  EXPECT_EQ("The harbour board met on Tuesday, and after a long debate, it voted to reopen the quay.",
            p[0]);
  EXPECT_NE(std::string::npos, a->content_html.find("<em>ends <br> three years</em>")) << a->content_html;
  EXPECT_EQ("Work starts in May, and the first boats, the board says, may tie up in June.", p[2]);
  EXPECT_EQ(std::string::npos, a->content_html.find("<br></p>")) << a->content_html;
}

TEST(HtmlPageTest, ShortLinesThatAreNoSentenceAreFurniture) {
  const std::string body =
      "<article><h1>Quay</h1>"
      "<div class=\"x1\"><img src=\"/avatar.jpg\" width=\"44\" height=\"44\" alt=\"\">"
      "<span>Ann Lee</span> <span>4 min read</span></div>"
      "<p>Updated 10:05, 12 May</p>" + kText +
      "<p>Here is what the vote means:</p><ul><li>boats return</li><li>crews too</li></ul>"
      "<p><strong>Read more:</strong> <a href=\"/x\">Quay repairs delayed again</a></p>"
      "<p>Short, and no link</p>"
      "<p><img src=\"/pixel.gif\" width=\"1\" height=\"1\" alt=\"\">The board meets again in June.</p>"
      "<p><a href=\"#top\">Back to top</a> | <a href=\"/more\">More articles</a></p></article>";
  std::vector<Cut> cuts;
  std::optional<Article> a = Parse("x.html", Page("", body), nullptr, &cuts);
  ASSERT_TRUE(a);
  const std::string& c = a->content_html;
  for (const char* gone : {"Ann Lee", "4 min read", "Updated 10:05", "avatar.jpg", "pixel.gif",
                           "Read more", "Quay repairs delayed", "Back to top", "More articles"})
    EXPECT_EQ(std::string::npos, c.find(gone)) << gone << "\n" << c;
  // a line that introduces what follows, and one after the text has begun, stay
  EXPECT_NE(std::string::npos, c.find("<p>Here is what the vote means:</p>")) << c;
  EXPECT_NE(std::string::npos, c.find("<p>Short, and no link</p>")) << c;
  EXPECT_NE(std::string::npos, c.find("<p>The board meets again in June.</p>")) << c;
  bool reported = false;
  for (const Cut& cut : cuts) reported |= cut.why == "a short line before the article's first paragraph";
  EXPECT_TRUE(reported);
}

TEST(HtmlPageTest, PlatformFacetsInKeywordsAreNotTags) {
  auto tags = [](const std::string& keywords) {
    std::optional<Article> a = Parse(
        "x.html", Page("<script type=\"application/ld+json\">{\"@type\":\"BlogPosting\","
                       "\"headline\":\"Quay\",\"keywords\":" + keywords + "}</script>",
                       "<article>" + kText + "</article>"));
    return a ? a->tags : std::vector<std::string>{"(skipped)"};
  };
  EXPECT_EQ((std::vector<std::string>{"Cycling", "Cities"}),
            tags("[\"Lite:true\",\"Tag:Cycling\",\"Tag:Cities\",\"Topic:Cities\",\"LayerCake:0\"]"));
  // a colon in a keyword or two is no facet list
  EXPECT_EQ((std::vector<std::string>{"Note: ferries", "Rhein", "Kesselbach"}),
            tags("\"Note: ferries, Rhein, Kesselbach\""));
  EXPECT_EQ((std::vector<std::string>{"C++:20", "Rust", "Go"}), tags("[\"C++:20\",\"Rust\",\"Go\"]"));
}

TEST(HtmlPageTest, CharsetsFromBomMetaAndHttpEquiv) {
  // Shift_JIS "日本" declared in <meta charset>
  std::optional<Article> a = Parse(
      "j.html", Page("<meta charset=\"shift_jis\"><title>\x93\xfa\x96\x7b</title>", kText));
  ASSERT_TRUE(a);
  EXPECT_EQ("日本", a->title);
  // windows-1252 through http-equiv; curly quotes
  a = Parse("w.html", Page("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">"
                           "<title>\x93Quoted\x94 caf\xe9</title>",
                           kText));
  ASSERT_TRUE(a);
  EXPECT_EQ("“Quoted” café", a->title);
  // UTF-16LE with its byte-order mark
  const std::string utf8 = Page("<title>Ünïcode page</title>", kText);
  std::string utf16 = "\xFF\xFE";
  for (size_t pos = 0; pos < utf8.size();) {
    const char32_t cp = DecodeUtf8(utf8, &pos);
    utf16.push_back(static_cast<char>(cp & 0xFF));
    utf16.push_back(static_cast<char>(cp >> 8));
  }
  a = Parse("u.html", utf16);
  ASSERT_TRUE(a);
  EXPECT_EQ("Ünïcode page", a->title);
  // No declaration, not UTF-8: windows-1252, the standard's default
  a = Parse("n.html", Page("<title>Fa\xe7" "ade</title>", kText));
  ASSERT_TRUE(a);
  EXPECT_EQ("Façade", a->title);
  // Declared UTF-8 with broken bytes: replaced, with a warning
  std::vector<std::string> warnings;
  a = Parse("b.html", Page("<meta charset=utf-8><title>Bro\xc3ken</title>", kText), &warnings);
  ASSERT_TRUE(a);
  EXPECT_EQ("Bro\uFFFDken", a->title);
  EXPECT_FALSE(warnings.empty());
  // An unknown label: a warning, and the default
  warnings.clear();
  a = Parse("k.html", Page("<meta charset=\"x-klingon\"><title>Plain</title>", kText), &warnings);
  ASSERT_TRUE(a);
  ASSERT_EQ(1u, warnings.size());
  EXPECT_NE(std::string::npos, warnings[0].find("x-klingon"));
}

TEST(HtmlPageTest, DraftsAndUnreadableDatesFollowTheOtherInputs) {
  ParseError error;
  EXPECT_FALSE(Parse("d.html",
                     Page("<script type=\"application/ld+json\">{\"@type\":\"BlogPosting\","
                          "\"headline\":\"Soon\",\"creativeWorkStatus\":\"Draft\"}</script>",
                          kText),
                     nullptr, nullptr, &error));
  EXPECT_EQ(ParseErrorKind::kDraft, error.kind);
  std::vector<std::string> warnings;
  std::optional<Article> a =
      Parse("t.html", Page("\n<meta property=\"article:published_time\" content=\"soon\">", kText),
            &warnings);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->explicit_date);
  ASSERT_EQ(1u, warnings.size());
  EXPECT_EQ(0u, warnings[0].find("line 2: unrecognized date")) << warnings[0];
}

TEST(HtmlPageTest, HostileJsonLdAndHugePagesEndInAnArticle) {
  std::string nested = "<script type=\"application/ld+json\">";
  for (int i = 0; i < 100000; ++i) nested += "[";
  nested += "</script><script type=\"application/ld+json\">{\"@type\":\"NewsArticle\","
            "\"headline\":7,\"author\":[{\"@id\":\"#me\"},{\"@id\":\"#me\"}],\"@graph\":5}</script>";
  std::optional<Article> a = Parse("j.html", Page(nested, kText));
  ASSERT_TRUE(a);
  EXPECT_EQ("7", a->title);
  // 10 MB of markup: an article, its content cut at the cap with a warning
  std::string huge;
  while (huge.size() < 10 * 1024 * 1024) huge += kText;
  std::vector<std::string> warnings;
  a = Parse("h.html", Page("<title>Huge</title>", "<article>" + huge + "</article>"), &warnings);
  ASSERT_TRUE(a);
  EXPECT_LE(a->content_html.size(), kContext.max_content_bytes);
  EXPECT_GT(a->content_html.size(), kContext.max_content_bytes / 2);
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(std::string::npos, warnings.back().find("content cut"));
}

TEST(HtmlPageTest, WhatWasLeftOutIsReported) {
  std::vector<Cut> cuts;
  std::optional<Article> a = Parse(
      "c.html",
      Page("", "<article>" + kText + "<div class=\"share-buttons\"><a href=\"/s\">Share this</a></div>"
               "</article><div id=\"comments\"><p>A reader wrote at length, with commas, here.</p></div>"),
      nullptr, &cuts);
  ASSERT_TRUE(a);
  EXPECT_EQ(std::string::npos, a->content_html.find("Share this"));
  EXPECT_EQ(std::string::npos, a->content_html.find("A reader wrote"));
  ASSERT_FALSE(cuts.empty());
  EXPECT_NE(std::string::npos, DescribeCut(cuts[0]).find("Share this")) << DescribeCut(cuts[0]);
}

}  // namespace
}  // namespace feedd::feed
