// The seed's shape (section, headline, body, byline with bio, the site's recent
// posts) in other languages and scripts, including those written without spaces
// between words: every rule is structural, so each comes out whole.
#include <gtest/gtest.h>

#include "feed/html.h"
#include "feed/plain_text.h"
#include "tests/test_util.h"

namespace feedd::feed {
namespace {

struct Expected {
  const char* file;
  const char* section;
  const char* title;
  const char* author;
  size_t paragraphs;
  const char* first;      // start of the first paragraph
  const char* last;       // start of the last paragraph
  const char* banned[3];  // navigation and bio text that must not be in the body
};

class LanguagesTest : public ::testing::TestWithParam<Expected> {};

TEST_P(LanguagesTest, TheSeedsShapeComesOutWhole) {
  const Expected& e = GetParam();
  const ParsedFields f =
      ParsePlainText(testing::ReadFile(testing::TestData() / "languages" / e.file));
  EXPECT_EQ(e.section, f.category);
  EXPECT_EQ(e.title, f.title);
  EXPECT_EQ(e.author, f.author);
  EXPECT_EQ(0u, f.author_bio.rfind(e.author, 0)) << f.author_bio;
  const std::vector<std::string> p = ParagraphTexts(f.content_html);
  ASSERT_EQ(e.paragraphs, p.size()) << f.content_html;
  EXPECT_EQ(0u, p.front().rfind(e.first, 0)) << p.front();
  EXPECT_EQ(0u, p.back().rfind(e.last, 0)) << p.back();
  for (const char* banned : e.banned)
    EXPECT_EQ(std::string::npos, f.content_html.find(banned)) << banned;
  ASSERT_EQ(2u, f.cuts.size());  // the byline with its bio, and the navigation
}

INSTANTIATE_TEST_SUITE_P(
    Seeds, LanguagesTest,
    ::testing::Values(
        Expected{"zh-metro-line.txt", "城市", "地铁十号线下月开始试运行", "王小明", 3,
                 "市交通局周二宣布", "工程师说", {"最新文章", "港口扩建", "分钟前"}},
        Expected{"ja-harbour-plan.txt", "経済", "港湾拡張計画、市議会が承認", "山田太郎", 3,
                 "市議会は火曜日", "市長は「港は", {"最近の記事", "地下鉄新線", "5分前"}},
        Expected{"de-hafen.txt", "Lokales", "Hafenbrücke wird an drei Wochenenden gesperrt",
                 "Anna Müller", 3, "Die Stadt sperrt", "Die Fugen stammen",
                 {"Neueste Artikel", "Radwege", "vor 12 Minuten"}},
        Expected{"fr-pont.txt", "Ville", "Le pont du port fermé trois week-ends pour travaux",
                 "Claire Dubois", 3, "La ville fermera", "« Les joints",
                 {"Articles récents", "pistes cyclables", "il y a 12 min"}},
        // Thai: no spaces between words and no full stops; a space ends a sentence.
        Expected{"th-canal-boats.txt", "ข่าวเมือง",
                 "เรือโดยสารคลองแสนแสบเพิ่มรอบเช้า ลดเวลารอเหลือไม่เกินสิบนาที", "สมชาย ใจดี", 4,
                 "สำนักการจราจรและขนส่ง", "เจ้าหน้าที่กล่าวว่า",
                 {"บทความล่าสุด", "รถไฟฟ้าสายสีส้ม", "นาทีที่แล้ว"}},
        // Persian: right to left, zero-width non-joiners (\u200c) inside words,
        // ، and ؟, and Persian digits in the listing's times.
        Expected{"fa-library.txt", "فرهنگ",
                 "کتابخانهٔ مرکزی شهر پس از دو سال بازسازی دوباره باز می\u200cشود", "مریم احمدی",
                 5, "شهرداری روز سه\u200cشنبه", "به گفتهٔ شهرداری",
                 {"آخرین مطالب", "اتوبوس", "۲ دقیقه پیش"}}),
    [](const auto& info) {
      std::string name = info.param.file;
      return name.substr(0, 2);
    });

// Thai ends sentences with no mark, so its bio and paragraphs look like headlines and
// "the last sentence" above a list of titles is not found: the byline anchors the
// list instead. The Thai fixture with its listing of titles only (no teasers, no
// times), as many sites print "Recent Posts".
TEST(LanguagesLinkListTest, TitlesAfterTheBylineAreNavigationWhereSentencesHaveNoMark) {
  const std::string fixture =
      testing::ReadFile(testing::TestData() / "languages" / "th-canal-boats.txt");
  const size_t listing = fixture.find("บทความล่าสุด");
  ASSERT_NE(std::string::npos, listing);
  const ParsedFields f = ParsePlainText(fixture.substr(0, listing) +
                                        "บทความล่าสุด\n\n"
                                        "รถไฟฟ้าสายสีส้มเปิดทดลองวิ่งช่วงตะวันออก\n\n"
                                        "ห้องสมุดประชาชนขยายเวลาเปิดช่วงสอบปลายภาค\n\n"
                                        "ตลาดน้ำตลิ่งชันเตรียมจัดงานประจำปี\n");
  EXPECT_EQ("สมชาย ใจดี", f.author);
  EXPECT_EQ(0u, f.author_bio.rfind("สมชาย ใจดี เป็นผู้สื่อข่าว", 0)) << f.author_bio;
  const std::vector<std::string> p = ParagraphTexts(f.content_html);
  ASSERT_EQ(4u, p.size()) << f.content_html;
  EXPECT_EQ(0u, p.back().rfind("เจ้าหน้าที่กล่าวว่า", 0)) << p.back();
  for (const char* banned : {"บทความล่าสุด", "รถไฟฟ้าสายสีส้ม", "ตลาดน้ำ", "ผู้สื่อข่าว"})
    EXPECT_EQ(std::string::npos, f.content_html.find(banned)) << banned;
  ASSERT_EQ(2u, f.cuts.size());  // the byline with its bio, and the navigation
}

// Word counts in scripts without spaces weigh characters, so a long headline is
// not a short label and a name is a few words.
TEST(ScriptWordsTest, WordsAreCountedInScriptsWithoutSpaces) {
  const ParsedFields f = ParsePlainText(
      "国际\n\n联合国气候大会在迪拜闭幕各国同意逐步减少化石燃料\n\n大会于周三闭幕。\n");
  EXPECT_EQ("国际", f.category);
  EXPECT_EQ("联合国气候大会在迪拜闭幕各国同意逐步减少化石燃料", f.title);
  const ParsedFields thai = ParsePlainText(
      "ข่าว\n\nรัฐบาลประกาศแผนพัฒนาระบบขนส่งสาธารณะในกรุงเทพ\n\nแผนนี้จะเริ่มในปีหน้า.\n");
  EXPECT_EQ("ข่าว", thai.category);
  EXPECT_EQ("รัฐบาลประกาศแผนพัฒนาระบบขนส่งสาธารณะในกรุงเทพ", thai.title);
}

}  // namespace
}  // namespace feedd::feed
