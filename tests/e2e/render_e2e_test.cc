// `feedd render` through the real binary, as a user runs it.
#include <sys/stat.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <cstdlib>
#include <random>

#include "tests/e2e/daemon_harness.h"
#include "tests/test_util.h"

namespace feedd {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;
namespace fs = std::filesystem;

struct Outcome {
  int exit_code = -1;
  std::string out, err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

Outcome Feedd(const std::vector<std::string>& args) {
  TempDir logs;
  std::string cmd = Quote(FEEDD_BINARY);
  for (const std::string& a : args) cmd += " " + Quote(a);
  cmd += " >" + Quote((logs.path() / "out").string()) + " 2>" + Quote((logs.path() / "err").string());
  const int status = std::system(cmd.c_str());
  Outcome r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(logs.path() / "out");
  r.err = ReadFile(logs.path() / "err");
  return r;
}

Outcome Render(const fs::path& in, const fs::path& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"render", "--input", in.string(), "--output", out.string(),
                                   "--base-url", "https://news.example.org/"};
  args.insert(args.end(), extra.begin(), extra.end());
  return Feedd(args);
}

std::vector<std::string> RssTitles(const fs::path& out) {
  pugi::xml_document doc;
  const pugi::xml_parse_result r = doc.load_file((out / "rss.xml").c_str());
  EXPECT_TRUE(r) << r.description();
  std::vector<std::string> titles;
  for (pugi::xml_node item : doc.child("rss").child("channel").children("item"))
    titles.push_back(item.child_value("title"));
  return titles;
}

size_t AtomEntries(const fs::path& out) {
  pugi::xml_document doc;
  const pugi::xml_parse_result r = doc.load_file((out / "atom.xml").c_str());
  EXPECT_TRUE(r) << r.description();
  size_t n = 0;
  for (pugi::xml_node e : doc.child("feed").children("entry")) n += !e.empty();
  return n;
}

TEST(RenderE2eTest, HelpAndVersion) {
  Outcome help = Feedd({"--help"});
  EXPECT_EQ(0, help.exit_code);
  EXPECT_NE(std::string::npos, help.out.find("feedd render --input DIR --output DIR --base-url URL"));
  Outcome version = Feedd({"--version"});
  EXPECT_EQ(0, version.exit_code);
  EXPECT_EQ(0u, version.out.rfind("feedd ", 0));
}

TEST(RenderE2eTest, RendersTheBundledExamples) {
  TempDir out;
  Outcome r = Render(testing::SourceDir() / "examples" / "articles", out.path() / "feeds");
  ASSERT_EQ(0, r.exit_code) << r.err;
  EXPECT_NE(std::string::npos, r.err.find("rendered 5 of 5 articles into")) << r.err;
  EXPECT_EQ(5u, RssTitles(out.path() / "feeds").size());
  EXPECT_EQ(5u, AtomEntries(out.path() / "feeds"));
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(out.path() / "feeds"))
    files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  // The complete site, as the daemon serves it (issue 10), and no temporaries left.
  EXPECT_EQ((std::vector<std::string>{"articles", "atom.xml", "atom.xml.br", "atom.xml.gz",
                                      "categories", "feed.json", "feed.json.br", "feed.json.gz",
                                      "index.html", "index.html.br", "index.html.gz", "rss.xml",
                                      "rss.xml.br", "rss.xml.gz", "tags"}),
            files);
}

// render --state-dir uses the state: a URL claimed there is kept, although the
// files' order alone would give it to the other file.
TEST(RenderE2eTest, StateDirKeepsTheDaemonsClaims) {
  TempDir in, state, first, second;
  testing::WriteFile(in.path() / "a-b.md", "---\ntitle: First Claim\ndate: 2026-01-01\n---\nBody.\n");
  ASSERT_EQ(0, Render(in.path(), first.path(), {"--state-dir", state.path().string()}).exit_code);
  EXPECT_TRUE(fs::exists(state.path() / "state.db"));
  testing::WriteFile(in.path() / "a b.txt", "Title: Newcomer\nDate: 2026-01-02\n\nBody.\n");
  Outcome r = Render(in.path(), second.path(), {"--state-dir", state.path().string()});
  ASSERT_EQ(0, r.exit_code) << r.err;
  EXPECT_NE(std::string::npos, ReadFile(second.path() / "articles/a-b/index.html").find("First Claim"));
  EXPECT_NE(std::string::npos, ReadFile(second.path() / "articles/a-b-2/index.html").find("Newcomer"));
}

