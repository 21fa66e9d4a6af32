// Hostile article files dropped into the daemon's folder (issue 9), read back over
// HTTP from the real binary: no live script link on the pages or in the feeds,
// bounded output, and a pathological file that does not stall the next article.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <cctype>
#include <regex>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using namespace std::chrono_literals;
using testing::Daemon;
using testing::Drop;
using testing::TempDir;
using testing::WaitUntil;
namespace fs = std::filesystem;

// Every link form of the issue, each with its text "Tn" so the text can be found.
const char kHostileMarkdown[] =
    "---\ntitle: Hostile links\n---\n\n"
    "[T1](javascript:alert(1)) [T2](JaVaScRiPt:alert(2)) [T3](vbscript:msgbox(3)) "
    "[T4](VBSCRIPT:msgbox(4)) [T5](data:text/html,<script>alert(5)</script>) "
    "[T6](DATA:text/html;base64,PHNjcmlwdD4=) [T7](<  javascript:alert(7)>) "
    "[T8](&#1;&#2;javascript:alert(8)) [T9](java&Tab;script:alert(9)) "
    "[T10](java&NewLine;script:alert(10)) [T11](&#106;avascript:alert(11)) "
    "[T12](&#x6A;avascript:alert(12)) [T13](javascript&colon;alert(13)) "
    "[T14](javascript%3Aalert(14)) [T15](%6Aavascript:alert(15)) [T16][r1] [T17][r2]\n\n"
    "<javascript:alert(18)> <vbscript:msgbox(19)> <data:text/html,x20>\n\n"
    "![T21](javascript:alert(21)) ![T22](data:image/svg+xml,<svg/onload=alert(22)>) "
    "![T23](&#106;avascript:alert(23)) ![T24](data:text/html,x)\n\n"
    "[T25](file:///etc/passwd) [T26](x-unknown:thing)\n\n"
    "Allowed: [OK1](https://example.com/a) [OK2](/about) [OK3](mailto:me@example.com) "
    "<https://example.com/auto> www.example.com/www me@example.com "
    "![OK4](data:image/png;base64,iVBORw0KGgo=)\n\n"
    "Carriage&#13;return and &#xD;another.\n\n"
    "[r1]: javascript:alert(16)\n[r2]: &#x6a;avascript:alert(17)\n";

