// Dates and ids as readers see them, through the real binary: an article dropped
// into the folder is read back from all three feeds over HTTP on 127.0.0.1.
#include <map>

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

// Defect 9: "Id: 12345" was written as atom:id, which must be an absolute IRI.
// Atom shows urn:feedd:12345, RSS and JSON Feed keep 12345, and the log says so
// once for the file read; an id that is an IRI is neither changed nor logged.
TEST(DatesIdsE2eTest, AnIdThatIsNotAnIriIsAUrnInAtomAndLoggedOnceDefect9) {
  TempDir in;
  Daemon d(in.path(), {"--base-url", "https://news.example.org"});
  ASSERT_GT(d.port(), 0) << d.Log();
  Drop(in.path() / "tagged.txt", "Title: Tagged Story\nId: tag:example.org,2026:t\n\nBody.\n");
  Drop(in.path() / "numbered.txt", "Title: Numbered Story\nId: 12345\n\nBody.\n");
  const Feeds f = WaitForAllThree(d, "Numbered Story");
  ASSERT_NE(std::string::npos, f.atom.find("Tagged Story")) << f.atom;

  pugi::xml_document atom;
  ASSERT_TRUE(atom.load_string(f.atom.c_str())) << f.atom;
  std::map<std::string, std::string> atom_ids;  // title -> id
  for (pugi::xml_node e : atom.child("feed").children("entry"))
    atom_ids[e.child_value("title")] = e.child_value("id");
  EXPECT_EQ("urn:feedd:12345", atom_ids["Numbered Story"]);
  EXPECT_EQ("tag:example.org,2026:t", atom_ids["Tagged Story"]);

  pugi::xml_document rss;
  ASSERT_TRUE(rss.load_string(f.rss.c_str())) << f.rss;
  std::map<std::string, std::string> guids;
  for (pugi::xml_node i : rss.child("rss").child("channel").children("item")) {
    guids[i.child_value("title")] = i.child_value("guid");
    EXPECT_STREQ("false", i.child("guid").attribute("isPermaLink").value());
  }
  EXPECT_EQ("12345", guids["Numbered Story"]);
  EXPECT_EQ("tag:example.org,2026:t", guids["Tagged Story"]);

  std::map<std::string, std::string> json_ids;
  const nlohmann::json json = nlohmann::json::parse(f.json);
  for (const nlohmann::json& item : json["items"])
    json_ids[item["title"].get<std::string>()] = item["id"].get<std::string>();
  EXPECT_EQ("12345", json_ids["Numbered Story"]);
  EXPECT_EQ("tag:example.org,2026:t", json_ids["Tagged Story"]);

  EXPECT_EQ(1u, d.CountInLog("numbered.txt: id \"12345\" is not an absolute IRI; Atom shows it as "
                             "urn:feedd:12345"))
      << d.Log();
  EXPECT_EQ(1u, d.CountInLog("is not an absolute IRI")) << d.Log();
  EXPECT_EQ(0, d.Stop());
}

}  // namespace
}  // namespace feedd
