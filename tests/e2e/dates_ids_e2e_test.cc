// Dates and ids as readers see them, through the real binary: an article dropped
// into the folder is read back from all three feeds over HTTP on 127.0.0.1.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using testing::Daemon;
using testing::Drop;
using testing::TempDir;
using testing::WaitUntil;

// The three feeds once `needle` is in each of them.
struct Feeds {
  std::string rss, atom, json;
};

Feeds WaitForAllThree(const Daemon& d, const std::string& needle) {
  Feeds f;
  EXPECT_TRUE(WaitUntil([&] {
    f = {d.Body("/rss.xml"), d.Body("/atom.xml"), d.Body("/feed.json")};
    return f.rss.find(needle) != std::string::npos && f.atom.find(needle) != std::string::npos &&
           f.json.find(needle) != std::string::npos;
  })) << d.Log();
  return f;
}

// Issue 10: a reader that ignores numeric offsets showed an article dated
// "+0330" three and a half hours off. Every feed now carries UTC.
TEST(DatesIdsE2eTest, AnArticleWithAnOffsetIsDatedInUtcInEveryFeedIssue10) {
  TempDir in;
  Daemon d(in.path(), {"--base-url", "https://news.example.org"});
  ASSERT_GT(d.port(), 0) << d.Log();
  Drop(in.path() / "metro.txt",
       "Title: Tehran Metro Line 10 Enters Test Phase\n"
       "Date: 2026-11-25 14:05 +0330\n\n"
       "Test runs began on Wednesday.\n");
  const Feeds f = WaitForAllThree(d, "Tehran Metro Line 10");

  pugi::xml_document rss;
  ASSERT_TRUE(rss.load_string(f.rss.c_str())) << f.rss;
  EXPECT_STREQ("Wed, 25 Nov 2026 10:35:00 +0000",
               rss.child("rss").child("channel").child("item").child_value("pubDate"));

  pugi::xml_document atom;
  ASSERT_TRUE(atom.load_string(f.atom.c_str())) << f.atom;
  EXPECT_STREQ("2026-11-25T10:35:00Z", atom.child("feed").child("entry").child_value("published"));
  // The explicit date is the published one; updated is the file's time, in UTC too.
  const std::string updated = atom.child("feed").child("entry").child_value("updated");
  EXPECT_EQ('Z', updated.empty() ? ' ' : updated.back()) << updated;
  EXPECT_EQ('Z', std::string(atom.child("feed").child_value("updated")).back());

  const nlohmann::json json = nlohmann::json::parse(f.json);
  ASSERT_EQ(1u, json["items"].size()) << f.json;
  EXPECT_EQ("2026-11-25T10:35:00Z", json["items"][0]["date_published"]);
  EXPECT_EQ(updated, json["items"][0]["date_modified"]);

  for (const std::string* body : {&f.rss, &f.atom, &f.json})
    EXPECT_EQ(std::string::npos, body->find("+03")) << *body;
  EXPECT_EQ(0, d.Stop());
}

}  // namespace
}  // namespace feedd