TEST(RenderE2eTest, TheOutputHoldsTheMediaWithTheirTimesIssue13) {
  TempDir in, out;
  fs::create_directories(in.path() / "2026");
  WriteFile(in.path() / "2026" / "harbour talk.mp3", testing::Wav(1));  // any bytes will do
  WriteFile(in.path() / "2026" / "ep.md",
            "---\ntitle: Ep\ndate: 2026-01-01\nenclosure: harbour talk.mp3\n---\n\nBody.\n");
  WriteFile(in.path() / "cover.png", "png bytes");
  const auto when = fs::file_time_type(std::chrono::seconds(0)) + std::chrono::hours(24 * 365 * 50);
  fs::last_write_time(in.path() / "2026" / "harbour talk.mp3", when);
  WriteFile(out.path() / "media" / "old.jpg", "a copy of a file that is gone");
  Outcome r = Render(in.path(), out.path());
  ASSERT_EQ(0, r.exit_code) << r.err;
  // Where a static server finds /media/2026/harbour%20talk.mp3, byte for byte, dated as the source.
  const fs::path copy = out.path() / "media" / "2026" / "harbour talk.mp3";
  EXPECT_EQ(testing::Wav(1), ReadFile(copy));
  EXPECT_EQ(when, fs::last_write_time(copy));
  EXPECT_EQ("png bytes", ReadFile(out.path() / "media" / "cover.png"));
  EXPECT_FALSE(fs::exists(out.path() / "media" / "old.jpg"));
  EXPECT_NE(std::string::npos, ReadFile(out.path() / "rss.xml").find("/media/2026/harbour%20talk.mp3"));
  // Nothing is left beside the copies, and a second render keeps them as they are.
  size_t files = 0;
  for (auto& e : fs::recursive_directory_iterator(out.path() / "media")) files += e.is_regular_file();
  EXPECT_EQ(2u, files);
  const auto inode = [](const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_ino;
  };
  const auto before = inode(copy);
  WriteFile(in.path() / "cover.png", "new png bytes");
  ASSERT_EQ(0, Render(in.path(), out.path()).exit_code);
  EXPECT_EQ(before, inode(copy));  // current: not copied again
  EXPECT_EQ("new png bytes", ReadFile(out.path() / "media" / "cover.png"));
}

// For a static server or a CDN (issue 14): every file has its .gz and .br twins,
// all three dated as the resource's last change (the article's date here), so a
// static server's Last-Modified is feedd's. A second render over the folder keeps
// what is current, twins included (same inode), and removes what a write cut short
// by a crash left behind.
TEST(RenderE2eTest, EveryFileHasTwinsDatedAsItsResource) {
  TempDir in, out;
  WriteFile(in.path() / "old-news.md", "---\ntitle: Old News\ndate: 2020-03-04T05:06:07Z\n---\n\nBody.\n");
  ASSERT_EQ(0, Render(in.path(), out.path()).exit_code);
  const auto mtime = [](const fs::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? int64_t{st.st_mtim.tv_sec} : int64_t{-1};
  };
  const auto inode = [](const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_ino;
  };
  const fs::path page = out.path() / "articles" / "old-news" / "index.html";
  for (const fs::path& f : {page, out.path() / "rss.xml", out.path() / "atom.xml",
                            out.path() / "feed.json", out.path() / "index.html"}) {
    for (const char* twin : {"", ".gz", ".br"}) {
      const fs::path p = f.string() + twin;
      ASSERT_TRUE(fs::exists(p)) << p;
      EXPECT_EQ(1583298367, mtime(p)) << p;  // 2020-03-04T05:06:07Z
    }
  }
  EXPECT_EQ(ReadFile(page), testing::Unbrotli(ReadFile(page.string() + ".br")));
  const auto br_inode = inode(page.string() + ".br");
  WriteFile(out.path() / "articles" / ".gone.html.feedd-tmp", "half a page");
  ASSERT_EQ(0, Render(in.path(), out.path()).exit_code);
  EXPECT_EQ(br_inode, inode(page.string() + ".br"));
  EXPECT_FALSE(fs::exists(out.path() / "articles" / ".gone.html.feedd-tmp"));
  for (const auto& e : fs::recursive_directory_iterator(out.path()))
    EXPECT_FALSE(e.path().filename().string().ends_with("-tmp")) << e.path();
}

