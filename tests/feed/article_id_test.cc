#include "feed/article_id.h"

#include <gtest/gtest.h>

namespace feedd::feed {
namespace {

// Defect 9: an explicit "Id: 12345" was written as atom:id, which must be an
// absolute IRI. Such ids get a urn:feedd: IRI in Atom; absolute IRIs stay.
TEST(ArticleIdTest, AtomEntryIdDefect9) {
  struct Case {
    const char* id;
    bool absolute;
    const char* atom;
  } cases[] = {
      // Absolute IRIs, kept as they are.
      {"https://news.example.org/articles/a", true, "https://news.example.org/articles/a"},
      {"tag:example.org,2026:notes-quoting", true, "tag:example.org,2026:notes-quoting"},
      {"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", true,
       "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"},
      {"urn:isbn:0451450523", true, "urn:isbn:0451450523"},
      {"mailto:desk@example.org", true, "mailto:desk@example.org"},
      {"x:", true, "x:"},
      {"a+b-c.d:1", true, "a+b-c.d:1"},
      {"http://example.org/a%20b", true, "http://example.org/a%20b"},
      {"http://example.org/\xD8\xA7\xD8\xAE\xD8\xA8\xD8\xA7\xD8\xB1", true,  // Arabic path
       "http://example.org/\xD8\xA7\xD8\xAE\xD8\xA8\xD8\xA7\xD8\xB1"},
      // No scheme.
      {"12345", false, "urn:feedd:12345"},
      {"post-7", false, "urn:feedd:post-7"},
      {"a.b_c~d", false, "urn:feedd:a.b_c%7Ed"},
      {":x", false, "urn:feedd:%3Ax"},
      {"1ab:x", false, "urn:feedd:1ab%3Ax"},
      {"a_b:x", false, "urn:feedd:a_b%3Ax"},
      {"/articles/7", false, "urn:feedd:%2Farticles%2F7"},
      {"2026/11/25#7", false, "urn:feedd:2026%2F11%2F25%237"},
      {"\xD8\xAE\xD8\xA8\xD8\xB1-1", false, "urn:feedd:%D8%AE%D8%A8%D8%B1-1"},
      // A scheme, but characters an IRI forbids.
      {"post 7", false, "urn:feedd:post%207"},
      {"tag:a b", false, "urn:feedd:tag%3Aa%20b"},
      {"x:<b>", false, "urn:feedd:x%3A%3Cb%3E"},
      {"x:\"q\"", false, "urn:feedd:x%3A%22q%22"},
      {"x:{a}|b", false, "urn:feedd:x%3A%7Ba%7D%7Cb"},
      {"C:\\posts\\7", false, "urn:feedd:C%3A%5Cposts%5C7"},
      {"x:a^b", false, "urn:feedd:x%3Aa%5Eb"},
      {"x:`a`", false, "urn:feedd:x%3A%60a%60"},
      {"x:a\x7F", false, "urn:feedd:x%3Aa%7F"},
      {"x:a\xC2\x85", false, "urn:feedd:x%3Aa%C2%85"},  // U+0085, a C1 control
      {"x:100%", false, "urn:feedd:x%3A100%25"},
      {"x:%4", false, "urn:feedd:x%3A%254"},
      {"x:%zz", false, "urn:feedd:x%3A%25zz"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.absolute, IsAbsoluteIri(c.id)) << c.id;
    EXPECT_EQ(c.atom, AtomEntryId(c.id)) << c.id;
  }
}

TEST(ArticleIdTest, EmptyIsNotAnIri) {
  EXPECT_FALSE(IsAbsoluteIri(""));
  EXPECT_FALSE(IsAbsoluteIri(":"));
}

// Different ids never share an atom:id: the encoding is one to one, and what it
// makes never looks like another scheme's IRI.
TEST(ArticleIdTest, DistinctIdsStayDistinct) {
  EXPECT_NE(AtomEntryId("a b"), AtomEntryId("a%20b"));
  EXPECT_NE(AtomEntryId("A"), AtomEntryId("a"));
  EXPECT_EQ(0u, AtomEntryId("http//x").rfind("urn:feedd:", 0));
}

}  // namespace
}  // namespace feedd::feed
