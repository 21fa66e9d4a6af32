#include "feed/article_parser.h"

#include <gtest/gtest.h>

namespace feedd::feed {
namespace {

const ParseContext kContext{"https://example.org", Timestamp{1700000000, 0}};

struct Result {
  std::optional<Article> article;
  std::vector<std::string> warnings;
  std::string err;
};

Result Parse(const std::string& name, const std::string& bytes) {
  Result r;
  r.article = ParseArticle(name, bytes, kContext, &r.warnings, &r.err);
  return r;
}

TEST(ArticleParserTest, FormatsByExtension) {
  EXPECT_EQ(ArticleFormat::kPlainText, FormatOf("a.txt"));
  EXPECT_EQ(ArticleFormat::kPlainText, FormatOf("dir/A.TXT"));
  EXPECT_EQ(ArticleFormat::kMarkdown, FormatOf("a.md"));
  EXPECT_EQ(ArticleFormat::kMarkdown, FormatOf("a.Markdown"));
  EXPECT_EQ(ArticleFormat::kHtml, FormatOf("a.html"));
  EXPECT_EQ(ArticleFormat::kHtml, FormatOf("b/Saved.HTM"));
  EXPECT_EQ(ArticleFormat::kNone, FormatOf("a.xhtml"));
  EXPECT_EQ(ArticleFormat::kNone, FormatOf("txt"));
  EXPECT_EQ(ArticleFormat::kNone, FormatOf(".txt"));
}

TEST(ArticleParserTest, MarkdownMediaBesideTheArticleGetsMediaUrls) {
  const Result r = Parse("2026/harbour.md",
                         "# Harbour\n\n![The pier](pics/pier%20at%20dawn.jpg)\n\n"
                         "[Listen to the episode](harbour.mp3) or [read the notes](notes.md).\n");
  ASSERT_TRUE(r.article) << r.err;
  const std::string& html = r.article->content_html;
  EXPECT_NE(std::string::npos,
            html.find("src=\"https://example.org/media/2026/pics/pier%20at%20dawn.jpg\""))
      << html;
  EXPECT_NE(std::string::npos, html.find("href=\"https://example.org/media/2026/harbour.mp3\""))
      << html;
  EXPECT_NE(std::string::npos, html.find("href=\"https://example.org/articles/notes.md\"")) << html;
}

TEST(ArticleParserTest, FrontMatterNamesTheImageTheEnclosureAndTheEpisode) {
  Result r = Parse("2026/ep12.md",
                   "---\ntitle: Episode 12\nimage: art/cover.png\nenclosure: ep12.mp3\n"
                   "duration: \"1:02:03\"\nepisode: 12\nseason: 2\nepisode_type: Full\n"
                   "explicit: no\n---\n\nWe talk about the harbour.\n");
  ASSERT_TRUE(r.article) << r.err;
  const Article& a = *r.article;
  EXPECT_EQ((Media{"2026/art/cover.png", "", "image/png", 0}), a.image);
  EXPECT_EQ((Media{"2026/ep12.mp3", "", "audio/mpeg", 0}), a.enclosure);
  EXPECT_EQ((Episode{3723, 12, 2, "full", 0}), a.episode);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();

  // A remote enclosure, as a map with its stated length and type; Hugo's images list.
  r = Parse("ep.md",
            "---\ntitle: Remote\nimages: [\"https://cdn.example/c.jpg\"]\n"
            "enclosure: {url: \"https://cdn.example/ep.m4a?x=1\", length: 4567890, type: audio/x-m4a}\n"
            "duration: 3600\nexplicit: true\n---\n\nBody text here.\n");
  ASSERT_TRUE(r.article) << r.err;
  EXPECT_EQ((Media{"", "https://cdn.example/c.jpg", "image/jpeg", 0}), r.article->image);
  EXPECT_EQ((Media{"", "https://cdn.example/ep.m4a?x=1", "audio/x-m4a", 4567890}),
            r.article->enclosure);
  EXPECT_EQ(3600, r.article->episode.duration_seconds);
  EXPECT_EQ(1, r.article->episode.explicit_content);

  // What cannot be an image or an enclosure is left out with a warning; the article stays.
  r = Parse("a/b.md",
            "---\ntitle: Bad\nimage: drawing.svg\nenclosure: ../../up.mp3\nduration: 1:75\n"
            "episode: -1\nepisode_type: pilot\nexplicit: maybe\n---\n\nBody text here.\n");
  ASSERT_TRUE(r.article) << r.err;
  EXPECT_TRUE(r.article->image.empty());
  EXPECT_TRUE(r.article->enclosure.empty());
  EXPECT_EQ((Episode{}), r.article->episode);
  EXPECT_EQ(6u, r.warnings.size());
  for (const char* bad : {"image: javascript:alert(1)//x.png", "image: ep.mp3", "enclosure: cover.jpg",
                          "enclosure: file:///etc/passwd.mp3"}) {
    r = Parse("c.md", std::string("---\ntitle: X\n") + bad + "\n---\n\nBody text here.\n");
    ASSERT_TRUE(r.article) << bad;
    EXPECT_TRUE(r.article->image.empty() && r.article->enclosure.empty()) << bad;
    EXPECT_EQ(1u, r.warnings.size()) << bad;
  }
  r = Parse("c.md", "---\ntitle: X\nenclosure: {length: 3}\n---\n\nBody.\n");
  EXPECT_FALSE(r.article);
  EXPECT_NE(std::string::npos, r.err.find("line 3: front matter: enclosure")) << r.err;
}

TEST(ArticleParserTest, PlainTextHeaderNamesMediaButACreditLineStaysText) {
  Result r = Parse("shows/ep3.txt",
                   "Title: Episode 3\nEnclosure: ep3.opus\nImage: ep3.webp\nDuration: 42:10\n"
                   "Episode Type: trailer\n\nA short trailer for the new season.\n");
  ASSERT_TRUE(r.article) << r.err;
  EXPECT_EQ("Episode 3", r.article->title);
  EXPECT_EQ((Media{"shows/ep3.opus", "", "audio/ogg", 0}), r.article->enclosure);
  EXPECT_EQ("shows/ep3.webp", r.article->image.path);
  EXPECT_EQ(2530, r.article->episode.duration_seconds);
  EXPECT_EQ("trailer", r.article->episode.type);

  r = Parse("credit.txt", "Image: Reuters\n\nThe harbour opened a new pier on Monday.\n");
  ASSERT_TRUE(r.article) << r.err;
  EXPECT_TRUE(r.article->image.empty());
  EXPECT_EQ("Image: Reuters", r.article->title);  // text, as before media keys existed
}

TEST(ArticleParserTest, RejectsWhatCannotBePublished) {
  struct Case {
    std::string name, bytes, error;
  } cases[] = {
      {"empty.txt", "", "empty: no text"},
      {"blank.txt", " \n\t\r\n  \n", "empty: no text"},
      {"bom-only.txt", "\xEF\xBB\xBF\r\n", "empty: no text"},
      {"binary.txt", std::string(16, '\0'), "binary data, not text"},
      {"png.txt", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10", 20) + std::string(200, '\x01'),
       "binary data, not text"},
      {"draft.md", "---\ndraft: true\n---\nText\n", "draft"},
      {"x.pdf", "Title\n\nBody\n", "not an article file (.txt, .md, .markdown, .html, .htm)"},
  };
  for (const Case& c : cases) {
    Result r = Parse(c.name, c.bytes);
    EXPECT_FALSE(r.article) << c.name;
    EXPECT_EQ(c.error, r.err) << c.name;
  }
}

TEST(ArticleParserTest, RejectionsSayTheirKind) {
  struct Case {
    std::string name, bytes;
    ParseErrorKind kind;
    std::string message;
  } cases[] = {
      {"draft.md", "---\ntitle: T\ndraft: yes\n---\nText\n", ParseErrorKind::kDraft, "draft"},
      {"x.pdf", "Title\n\nBody\n", ParseErrorKind::kNotArticle,
       "not an article file (.txt, .md, .markdown, .html, .htm)"},
      {"binary.txt", std::string(16, '\0'), ParseErrorKind::kBinary, "binary data, not text"},
      {"empty.md", "", ParseErrorKind::kEmpty, "empty: no text"},
      // A draft flag that is neither true nor false is bad front matter, not a draft.
      {"maybe.md", "---\ndraft: maybe\n---\nText\n", ParseErrorKind::kFrontMatter,
       "line 2: front matter: draft: expected true or false, got \"maybe\""},
  };
  for (const Case& c : cases) {
    std::vector<std::string> warnings;
    ParseError error;
    EXPECT_FALSE(ParseArticle(c.name, c.bytes, kContext, &warnings, &error)) << c.name;
    EXPECT_EQ(c.kind, error.kind) << c.name;
    EXPECT_EQ(c.message, error.message) << c.name;
  }
}

TEST(ArticleParserTest, InvalidUtf8IsReplacedWithAWarning) {
  Result r = Parse("bad.txt", "Caf\xE9 Headline\n\nBody \xFF\xFE text.\n");
  ASSERT_TRUE(r.article) << r.err;
  EXPECT_EQ("Caf\uFFFD Headline", r.article->title);
  EXPECT_EQ((std::vector<std::string>{"invalid UTF-8 replaced with U+FFFD"}), r.warnings);
}

TEST(ArticleParserTest, LanguageTagsAreWrittenInTheirCanonicalCase) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"en-gb", "en-GB"}, {"EN", "en"}, {"de_DE", "de-DE"}, {"zh-hant-tw", "zh-Hant-TW"},
      {"sr-latn", "sr-Latn"}, {"es-419", "es-419"}, {"fa-IR", "fa-IR"}};
  for (const auto& [given, canonical] : cases) {
    Result r = Parse("a.md", "---\ntitle: T\nlanguage: " + given + "\n---\nBody.\n");
    ASSERT_TRUE(r.article) << r.err;
    EXPECT_EQ(canonical, r.article->language) << given;
    EXPECT_TRUE(r.warnings.empty()) << given;
  }
  for (const std::string given : {"English", "en--gb", "e", "en-toolongsubtag", "1x", "en gb"}) {
    Result r = Parse("a.md", "---\ntitle: T\nlanguage: " + given + "\n---\nBody.\n");
    ASSERT_TRUE(r.article) << r.err;
    EXPECT_EQ("", r.article->language) << given << ": the feed's language is used";
    EXPECT_EQ((std::vector<std::string>{"language \"" + given +
                                        "\" is not a language tag; the feed's is used"}),
              r.warnings);
  }
}