// The values of every href and src attribute in an HTML text, references decoded
// the way a browser would for the few that matter here.
std::vector<std::string> UrlAttributes(const std::string& html) {
  std::vector<std::string> out;
  static const std::regex attr(R"re((?:href|src)\s*=\s*"([^"]*)")re", std::regex::icase);
  for (auto it = std::sregex_iterator(html.begin(), html.end(), attr); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

// What a browser would run or read locally: script-capable or local schemes, after
// stripping what WHATWG URL parsing strips (and decoding references, as HTML does).
bool Forbidden(std::string url) {
  for (auto [from, to] : {std::pair{"&amp;", "&"}, std::pair{"&#106;", "j"},
                          std::pair{"&#x6A;", "j"}, std::pair{"&colon;", ":"}}) {
    for (size_t p; (p = url.find(from)) != std::string::npos;) url.replace(p, strlen(from), to);
  }
  std::string s;
  for (char c : url) {
    if (static_cast<unsigned char>(c) > 0x20) s.push_back(static_cast<char>(std::tolower(c)));
  }
  for (const char* scheme : {"javascript:", "vbscript:", "file:", "x-unknown:"}) {
    if (s.rfind(scheme, 0) == 0) return true;
  }
  return s.rfind("data:", 0) == 0 && s.rfind("data:image/png", 0) != 0;
}

// The HTML a feed carries for its items: RSS content:encoded, Atom content, JSON content_html.
std::string FeedHtml(const std::string& xml, const char* element) {
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str())) return "<not well-formed>";
  std::string html;
  for (const pugi::xpath_node& n : doc.select_nodes(element)) html += n.node().text().get();
  return html;
}

void ExpectNoLiveScript(const std::string& html, const std::string& where) {
  const std::vector<std::string> urls = UrlAttributes(html);
  EXPECT_FALSE(urls.empty()) << where;
  for (const std::string& u : urls) EXPECT_FALSE(Forbidden(u)) << where << ": " << u;
  for (int i = 1; i <= 26; ++i) {
    if (i == 18 || i == 19 || i == 20) continue;  // autolinks: their text is the URL
    EXPECT_NE(std::string::npos, html.find("T" + std::to_string(i) + (i < 10 ? " " : "")))
        << where << ": text T" << i << " lost";
  }
  EXPECT_NE(std::string::npos, html.find("javascript:alert(18)")) << where;
  EXPECT_NE(std::string::npos, html.find("href=\"https://example.com/a\">OK1</a>")) << where;
  EXPECT_NE(std::string::npos, html.find("href=\"http://127.0.0.1/about\">OK2</a>")) << where;
  EXPECT_NE(std::string::npos, html.find("href=\"mailto:me@example.com\">OK3</a>")) << where;
  EXPECT_NE(std::string::npos, html.find("href=\"https://example.com/auto\"")) << where;
  EXPECT_NE(std::string::npos, html.find("href=\"http://www.example.com/www\"")) << where;
  EXPECT_NE(std::string::npos, html.find("href=\"mailto:me@example.com\">me@example.com"))
      << where;
  EXPECT_NE(std::string::npos, html.find("src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"OK4\""))
      << where;
}

std::string Unescape(std::string json_html) {
  for (size_t p; (p = json_html.find("\\\"")) != std::string::npos;) json_html.replace(p, 2, "\"");
  for (size_t p; (p = json_html.find("\\u003c")) != std::string::npos;) json_html.replace(p, 6, "<");
  return json_html;
}

// 10 KB of Markdown: a table with a thousand columns and rows of one cell, each
// padded by md4c 0.4.8 to the full width.
std::string TableBomb() {
  std::string md = "---\ncategories: [Tables]\ntags: [bomb]\n---\n|", rule = "|";
  for (int i = 0; i < 1000; ++i) md += "a|", rule += "---|";
  md += "\n" + rule + "\n";
  while (md.size() < 10 * 1024) md += "x\n";
  return md;
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class HostileArticlesTest : public ::testing::Test {
 protected:
  TempDir dir_;
  fs::path in() const { return dir_.path(); }
};

TEST_F(HostileArticlesTest, ScriptLinksAreDeadOnPagesAndInFeeds) {
  Daemon d(in(), {"--base-url", "http://127.0.0.1"});
  ASSERT_GT(d.port(), 0) << d.Log();
  Drop(in() / "hostile.md", kHostileMarkdown);
  ASSERT_TRUE(WaitUntil([&] { return !d.Body("/articles/hostile").empty(); })) << d.Log();

  const std::string page = d.Body("/articles/hostile");
  ExpectNoLiveScript(page, "/articles/hostile");
  const std::string rss = d.Body("/rss.xml");
  ExpectNoLiveScript(FeedHtml(rss, "//item/content:encoded"), "/rss.xml");
  const std::string atom = d.Body("/atom.xml");
  ExpectNoLiveScript(FeedHtml(atom, "//*[local-name()='entry']/*[local-name()='content']"),
                     "/atom.xml");
  const std::string json = d.Body("/feed.json");
  const size_t at = json.find("\"content_html\":\"");
  ASSERT_NE(std::string::npos, at);
  ExpectNoLiveScript(Unescape(json.substr(at, json.find("\",\"", at + 16) - at)), "/feed.json");
  EXPECT_EQ(std::string::npos, page.find("alert(22)\"")) << "svg data image kept";
  // A reference to CR is a line end, not a raw CR that XML readers turn into LF.
  EXPECT_NE(std::string::npos, page.find("Carriage\nreturn and \nanother.")) << page;
  EXPECT_EQ(std::string::npos, rss.find("&#13;"));
  EXPECT_EQ(std::string::npos, rss.find('\r'));
  EXPECT_EQ(std::string::npos, atom.find('\r'));
  EXPECT_EQ(0u, d.CountInLog("error")) << d.Log();
}

// 10 KB of Markdown table (thousands of columns) became 10 MB of HTML and a 22 MB
// RSS feed with md4c 0.4.8 alone.
TEST_F(HostileArticlesTest, TableBombIsBoundedAndTheFeedStaysUnderItsCap) {
  const std::string md = TableBomb();
  Daemon d(in(), {"--base-url", "http://127.0.0.1", "--max-feed-size", "1M",
                  "--max-content-size", "256K"});
  ASSERT_GT(d.port(), 0) << d.Log();
  // Five such articles would be 1.25 MB of content: the feeds must shed some.
  for (int i = 0; i < 5; ++i) Drop(in() / ("table" + std::to_string(i) + ".md"), md);
  ASSERT_TRUE(WaitUntil([&] {
    return d.Body("/rss.xml").find("/articles/table4") != std::string::npos &&
           d.Body("/rss.xml").find("/articles/table0") != std::string::npos;
  }, 20s)) << d.Log();
  const std::string page = d.Body("/articles/table0");
  EXPECT_LT(page.size(), 256u * 1024 + 8192);
  EXPECT_EQ(128u, testing::Count(page, "<th>"));
  EXPECT_NE(std::string::npos, page.find("</tr>\n</tbody>\n</table>\n"));
  for (const char* feed : {"/rss.xml", "/atom.xml", "/feed.json", "/tags/bomb/rss.xml",
                           "/tags/bomb/atom.xml", "/tags/bomb/feed.json",
                           "/categories/tables/rss.xml"}) {
    const std::string body = d.Body(feed);
    EXPECT_LE(body.size(), 1u << 20) << feed;
    EXPECT_GT(body.size(), 0u) << feed;
    if (body[0] == '<') {
      pugi::xml_document doc;
      EXPECT_TRUE(doc.load_string(body.c_str())) << feed;
    }
    for (int i = 0; i < 5; ++i) {  // fewer items only when summaries do not fit
      EXPECT_NE(std::string::npos, body.find("/articles/table" + std::to_string(i))) << feed;
    }
  }
  EXPECT_GT(d.CountInLog("content cut at 262144 bytes (limits.max_content_size)"), 0u) << d.Log();
  EXPECT_GT(d.CountInLog("carry their summary only to stay within 1048576 bytes"), 0u) << d.Log();
}

// `feedd render` applies the same caps to the files it writes.
TEST_F(HostileArticlesTest, RenderCommandCapsContentAndFeeds) {
  TempDir out, logs;
  const std::string md = TableBomb();
  for (int i = 0; i < 5; ++i) Drop(in() / ("table" + std::to_string(i) + ".md"), md);
  const std::string cmd = Quote(FEEDD_BINARY) + " render --input " + Quote(in().string()) +
                          " --output " + Quote(out.path().string()) +
                          " --base-url https://ex.org --max-feed-size 1M --max-content-size 256K"
                          " 2>" + Quote((logs.path() / "err").string());
  ASSERT_EQ(0, std::system(cmd.c_str()));
  const std::string log = testing::ReadFile(logs.path() / "err");
  EXPECT_NE(std::string::npos, log.find("content cut at 262144 bytes")) << log;
  EXPECT_NE(std::string::npos, log.find("rss.xml: ")) << log;
  for (const char* name : {"rss.xml", "atom.xml"}) {
    const std::string body = testing::ReadFile(out.path() / name);
    EXPECT_LE(body.size(), 1u << 20) << name;
    EXPECT_GT(body.size(), 256u * 1024) << name;  // one full item at least
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(body.c_str())) << name;
    for (int i = 0; i < 5; ++i)
      EXPECT_NE(std::string::npos, body.find("/articles/table" + std::to_string(i))) << name;
  }
}

// 1 MB of "1" lines took half an hour in the plain-text navigation search, and
// nothing else was published meanwhile.
TEST_F(HostileArticlesTest, BigFileOfTimeLikeLinesDoesNotStallTheNextArticle) {
  Daemon d(in(), {"--base-url", "http://127.0.0.1"});
  ASSERT_GT(d.port(), 0) << d.Log();
  std::string ones = "Ones\n\n";
  while (ones.size() < (1 << 20)) ones += "1\n";
  Drop(in() / "ones.txt", ones);
  Drop(in() / "next.txt", "Title: The next article\n\nIt is published promptly.\n");
  ASSERT_TRUE(WaitUntil([&] {
    return d.Body("/rss.xml").find("The next article") != std::string::npos;
  }, 60s)) << d.Log();
  const std::string page = d.Body("/articles/ones");
  EXPECT_FALSE(page.empty());
  EXPECT_LE(page.size(), 512u * 1024 + 8192);
}

}  // namespace
}  // namespace feedd
