// Inputs that took minutes or hours when a parser rescanned to the end for every
// line, tag or link. Each is sized so the old code takes minutes; ctest's timeout
// bounds them, no timing is asserted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "feed/article_parser.h"
#include "feed/html.h"
#include "feed/plain_text.h"

namespace feedd::feed {
namespace {

std::optional<Article> Parse(const std::string& name, const std::string& text,
                             std::vector<std::string>* warnings, uint64_t max_content = 512 * 1024) {
  ParseContext context{"https://ex.org", Timestamp{1700000000, 0}, max_content};
  std::string err;
  std::optional<Article> a = ParseArticle(name, text, context, warnings, &err);
  EXPECT_TRUE(a) << err;
  return a;
}

// 65,536 time-like lines took ~25 s at 128 KB and ~30 min at 1 MB (navigation search).
TEST(HostileInputTest, MegabyteOfTimeLikeLinesIsLinear) {
  std::string text = "Title\n\n";
  while (text.size() < (1 << 20)) text += "1\n";
  std::vector<std::string> warnings;
  std::optional<Article> a = Parse("ones.txt", text, &warnings);
  ASSERT_TRUE(a);
  EXPECT_EQ("Title", a->title);
  EXPECT_LE(a->content_html.size(), 512u * 1024);
}

// The navigation rule still finds a listing of other articles after the text.
TEST(HostileInputTest, NavigationTailIsStillFound) {
  const ParsedFields f = ParsePlainText(
      "Headline of the story\n\nThe story has a paragraph that ends with a full stop.\n\n"
      "More news\n\nOther headline one\n\n2 mins ago\n\nOther headline two\n\n5 mins ago\n");
  EXPECT_EQ("<p>The story has a paragraph that ends with a full stop.</p>", f.content_html);
}

// 65,536 tags took over a minute (de-duplication by linear search); now at most 64
// are kept, of at most 100 characters, with one warning.
TEST(HostileInputTest, TagsAreDeduplicatedLinearlyAndCapped) {
  std::string list;
  for (int i = 0; i < 65536; ++i) list += (i ? ", t" : "t") + std::to_string(i % 60000);
  for (const std::string& text :
       {"Title: T\nTags: " + list + "\n\nBody text.\n", "---\ntitle: T\ntags: " + list +
                                                            "\ncategories: [" + list +
                                                            "]\n---\nBody text.\n"}) {
    std::vector<std::string> warnings;
    std::optional<Article> a =
        Parse(text[0] == '-' ? "tags.md" : "tags.txt", text, &warnings);
    ASSERT_TRUE(a);
    EXPECT_EQ(kMaxTags, a->tags.size());
    EXPECT_EQ("t0", a->tags[0]);
    EXPECT_EQ(std::vector<std::string>{"tags and categories cut to 64 of at most 100 characters each"},
              warnings);
  }
  std::vector<std::string> warnings;
  std::optional<Article> a =
      Parse("long.txt", "Title: T\nCategory: " + std::string(300, 'c') + "\nTags: " +
                            std::string(150, 'x') + ", y\n\nBody.\n", &warnings);
  ASSERT_TRUE(a);
  EXPECT_EQ(std::string(100, 'c'), a->category);
  EXPECT_EQ((std::vector<std::string>{std::string(100, 'x'), "y"}), a->tags);
  EXPECT_EQ(1u, warnings.size());
}

// 16,384 relative links took ~8 s at 128 KB (absolutisation rescanned per attribute).
TEST(HostileInputTest, ManyRelativeLinksAreLinear) {
  std::string md;
  for (int i = 0; i < 65536; ++i) md += "[t](/u)\n";
  std::vector<std::string> warnings;
  std::optional<Article> a = Parse("links.md", md, &warnings, 4 << 20);
  ASSERT_TRUE(a);
  EXPECT_NE(std::string::npos, a->content_html.find("<a href=\"https://ex.org/u\">t</a>"));
  std::string html;
  for (int i = 0; i < 65536; ++i) html += "<a href=\"/u\">t</a>\n";
  const std::string out = AbsolutizeUrls(html, "https://ex.org", "https://ex.org/articles/a");
  EXPECT_EQ(html.size() + 65536 * 14, out.size());
}

TEST(HostileInputTest, TextHelpersAreLinear) {
  const std::string amps(1 << 20, '&');
  EXPECT_EQ(amps, HtmlToText(amps));
  std::string words;
  while (words.size() < (1 << 20)) words += "word ";
  EXPECT_EQ(299u + 3, Summarize(words, 300).size());  // 60 words less the space, and "…"
}

TEST(HostileInputTest, ManyFilesWithOneSlugAreLinear) {
  std::vector<Article> articles(20000);
  std::vector<const Article*> sorted;
  for (Article& a : articles) {
    a.slug = "a";
    sorted.push_back(&a);
  }
  const std::vector<std::string> slugs = UniqueSlugs(sorted);
  EXPECT_EQ("a", slugs[0]);
  EXPECT_EQ("a-2", slugs[1]);
  EXPECT_EQ("a-20000", slugs.back());
}

TEST(HostileInputTest, PlainTextContentIsCapped) {
  std::string text = "Title\n\n";
  for (int i = 0; i < 20000; ++i) text += "A paragraph with <markup> & more words in it.\n\n";
  std::vector<std::string> warnings;
  std::optional<Article> a = Parse("big.txt", text, &warnings, 64 * 1024);
  ASSERT_TRUE(a);
  EXPECT_LE(a->content_html.size(), 64u * 1024);
  EXPECT_EQ("</p>", a->content_html.substr(a->content_html.size() - 4));
  EXPECT_EQ(std::vector<std::string>{"content cut at 65536 bytes (limits.max_content_size)"},
            warnings);
}

TEST(HostileInputTest, MarkdownTableBombIsBounded) {
  // 10 KB that md4c 0.4.8 alone turns into 20 MB of HTML: every row is padded to
  // the header's thousand columns.
  std::string md = "|", rule = "|";
  for (int i = 0; i < 1000; ++i) md += "a|", rule += "---|";
  md += "\n" + rule + "\n";
  while (md.size() < 10 * 1024) md += "x\n";
  std::vector<std::string> warnings;
  std::optional<Article> a = Parse("table.md", md, &warnings);
  ASSERT_TRUE(a);
  EXPECT_LE(a->content_html.size(), 512u * 1024);
  EXPECT_EQ("</table>", a->content_html.substr(a->content_html.size() - 8));
  EXPECT_EQ(std::vector<std::string>{"content cut at 524288 bytes (limits.max_content_size)"},
            warnings);
}

}  // namespace
}  // namespace feedd::feed