TEST(ArticleParserTest, ControlCharactersAreRemoved) {
  Result r = Parse("ctl.txt", std::string("Head\x01line\x0B\n\nBo\0dy\x1F text.\n", 24));
  ASSERT_TRUE(r.article) << r.err;
  EXPECT_EQ("Headline", r.article->title);
  EXPECT_EQ("<p>Body text.</p>", r.article->content_html);
}

TEST(ArticleParserTest, IdsComeFromBaseUrlAndSlugNotContent) {
  Result a = Parse("My Story!.txt", "Title one\n\nBody one.\n");
  Result b = Parse("My Story!.txt", "Title two\n\nCompletely different body.\n");
  ASSERT_TRUE(a.article && b.article);
  EXPECT_EQ("my-story", a.article->slug);
  EXPECT_EQ("https://example.org/articles/my-story", a.article->id);
  EXPECT_EQ(a.article->id, b.article->id);
  Result explicit_id = Parse("x.txt", "Id: urn:uuid:1234\nTitle: T\n\nBody.\n");
  EXPECT_EQ("urn:uuid:1234", explicit_id.article->id);
  EXPECT_EQ("https://example.org/articles/x", explicit_id.article->link);
}

TEST(ArticleParserTest, DatesExplicitFirstElseFileTime) {
  Result dated = Parse("d.txt", "Date: 2026-11-25 14:05 +0330\nTitle: T\n\nBody.\n");
  EXPECT_TRUE(dated.article->explicit_date);
  EXPECT_EQ("2026-11-25T14:05:00+03:30", FormatRfc3339(dated.article->published));
  Result undated = Parse("u.txt", "T\n\nBody.\n");
  EXPECT_FALSE(undated.article->explicit_date);
  EXPECT_EQ(kContext.file_mtime, undated.article->published);
  EXPECT_EQ(undated.article->published, undated.article->updated);
}

