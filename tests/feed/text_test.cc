#include "feed/text.h"

#include <gtest/gtest.h>

#include "feed/utf8.h"

namespace feedd::feed {
namespace {

std::string Normalize(const std::string& bytes, bool* invalid = nullptr) {
  std::string err;
  bool bad = false;
  std::optional<std::string> t = NormalizeText(bytes, &bad, &err);
  if (invalid) *invalid = bad;
  return t ? *t : "ERROR: " + err;
}

TEST(TextTest, LineEndingsAndByteOrderMark) {
  EXPECT_EQ("a\nb\nc\n\nd", Normalize("\xEF\xBB\xBF" "a\r\nb\rc\n\r\nd"));
}

TEST(TextTest, InvalidUtf8) {
  bool invalid = false;
  EXPECT_EQ("a\uFFFD(b\uFFFD\uFFFD", Normalize("a\xC3(b\xE2\x82", &invalid));  // one per bad byte
  EXPECT_TRUE(invalid);
  EXPECT_EQ("\uFFFD", Normalize("\xED\xA0\x80", &invalid).substr(0, 3));  // lone surrogate
  EXPECT_EQ("x\uFFFD", Normalize("x\xC0\xAF", &invalid).substr(0, 4));   // overlong
  EXPECT_EQ("a\uFFFDb", Normalize("a\uFFFDb", &invalid));  // a real U+FFFD is kept, not flagged
  EXPECT_FALSE(invalid);
}

TEST(TextTest, XmlForbiddenCharactersRemoved) {
  EXPECT_EQ("ab\tc" + std::string(40, 'x'),
            Normalize(std::string("a\x01" "b\t\x1F" "c") + std::string(40, 'x')));
  EXPECT_EQ("xy", Normalize("x\xEF\xBF\xBEy"));  // U+FFFE
}

TEST(TextTest, EmptyAndBinary) {
  EXPECT_EQ("ERROR: empty: no text", Normalize(""));
  EXPECT_EQ("ERROR: empty: no text", Normalize("\xEF\xBB\xBF \n\u3000\n"));
  EXPECT_EQ("ERROR: binary data, not text", Normalize(std::string(100, '\0')));
  std::string elf("\x7F" "ELF\x02\x01\x01", 7);
  elf += std::string(64, '\0');
  EXPECT_EQ("ERROR: binary data, not text", Normalize(elf));
  std::string random;
  for (int i = 0; i < 4096; ++i) random.push_back(static_cast<char>((i * 7919) % 251 + 128));
  EXPECT_EQ("ERROR: binary data, not text", Normalize(random));
}

TEST(TextTest, OneStrayNulInLongTextIsStripped) {
  std::string text(2000, 'a');
  text[1000] = '\0';
  EXPECT_EQ(1999u, Normalize(text).size());
}

TEST(Utf8Test, Helpers) {
  EXPECT_EQ(3u, CountCodePoints("aé€"));
  EXPECT_EQ(U'€', LastCodePoint("a€"));
  EXPECT_EQ("x y", Trim("\u00A0 x y\u3000\n"));
  EXPECT_TRUE(IsDigit(U'۲'));
  EXPECT_TRUE(IsDigit(U'٣'));
  EXPECT_FALSE(IsDigit(U'a'));
  EXPECT_TRUE(IsSentenceEnd(U'؟'));
}

}  // namespace
}  // namespace feedd::feed