TEST(RenderE2eTest, SameFolderSameBytes) {
  TempDir a, b;
  const fs::path in = testing::SourceDir() / "examples" / "articles";
  ASSERT_EQ(0, Render(in, a.path()).exit_code);
  ASSERT_EQ(0, Render(in, b.path()).exit_code);
  EXPECT_EQ(ReadFile(a.path() / "rss.xml"), ReadFile(b.path() / "rss.xml"));
  EXPECT_EQ(ReadFile(a.path() / "atom.xml"), ReadFile(b.path() / "atom.xml"));
}

TEST(RenderE2eTest, HostileFolderSkipsClearlyAndStaysValid) {
  TempDir in, out;
  const fs::path& d = in.path();
  WriteFile(d / "empty.txt", "");
  WriteFile(d / "blank.txt", "  \n\n\t\n");
  WriteFile(d / "title-only.txt", "Only a Title Here\n");
  std::string binary;
  std::mt19937 rng(42);
  for (int i = 0; i < 4096; ++i) binary.push_back(static_cast<char>(rng() & 0xFF));
  WriteFile(d / "binary.txt", binary);
  WriteFile(d / "invalid-utf8.txt", "Caf\xE9 Opens\n\nA body with \xFF bad bytes.\n");
  const char kControls[] = "Control \x01" "Characters\n\nBody\x0B with \x1B[31m escapes, a NUL\0.\n";
  WriteFile(d / "controls.txt", std::string(kControls, sizeof kControls - 1));
  WriteFile(d / "hostile-text.txt",
            "Tags <script>alert(1)</script> & More\n\nText with ]]> and &amp; and "
            "<script>alert(2)</script> inside.\n");
  WriteFile(d / "huge.txt", "Huge\n\n" + std::string(20 * 1024 * 1024, 'a') + "\n");
  WriteFile(d / "notes.pdf", "%PDF-1.4");
  WriteFile(d / ".hidden.txt", "Hidden\n\nBody.\n");
  WriteFile(d / "draft.md", "---\ntitle: Not yet\ndraft: true\n---\nText.\n");
  WriteFile(d / "broken.md", "---\ntitle: [oops\n---\nText.\n");
  WriteFile(d / "weird name ü #1.txt", "Weird Name\n\nBody.\n");
  fs::create_directories(d / "sub");
  WriteFile(d / "sub" / "nested.txt", "Nested Story\n\nBody.\n");
  fs::create_symlink("/etc/passwd", d / "passwd.txt");

  Outcome r = Render(d, out.path());
  ASSERT_EQ(0, r.exit_code) << r.err;
  for (const char* line : {
           "[warning] skipping empty.txt: empty: no text",
           "[warning] skipping blank.txt: empty: no text",
           "[warning] skipping binary.txt: binary data, not text",
           "[warning] invalid-utf8.txt: invalid UTF-8 replaced with U+FFFD",
           "[warning] skipping huge.txt: too large (20971527 bytes, limit 10485760)",
           "[info] skipping draft.md: draft",
           "[warning] skipping broken.md: line 3: front matter: end of sequence flow not found",
           "[warning] skipping passwd.txt: symbolic link to a file outside the input folder",
       }) {
    EXPECT_NE(std::string::npos, r.err.find(line)) << "missing log line: " << line << "\n" << r.err;
  }
  EXPECT_EQ(std::string::npos, r.err.find("hidden")) << r.err;
  EXPECT_EQ(std::string::npos, r.err.find("root:")) << r.err;

  std::vector<std::string> titles = RssTitles(out.path());
  std::sort(titles.begin(), titles.end());
  EXPECT_EQ((std::vector<std::string>{"Caf\uFFFD Opens", "Control Characters", "Nested Story",
                                      "Only a Title Here",
                                      "Tags <script>alert(1)</script> & More", "Weird Name"}),
            titles);
  EXPECT_EQ(6u, AtomEntries(out.path()));
  const std::string rss = ReadFile(out.path() / "rss.xml");
  EXPECT_EQ(std::string::npos, rss.find("<script>"));
  EXPECT_EQ(std::string::npos, rss.find("root:x:0"));
  EXPECT_NE(std::string::npos, rss.find("https://news.example.org/articles/weird-name-%C3%BC-1"));
}