TEST(ArticleParserTest, UnrecognizedDateWarnsAndUsesFileTime) {
  Result r = Parse("d.txt", "Title: T\nDate: next Tuesday\n\nBody.\n");
  ASSERT_TRUE(r.article);
  EXPECT_EQ(kContext.file_mtime, r.article->published);
  EXPECT_EQ((std::vector<std::string>{
                "line 2: unrecognized date \"next Tuesday\"; using the file's modification time"}),
            r.warnings);
}

TEST(ArticleParserTest, SummaryIsFirstParagraphCutNear300Chars) {
  std::string para;
  for (int i = 0; i < 80; ++i) para += "word" + std::to_string(i) + " ";
  Result r = Parse("s.txt", "Headline here\n\n" + para + "\n\nSecond.\n");
  ASSERT_TRUE(r.article);
  const std::string& s = r.article->summary;
  EXPECT_LE(s.size(), 300u + 3u);
  EXPECT_GT(s.size(), 250u);
  EXPECT_EQ("\u2026", s.substr(s.size() - 3));
  EXPECT_EQ(' ', para[s.size() - 3]);  // cut at a word boundary
}

TEST(ArticleParserTest, RightToLeftDetected) {
  EXPECT_TRUE(Parse("fa.txt", "سلام دنیا\n\nاین یک متن است.\n").article->right_to_left);
  EXPECT_FALSE(Parse("en.txt", "Hello\n\nThis is text.\n").article->right_to_left);
}

