#include "feed/plain_text.h"

#include <gtest/gtest.h>

#include "feed/html.h"
#include "feed/utf8.h"
#include "tests/test_util.h"

namespace feedd::feed {
namespace {

size_t CountParagraphs(const std::string& html) {
  size_t n = 0;
  for (size_t pos = 0; (pos = html.find("<p>", pos)) != std::string::npos; ++pos) ++n;
  return n;
}

TEST(PlainTextTest, SeedShapeInAnotherSiteAndLanguage) {
  const ParsedFields f = ParsePlainText(
      testing::ReadFile(testing::TestData() / "articles" / "harbour-bridge-repairs.txt"));
  EXPECT_EQ("City Desk", f.category);
  EXPECT_EQ("Harbour Bridge to Close for Three Weekends of Repairs", f.title);
  EXPECT_EQ("Marta Kowalski", f.author);
  EXPECT_EQ(0u, f.author_bio.rfind("Marta Kowalski covers transport", 0));
  EXPECT_EQ(3u, CountParagraphs(f.content_html));
  for (const char* banned : {"Recent Stories", "cycle lanes", "12 mins ago", "Yesterday", "joined"})
    EXPECT_EQ(std::string::npos, f.content_html.find(banned)) << banned;
}

// What the rules left out is said: which rule, where it began, how much.
TEST(PlainTextTest, CutsSayWhatWasLeftOutAndWhy) {
  const ParsedFields f = ParsePlainText(
      testing::ReadFile(testing::TestData() / "articles" / "harbour-bridge-repairs.txt"));
  ASSERT_EQ(2u, f.cuts.size());
  EXPECT_EQ("byline and bio", f.cuts[0].what);
  EXPECT_EQ("Marta Kowalski", f.cuts[0].first);
  EXPECT_EQ(2u, f.cuts[0].blocks);
  EXPECT_EQ("site navigation", f.cuts[1].what);
  EXPECT_EQ("Recent Stories", f.cuts[1].first);
  EXPECT_NE(std::string::npos, f.cuts[1].why.find("relative times"));
  const ParsedFields links = ParsePlainText(
      "Kicker\n\nThe Headline of the Story Today\n\nThe body ends with a sentence.\n\n"
      "Read more\n\nAnother story title\n\nA third story title\n");
  ASSERT_EQ(1u, links.cuts.size());
  EXPECT_EQ("Read more", links.cuts[0].first);
  EXPECT_EQ(3u, links.cuts[0].blocks);
  EXPECT_NE(std::string::npos, links.cuts[0].why.find("headline-like lines"));
  // Nothing left out, nothing said.
  EXPECT_TRUE(ParsePlainText("A Headline\n\nOne paragraph that ends.\n").cuts.empty());
}

// A paragraph that is a quotation ends its sentence inside the quotes: it is a
// sentence, not a headline, so it is neither taken for a link list nor the title.
TEST(PlainTextTest, AQuotedParagraphIsASentence) {
  for (const char* quoted : {"\"The bridge will open again in May.\"",
                             "\u201CThe bridge will open again in May.\u201D",
                             "\u00ABLe pont rouvrira en mai.\u00BB",
                             "\u300C\u6A4B\u306F\u4E94\u6708\u306B\u518D\u958B\u3057\u307E\u3059\u3002\u300D"}) {
    // Quoted closing paragraphs after the last sentence: not a list of headlines.
    const ParsedFields end = ParsePlainText(
        std::string("Kicker\n\nThe Headline of the Story Today\n\nThe body has a sentence.\n\n") +
        "Short label\n\n" + quoted + "\n\n" + quoted + "\n\n" + quoted + "\n");
    EXPECT_EQ(5u, CountParagraphs(end.content_html)) << quoted << "\n" << end.content_html;
    EXPECT_TRUE(end.cuts.empty()) << quoted;
    // A quoted opening paragraph under the headline stays in the body.
    const ParsedFields open = ParsePlainText(std::string("A Headline Over the Story\n\n") + quoted +
                                             "\n\nThe second paragraph ends here.\n");
    EXPECT_EQ("A Headline Over the Story", open.title) << quoted;
    EXPECT_EQ(2u, CountParagraphs(open.content_html)) << quoted;
  }
}

// Recent stories under a listing heading, as the seed's site has them.
const char kListing[] =
    "Council approves new cycle lanes\n\nThe council voted on Tuesday to add lanes\u2026\n\n"
    "12 mins ago\n\nSchool meals programme extended\n\nThe free meals programme will "
    "continue\u2026\n\n3 hours ago\n";

// A profile: its subject's name stands alone on a line, and the next paragraph is
// about that person. That is the article, not a byline: the author stays unknown
// and every paragraph stays.
TEST(PlainTextTest, AProfilesSubjectIsNotTheByline) {
  const ParsedFields f = ParsePlainText(
      std::string("Profiles\n\nA Life Spent Mapping the River Delta\n\n") +
      "For forty years one surveyor has walked the delta with a measuring chain.\n\n"
      "Maria Santos\n\n"
      "Maria Santos was born in 1950 in a fishing village at the river's mouth.\n\n"
      "She still keeps her first maps in a wooden chest by the door.\n\n"
      "The last paragraph of the profile ends here.\n\nRecent Stories\n\n" + kListing);
  EXPECT_EQ("A Life Spent Mapping the River Delta", f.title);
  EXPECT_EQ("", f.author);
  EXPECT_EQ(5u, CountParagraphs(f.content_html)) << f.content_html;
  EXPECT_NE(std::string::npos, f.content_html.find("The last paragraph of the profile ends here."));
  EXPECT_EQ(std::string::npos, f.content_html.find("Recent Stories"));
  // The same piece with a byline at its end: that one is the author.
  const ParsedFields signed_piece = ParsePlainText(
      std::string("Profiles\n\nA Life Spent Mapping the River Delta\n\n") +
      "Maria Santos\n\nMaria Santos was born in 1950 in a fishing village.\n\n"
      "The last paragraph of the profile ends here.\n\nJoão Pereira\n\n"
      "João Pereira writes about rivers and the people who live by them.\n\n"
      "@jpereira\n\nRecent Stories\n\n" + kListing);
  EXPECT_EQ("João Pereira", signed_piece.author);
  EXPECT_EQ(3u, CountParagraphs(signed_piece.content_html)) << signed_piece.content_html;
}

// The listing's heading names the site, in more words than a section label has.
TEST(PlainTextTest, AListingHeadingThatNamesTheSiteIsCut) {
  for (const char* heading : {"More from The Harbour Courier", "Mehr aus dem Hafenblatt Nord",
                              "Plus d'articles du Courrier du Port"}) {
    const ParsedFields f = ParsePlainText(
        std::string("City Desk\n\nHarbour Bridge to Close for Repairs\n\n") +
        "The bridge will close for three weekends.\n\nWork starts in March.\n\n" + heading +
        "\n\n" + kListing);
    EXPECT_EQ(2u, CountParagraphs(f.content_html)) << heading << "\n" << f.content_html;
    EXPECT_EQ(std::string::npos, f.content_html.find(heading)) << heading;
  }
}

// An article that ends in a short list of its own under a heading: dates, figures,
// "key: value" lines. It is not a list of other stories' titles, and stays.
TEST(PlainTextTest, AnArticleThatEndsInAShortListKeepsIt) {
  const ParsedFields f = ParsePlainText(
      "City Desk\n\nHarbour Bridge to Close for Repairs\n\nThe bridge will close for three "
      "weekends, the council said.\n\nKey dates\n\n1994: the bridge opens\n\n2015: first "
      "repairs\n\n2026: three weekend closures\n");
  EXPECT_EQ(5u, CountParagraphs(f.content_html)) << f.content_html;
  EXPECT_NE(std::string::npos, f.content_html.find("2026: three weekend closures"));
  EXPECT_TRUE(f.cuts.empty());
  const ParsedFields figures = ParsePlainText(
      "Economy\n\nThe Budget in Brief for the Coming Year\n\nThe minister presented the plan.\n\n"
      "In figures\n\nSchools get 12 million more\n\nRoads get 30 million\n\nHospitals get 45 million\n");
  EXPECT_EQ(5u, CountParagraphs(figures.content_html)) << figures.content_html;
}

// A site's name or a section path above the headline is a label, not the title,
// whether the headline is long or written without capitals.
TEST(PlainTextTest, ASiteNameOrSectionPathAboveTheHeadlineIsNotTheTitle) {
  const std::string body = "\n\nThe first paragraph of the story ends here.\n\nThe second one too.\n";
  struct Case {
    std::string top, title, section;
  } cases[] = {
      // The site's name and its section, then the headline.
      {"The Harbour Courier\n\nCity Desk\n\nHarbour Bridge to Close for Three Weekends",
       "Harbour Bridge to Close for Three Weekends", "City Desk"},
      // A section path over a long headline (34 words).
      {"Region / City\n\nThe council has voted to close the harbour bridge for three weekends "
       "in March so that engineers can replace the expansion joints installed when the bridge "
       "opened in 1994 after thirty years of traffic",
       "The council has voted to close the harbour bridge for three weekends in March so that "
       "engineers can replace the expansion joints installed when the bridge opened in 1994 "
       "after thirty years of traffic",
       "Region / City"},
      // A headline without capitals, under the site's name.
      {"harbour courier\n\nthe bridge closes for three weekends in march",
       "the bridge closes for three weekends in march", "harbour courier"},
      // A path of more words than the headline.
      {"News › Europe › Portugal › Lisbon\n\nTram Line Reopens", "Tram Line Reopens",
       "News › Europe › Portugal › Lisbon"},
  };
  for (const Case& c : cases) {
    const ParsedFields f = ParsePlainText(c.top + body);
    EXPECT_EQ(c.title, f.title) << c.top;
    EXPECT_EQ(c.section, f.category) << c.top;
    EXPECT_EQ(2u, CountParagraphs(f.content_html)) << c.top << "\n" << f.content_html;
  }
  // No label: a short headline over the first paragraph stays the title.
  const ParsedFields plain = ParsePlainText("Bridge Closes" + body);
  EXPECT_EQ("Bridge Closes", plain.title);
  EXPECT_EQ("", plain.category);
  EXPECT_EQ(2u, CountParagraphs(plain.content_html));
}

TEST(PlainTextTest, HebrewRightToLeft) {
  const ParsedFields f =
      ParsePlainText(testing::ReadFile(testing::TestData() / "articles" / "hebrew-rtl.txt"));
  EXPECT_EQ("כלכלה", f.category);
  EXPECT_EQ("הבנק המרכזי השאיר את הריבית ללא שינוי", f.title);
  EXPECT_EQ("דנה לוי", f.author);
  EXPECT_EQ(2u, CountParagraphs(f.content_html));
  EXPECT_EQ(std::string::npos, f.content_html.find("עוד כתבות"));
}

TEST(PlainTextTest, HardWrappedParagraphsAreJoined) {
  const ParsedFields f = ParsePlainText(
      testing::ReadFile(testing::TestData() / "articles" / "wrapped-no-kicker.txt"));
  EXPECT_EQ("Volunteers Count Birds Along the River for the Tenth Year", f.title);
  EXPECT_EQ("", f.category);
  EXPECT_EQ(2u, CountParagraphs(f.content_html));
  EXPECT_NE(std::string::npos, f.content_html.find("to count the birds"));
}

TEST(PlainTextTest, UnknownKeyMeansNoHeaderBlock) {
  const ParsedFields f = ParsePlainText("Note: this is not a header\n\nBody text here.\n");
  EXPECT_EQ("Note: this is not a header", f.title);
  EXPECT_EQ("<p>Body text here.</p>", f.content_html);
}

TEST(PlainTextTest, HeaderBlockOverridesHeuristics) {
  const ParsedFields f = ParsePlainText(
      "Title: Explicit\nAuthor: A. Writer\nSummary: Short.\nId: urn:x:1\nDate: 2026-01-02\n"
      "Tags: a, b, a\n\nFirst paragraph.\n\nSecond.\n");
  EXPECT_EQ("Explicit", f.title);
  EXPECT_EQ("A. Writer", f.author);
  EXPECT_EQ("Short.", f.summary);
  EXPECT_EQ("urn:x:1", f.id);
  EXPECT_EQ("2026-01-02", f.date);
  EXPECT_EQ(5, f.date_line);
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), f.tags);
  EXPECT_EQ("<p>First paragraph.</p>\n<p>Second.</p>", f.content_html);
}

