#include "feed/url.h"

#include <gtest/gtest.h>

#include "feed/char_refs.h"

namespace feedd::feed {
namespace {

const UrlBase kBase{"https://ex.org/blog", "https://ex.org/blog/articles/post"};

TEST(UrlTest, RefusesSchemesThatRunOrReadLocally) {
  const char* refused[] = {
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      "JAVASCRIPT:alert(1)",
      "vbscript:msgbox(1)",
      "VBScript:msgbox(1)",
      "data:text/html,<script>alert(1)</script>",
      "DATA:text/html;base64,PHNjcmlwdD4=",
      "file:///etc/passwd",
      "ftp://ex.org/x",
      "chrome://settings",
      "x-unknown:thing",
      "  javascript:alert(1)",               // leading spaces
      "\x01\x02javascript:alert(1)",         // leading C0 controls
      "\x1f javascript:alert(1)",
      "java\tscript:alert(1)",               // tab and newlines inside the scheme
      "java\nscript:alert(1)",
      "java\rscript:alert(1)",
      "jav\x01" "ascript:alert(1)",          // another control inside
      "javascript%3Aalert(1)",               // percent-encoded
      "%6Aavascript:alert(1)",
      "%256Aavascript:alert(1)",             // twice
      "javascript :alert(1)",
      "data:image/png;base64,iVBORw0KGgo=",  // images only in img src
  };
  for (const char* url : refused) {
    EXPECT_FALSE(SafeUrl(url, UrlContext::kLink, kBase)) << url;
  }
}

TEST(UrlTest, CharacterReferencesAreDecodedAsABrowserDoes) {
  const char* refused[] = {
      "&#106;avascript:alert(1)",  "&#x6A;avascript:alert(1)",   "&#X6a;avascript:alert(1)",
      "&#0000106;avascript:x",     "&#106avascript:alert(1)",    "javascript&colon;alert(1)",
      "java&Tab;script:alert(1)",  "java&NewLine;script:x",      "&#32;javascript:x",
      "jav&#x09;ascript:alert(1)", "&#x6a&#x61&#x76&#x61script:x",
  };
  for (const char* raw : refused) {
    EXPECT_FALSE(SafeUrl(DecodeCharacterReferences(raw), UrlContext::kLink, kBase)) << raw;
  }
  EXPECT_EQ("a&b", DecodeCharacterReferences("a&amp;b"));
  EXPECT_EQ("?x=1&copy=2", DecodeCharacterReferences("?x=1&copy=2"));  // legacy name before '='
  EXPECT_EQ("\u00a9 x", DecodeCharacterReferences("&copy x"));
  EXPECT_EQ("&notit;", DecodeCharacterReferences("&notit;"));  // in an attribute: kept
  EXPECT_EQ("\u00ac it", DecodeCharacterReferences("&not it"));
  EXPECT_EQ("&bogus;", DecodeCharacterReferences("&bogus;"));
  EXPECT_EQ("\uFFFD\uFFFD", DecodeCharacterReferences("&#0;&#xD800;"));
  std::string out;
  EXPECT_TRUE(AppendCharacterReference("&NewLine;", &out));
  EXPECT_FALSE(AppendCharacterReference("&nosuch;", &out));
  EXPECT_FALSE(AppendCharacterReference("&#x;", &out));
  EXPECT_EQ("\n", out);
}

TEST(UrlTest, AllowsWebLinksMailAndRelativeUrlsMadeAbsolute) {
  struct Case {
    const char* in;
    UrlContext context;
    const char* out;
  } cases[] = {
      {"https://ex.com/a?b=1&c=2", UrlContext::kLink, "https://ex.com/a?b=1&c=2"},
      {"HTTP://ex.com/", UrlContext::kLink, "HTTP://ex.com/"},
      {"  http://ex.com/ \n", UrlContext::kLink, "http://ex.com/"},
      {"mailto:a@b.org", UrlContext::kLink, "mailto:a@b.org"},
      {"x.html", UrlContext::kLink, "https://ex.org/blog/articles/x.html"},
      {"../x", UrlContext::kLink, "https://ex.org/blog/x"},
      {"/about", UrlContext::kLink, "https://ex.org/about"},
      {"#part-2", UrlContext::kLink, "https://ex.org/blog/articles/post#part-2"},
      {"//cdn.ex/x", UrlContext::kImage, "//cdn.ex/x"},
      {"a b\"<>'.html", UrlContext::kLink, "https://ex.org/blog/articles/a%20b%22%3C%3E%27.html"},
      {"caf\u00e9", UrlContext::kLink, "https://ex.org/blog/articles/caf%C3%A9"},
      {"http://[::1]:8080/[x]~", UrlContext::kLink, "http://[::1]:8080/%5Bx%5D%7E"},  // as md4c
      {"", UrlContext::kLink, ""},
      {"data:image/png;base64,iVBORw0KGgo=", UrlContext::kImage,
       "data:image/png;base64,iVBORw0KGgo="},
      {"DATA:Image/GIF;base64,R0lG", UrlContext::kImage, "DATA:Image/GIF;base64,R0lG"},
  };
  for (const Case& c : cases) {
    std::optional<std::string> url = SafeUrl(c.in, c.context, kBase);
    ASSERT_TRUE(url) << c.in;
    EXPECT_EQ(c.out, *url) << c.in;
  }
}

TEST(UrlTest, OnlyRasterImagesAsDataInImages) {
  const char* refused[] = {
      "data:image/svg+xml,<svg onload=alert(1)>", "data:image/SVG+XML;base64,PHN2Zz4=",
      "data:text/html,x",  "data:,x", "data:image/,x", "data:image/png", "data:image/p ng,x",
      "javascript:alert(1)",
  };
  for (const char* url : refused) EXPECT_FALSE(SafeUrl(url, UrlContext::kImage, kBase)) << url;
}

}  // namespace
}  // namespace feedd::feed

namespace feedd::feed {
namespace {

TEST(UrlTest, RelativeMediaFilesBecomeTheirMediaUrls) {
  const UrlBase base{"https://ex.org/blog", "https://ex.org/blog/articles/post", "2026/post.md"};
  struct Case {
    const char* url;
    const char* want;
  } cases[] = {
      {"ep 1.mp3", "https://ex.org/blog/media/2026/ep%201.mp3"},
      {"pics/a.JPG", "https://ex.org/blog/media/2026/pics/a.JPG"},
      {"../cover.png", "https://ex.org/blog/media/cover.png"},
      {"./talk.mp4#t=30", "https://ex.org/blog/media/2026/talk.mp4#t=30"},
      {"caf%C3%A9.webp", "https://ex.org/blog/media/2026/caf%C3%A9.webp"},
      // Not media beside the article: resolved against the page as before.
      {"notes.txt", "https://ex.org/blog/articles/notes.txt"},
      {"drawing.svg", "https://ex.org/blog/articles/drawing.svg"},
      {"../../../etc/x.png", "https://ex.org/etc/x.png"},  // climbs out of the folder
      {"/img/a.png", "https://ex.org/img/a.png"},           // the site's own path
      {"https://cdn.example/a.mp3", "https://cdn.example/a.mp3"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.want, SafeUrl(c.url, UrlContext::kImage, base).value_or("<refused>")) << c.url;
  }
  // Without the article's path (feeds, pages): no /media/ rewriting.
  EXPECT_EQ("https://ex.org/blog/articles/ep.mp3",
            SafeUrl("ep.mp3", UrlContext::kLink, UrlBase{base.site_root, base.page_url}));
}

}  // namespace
}  // namespace feedd::feed