TEST(RenderE2eTest, SizeLimitIsConfigurable) {
  TempDir in, out;
  WriteFile(in.path() / "two-k.txt", "Title\n\n" + std::string(2048, 'b') + "\n");
  Outcome r = Render(in.path(), out.path(), {"--max-article-size", "1K"});
  ASSERT_EQ(0, r.exit_code);
  EXPECT_NE(std::string::npos, r.err.find("skipping two-k.txt: too large (2056 bytes, limit 1024)"))
      << r.err;
  EXPECT_TRUE(RssTitles(out.path()).empty());
}

TEST(RenderE2eTest, LimitKeepsTheNewest) {
  TempDir in, out;
  for (int day = 1; day <= 9; ++day) {
    WriteFile(in.path() / ("a" + std::to_string(day) + ".txt"),
              "Title: Day " + std::to_string(day) + "\nDate: 2026-01-0" + std::to_string(day) +
                  "\n\nBody.\n");
  }
  ASSERT_EQ(0, Render(in.path(), out.path(), {"--limit", "3", "--title", "T & T"}).exit_code);
  EXPECT_EQ((std::vector<std::string>{"Day 9", "Day 8", "Day 7"}), RssTitles(out.path()));
  EXPECT_EQ(3u, AtomEntries(out.path()));
}

TEST(RenderE2eTest, UnusableFolders) {
  TempDir tmp;
  Outcome missing = Render(tmp.path() / "nope", tmp.path() / "out");
  EXPECT_EQ(1, missing.exit_code);
  EXPECT_NE(std::string::npos, missing.err.find("[error] cannot read the input folder " +
                                                (tmp.path() / "nope").string() +
                                                ": No such file or directory"))
      << missing.err;
  WriteFile(tmp.path() / "file", "x");
  Outcome blocked = Render(testing::SourceDir() / "examples" / "articles", tmp.path() / "file");
  EXPECT_EQ(1, blocked.exit_code);
  EXPECT_NE(std::string::npos, blocked.err.find("[error] cannot use the output folder")) << blocked.err;
}

TEST(RenderE2eTest, CommandLineMistakes) {
  Outcome bad_url = Feedd({"render", "--input", "a", "--output", "b", "--base-url", "example.org"});
  EXPECT_EQ(78, bad_url.exit_code);
  EXPECT_EQ("feedd: --base-url: \"example.org\" is not an http:// or https:// URL\n", bad_url.err);
  Outcome unknown = Feedd({"render", "--frobnicate"});
  EXPECT_EQ(64, unknown.exit_code);
  EXPECT_EQ("feedd: unknown option \"--frobnicate\" (try --help)\n", unknown.err);
}

TEST(RenderE2eTest, SharedFixtures) {
  FEEDD_SKIP_WITHOUT_SHARED();
  TempDir out;
  Outcome r = Render(testing::SharedDir() / "fixtures", out.path());
  ASSERT_EQ(0, r.exit_code) << r.err;
  const std::vector<std::string> titles = RssTitles(out.path());
  for (const char* t : {"Iran, Pakistan to Form Joint Rapid Reaction Force at Common Borders",
                        "Chabahar Port Opens Second Container Terminal",
                        "Tehran Metro Line 10 Enters Test Phase",
                        "Caspian Sea Water Level Falls to a 30-Year Low",
                        "Iran Beat Japan 2-1 in Asian Cup Qualifier"}) {
    EXPECT_NE(titles.end(), std::find(titles.begin(), titles.end(), t)) << t;
  }
}

}  // namespace
}  // namespace feedd
