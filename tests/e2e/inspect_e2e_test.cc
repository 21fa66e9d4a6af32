// `feedd inspect` through the binary: what a publisher sees before dropping a file.
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using testing::TempDir;
using testing::WriteFile;
namespace fs = std::filesystem;

struct Ran {
  std::string out;
  int status = -1;
};

Ran Inspect(const std::vector<std::string>& args) {
  std::string cmd = std::string(FEEDD_BINARY) + " inspect";
  for (const std::string& a : args) cmd += " '" + a + "'";
  Ran r;
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class InspectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.path() / "story.txt",
              testing::ReadFile(testing::TestData() / "articles" / "harbour-bridge-repairs.txt"));
    WriteFile(dir_.path() / "dated.md",
              "---\ntitle: A Dated Post\ndate: 2026-03-01T10:00:00Z\ntags: [port, city]\n"
              "lang: pt\n---\nFirst paragraph.\n\nLast paragraph.\n");
    WriteFile(dir_.path() / "draft.md", "---\ntitle: Not Yet\ndraft: true\n---\nText.\n");
    WriteFile(dir_.path() / "binary.txt", std::string(64, '\0'));
  }
  std::string P(const char* name) const { return (dir_.path() / name).string(); }
  TempDir dir_;
};

TEST_F(InspectTest, PrintsWhatEachFileBecomesAndWhatWasLeftOut) {
  const Ran r = Inspect({P("story.txt"), P("dated.md")});
  EXPECT_EQ(0, r.status) << r.out;
  for (const char* want :
       {"title:           Harbour Bridge to Close for Three Weekends of Repairs",
        "author:          Marta Kowalski", "section:         City Desk", "paragraphs:      3",
        "(file time)", "cut:             left out 2 blocks as byline and bio",
        "cut:             left out 10 blocks as site navigation", "from \"Recent Stories\"",
        "title:           A Dated Post", "date:            2026-03-01T10:00:00Z (front matter)",
        "tags:            port, city", "language:        pt (the article's), ltr",
        "first:           First paragraph.", "last:            Last paragraph."})
    EXPECT_NE(std::string::npos, r.out.find(want)) << want << "\n" << r.out;
}

TEST_F(InspectTest, SaysWhyAFileWouldBeSkippedAndExitsOne) {
  const Ran r = Inspect({P("story.txt"), P("draft.md"), P("binary.txt"), P("missing.txt")});
  EXPECT_EQ(1, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("skipped:         draft: true")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("skipped:         binary data, not text")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("skipped:         No such file or directory")) << r.out;
}

TEST_F(InspectTest, JsonForScripts) {
  const Ran r = Inspect({"--json", P("story.txt"), P("draft.md")});
  EXPECT_EQ(1, r.status);
  const nlohmann::json all = nlohmann::json::parse(r.out);
  ASSERT_EQ(2u, all.size());
  EXPECT_EQ(true, all[0]["published"]);
  EXPECT_EQ("Marta Kowalski", all[0]["author"]);
  EXPECT_EQ("City Desk", all[0]["section"]);
  EXPECT_EQ(3, all[0]["paragraphs"]);
  EXPECT_EQ("file time", all[0]["date_source"]);
  EXPECT_EQ(2u, all[0]["cut"].size());
  EXPECT_EQ(false, all[1]["published"]);
  EXPECT_EQ("draft: true", all[1]["skipped"]);
}

// A saved web page: its metadata's sources, the canonical link, what was left out;
// a page nested too deep is skipped with the reason.
TEST_F(InspectTest, SavedWebPages) {
  const fs::path pages = testing::TestData() / "html";
  fs::copy_file(pages / "news-jsonld.html", dir_.path() / "news.html");
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<div>";
  WriteFile(dir_.path() / "deep.htm", "<title>Deep</title>" + deep + "<p>Text.</p>");
  const nlohmann::json e =
      nlohmann::json::parse(testing::ReadFile(pages / "news-jsonld.expected.json"));
  const Ran r = Inspect({"--json", P("news.html"), P("deep.htm")});
  EXPECT_EQ(1, r.status) << r.out;
  const nlohmann::json all = nlohmann::json::parse(r.out);
  ASSERT_EQ(2u, all.size());
  EXPECT_EQ("html", all[0]["format"]);
  EXPECT_EQ(true, all[0]["published"]);
  EXPECT_EQ(e["title"], all[0]["title"]);
  EXPECT_EQ(e["author"], all[0]["author"]);
  EXPECT_EQ(e["published"], all[0]["date"]);
  EXPECT_EQ("page metadata", all[0]["date_source"]);
  EXPECT_EQ(e["updated"], all[0]["updated"]);
  EXPECT_EQ(e["via"], all[0]["via"]);
  EXPECT_EQ(e["paragraphs"], all[0]["paragraphs"]);
  EXPECT_EQ(e["first"], all[0]["first_paragraph"]);
  EXPECT_FALSE(all[0]["cut"].empty());
  EXPECT_EQ(false, all[1]["published"]);
  EXPECT_NE(std::string::npos, all[1]["skipped"].get<std::string>().find("nested 5000 elements deep"))
      << all[1]["skipped"];
}

TEST(InspectUsageTest, NeedsAFile) {
  const Ran r = Inspect({});
  EXPECT_EQ(64, r.status);
}

}  // namespace
}  // namespace feedd

namespace feedd {
namespace {

// An episode's media and podcast keys, as `feedd inspect` reads them (the feeds and
// the podcast tags come from the same fields).
TEST(InspectMediaTest, ShowsTheImageTheEnclosureAndTheEpisode) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "ep7.md",
                     "---\ntitle: Episode 7\nimage: https://cdn.example/art.jpg\nenclosure: ep7.mp3\n"
                     "duration: 25:30\nepisode: 7\nexplicit: false\nimage_credit: x\n---\n\nNotes.\n");
  testing::WriteFile(dir.path() / "bad.md", "---\ntitle: Bad\nenclosure: ep7.svg\n---\n\nNotes.\n");
  const Ran r = Inspect({"--json", (dir.path() / "ep7.md").string(), (dir.path() / "bad.md").string()});
  EXPECT_EQ(0, r.status) << r.out;
  const nlohmann::json all = nlohmann::json::parse(r.out);
  ASSERT_EQ(2u, all.size());
  EXPECT_EQ("https://cdn.example/art.jpg", all[0]["image"]);
  EXPECT_TRUE(all[0]["enclosure"].get<std::string>().ends_with("ep7.mp3")) << all[0]["enclosure"];
  EXPECT_EQ("audio/mpeg", all[0]["enclosure_type"]);
  EXPECT_EQ(1530, all[0]["episode"]["duration_seconds"]);
  EXPECT_EQ(7, all[0]["episode"]["episode"]);
  EXPECT_EQ(false, all[0]["episode"]["explicit"]);
  EXPECT_EQ("", all[1]["enclosure"]);
  ASSERT_EQ(1u, all[1]["warnings"].size());
  EXPECT_NE(std::string::npos, all[1]["warnings"][0].get<std::string>().find("is not a media file"));
  const Ran text = Inspect({(dir.path() / "ep7.md").string()});
  EXPECT_NE(std::string::npos, text.out.find("ep7.mp3 (audio/mpeg)")) << text.out;
}

}  // namespace
}  // namespace feedd