TEST(ArticleParserTest, MarkdownUrlsBecomeAbsolute) {
  Result r = Parse("post.md", "[a](x.html) [b](/y) [c](#z) [d](https://o.example/)\n");
  ASSERT_TRUE(r.article);
  EXPECT_NE(std::string::npos, r.article->content_html.find("href=\"https://example.org/articles/x.html\""));
  EXPECT_NE(std::string::npos, r.article->content_html.find("href=\"https://example.org/y\""));
  EXPECT_NE(std::string::npos, r.article->content_html.find("href=\"https://example.org/articles/post#z\""));
  EXPECT_NE(std::string::npos, r.article->content_html.find("href=\"https://o.example/\""));
}

TEST(ArticleParserTest, DuplicateSlugsGetSuffixes) {
  std::vector<Article> articles;
  for (const char* name : {"b/a b.txt", "a-b.md", "a/A_B.txt"}) {
    articles.push_back(*Parse(name, "T\n\nBody.\n").article);
  }
  std::vector<std::string> warnings;
  MakeSlugsUnique(&articles, kContext.base_url, &warnings);
  ASSERT_EQ(3u, articles.size());
  EXPECT_EQ("a-b", articles[0].slug);  // "a-b.md" sorts first
  EXPECT_EQ("a-b-2", articles[1].slug);
  EXPECT_EQ("https://example.org/articles/a-b-2", articles[1].id);
  EXPECT_EQ("a-b-3", articles[2].slug);
  EXPECT_EQ(2u, warnings.size());
  EXPECT_EQ("a/A_B.txt: slug \"a-b\" is taken; published as \"a-b-2\"", warnings[0]);
}

}  // namespace
}  // namespace feedd::feed