TEST(PlainTextTest, TitleOnly) {
  const ParsedFields f = ParsePlainText("Just a headline\n");
  EXPECT_EQ("Just a headline", f.title);
  EXPECT_EQ("", f.content_html);
}

TEST(PlainTextTest, TextIsEscapedOnce) {
  const ParsedFields f =
      ParsePlainText("A & B <script>\n\nBody with ]]> and &amp; and <script>alert(1)</script>.\n");
  EXPECT_EQ("A & B <script>", f.title);  // titles are plain text; writers escape them
  EXPECT_EQ("<p>Body with ]]&gt; and &amp;amp; and &lt;script&gt;alert(1)&lt;/script&gt;.</p>",
            f.content_html);
}

TEST(PlainTextTest, ShortLastLineWithNumberIsNotNavigation) {
  // A number near the end with no listing above it stays in the article.
  const ParsedFields f = ParsePlainText(
      "A Headline About Results\n\nThe team finished the season in second place.\n\n"
      "Final score 3-1\n");
  EXPECT_EQ(2u, CountParagraphs(f.content_html));
}

TEST(PlainTextTest, LinkListWithoutTimesIsNavigation) {
  const ParsedFields f = ParsePlainText(
      "Kicker\n\nThe Headline of the Story Today\n\nThe body ends with a sentence.\n\n"
      "Read more\n\nAnother story title\n\nA third story title\n");
  EXPECT_EQ("Kicker", f.category);
  EXPECT_EQ("<p>The body ends with a sentence.</p>", f.content_html);
}

TEST(PlainTextTest, BylineNeedsTheBioToRepeatTheName) {
  const ParsedFields f = ParsePlainText(
      "Headline Without a Kicker Here\n\nBody paragraph one.\n\nJane Doe\n\nSomeone else wrote this.\n");
  EXPECT_EQ("", f.author);
  EXPECT_EQ(3u, CountParagraphs(f.content_html));
}

TEST(PlainTextTest, LongOpeningParagraphIsNotATitle) {
  const std::string para(60, 'x');
  const std::string text = "This opening paragraph goes on " + para + " and " + para +
                           " and on for a long while, well past any headline length.\n";
  const ParsedFields f = ParsePlainText(text);
  EXPECT_LE(CountCodePoints(f.title), 101u);
  EXPECT_EQ(1u, CountParagraphs(f.content_html));
}

}  // namespace
}  // namespace feedd::feed
