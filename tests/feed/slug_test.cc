#include "feed/slug.h"

#include <gtest/gtest.h>

namespace feedd::feed {
namespace {

TEST(SlugTest, FromFileNames) {
  struct Case {
    const char* name;
    const char* slug;
  } cases[] = {
      {"iran-pakistan-rapid-reaction-force.txt", "iran-pakistan-rapid-reaction-force"},
      {"2026-11-20-port-expansion.md", "2026-11-20-port-expansion"},
      {"sub/dir/Hello World!!.txt", "hello-world"},
      {"  __Leading and trailing__  .md", "leading-and-trailing"},
      {"café crème.txt", "café-crème"},
      {"سفر وزیر.txt", "سفر-وزیر"},
      {"a\u2014b\u200Bc.txt", "a-b-c"},
      {"no-extension", "no-extension"},
      {"v1.2.txt", "v1-2"},
  };
  for (const Case& c : cases) EXPECT_EQ(c.slug, MakeSlug(c.name)) << c.name;
}

TEST(SlugTest, NamesWithoutLettersStillGetAStableSlug) {
  const std::string slug = MakeSlug("!!!.txt");
  EXPECT_EQ(0u, slug.rfind("article-", 0));
  EXPECT_EQ(slug, MakeSlug("!!!.txt"));
  EXPECT_NE(slug, MakeSlug("???.txt"));
}

TEST(SlugTest, PercentEncode) {
  EXPECT_EQ("a-b_c.d~", PercentEncode("a-b_c.d~"));
  EXPECT_EQ("caf%C3%A9%20%2F", PercentEncode("café /"));
}

}  // namespace
}  // namespace feedd::feed
