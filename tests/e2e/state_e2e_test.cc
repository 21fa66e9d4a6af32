// Subscribers never see a duplicate, a lost item or a jumping date: the state
// store through the real binary, across restarts, touch, edits, renames, moves,
// deletes and restores, kill -9, a full state folder, and two replicas.
#include <sys/mount.h>
#include <sys/stat.h>
#include <utime.h>

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <fstream>
#include <map>
#include <set>

#include "tests/e2e/daemon_harness.h"

namespace feedd {
namespace {

using namespace std::chrono_literals;
using testing::Count;
using testing::Daemon;
using testing::HttpResponse;
using testing::TempDir;
using testing::WaitUntil;
using testing::WriteFile;
namespace fs = std::filesystem;

const std::string kBase = "https://news.example.org";

std::string Article(const std::string& title, const std::string& body = "A paragraph.") {
  return title + "\n\n" + body + "\n";
}

// Atom entries by title: id, published, updated.
struct Entry {
  std::string id, published, updated;
  friend bool operator==(const Entry&, const Entry&) = default;
};
std::map<std::string, Entry> Entries(const std::string& atom) {
  pugi::xml_document doc;
  doc.load_string(atom.c_str());
  std::map<std::string, Entry> out;
  for (pugi::xml_node e : doc.child("feed").children("entry")) {
    out[e.child_value("title")] = {e.child_value("id"), e.child_value("published"),
                                   e.child_value("updated")};
  }
  return out;
}

void SetMtime(const fs::path& p, int64_t seconds) {
  struct utimbuf t {static_cast<time_t>(seconds), static_cast<time_t>(seconds)};
  ::utime(p.c_str(), &t);
}

class StateTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(state_); }
  std::unique_ptr<Daemon> Start() {
    auto d = std::make_unique<Daemon>(in_.path(), std::vector<std::string>{
                                                      "--state-dir", state_.string(),
                                                      "--base-url", kBase});
    EXPECT_GT(d->port(), 0) << d->Log();
    return d;
  }
  // Waits until the daemon serves `n` items, then returns its Atom feed.
  std::string Atom(const Daemon& d, size_t n) {
    std::string atom;
    WaitUntil([&] {
      atom = d.Body("/atom.xml");
      return Count(atom, "<entry") == n;
    });
    return atom;
  }
  TempDir in_, root_;
  fs::path state_ = root_.path() / "state";
};

TEST_F(StateTest, RestartTouchEditRenameMoveDeleteRestore) {
  WriteFile(in_.path() / "a.txt", Article("Alpha"));
  WriteFile(in_.path() / "b.txt", Article("Beta"));
  WriteFile(in_.path() / "c.txt", Article("Gamma"));
  SetMtime(in_.path() / "a.txt", 1700000000);
  SetMtime(in_.path() / "b.txt", 1700000100);
  SetMtime(in_.path() / "c.txt", 1700000200);
  auto d = Start();
  const std::string atom0 = Atom(*d, 3);
  const std::string etag0 = d->Get("/atom.xml")->Header("etag");
  const auto e0 = Entries(atom0);
  EXPECT_EQ("2023-11-14T22:13:20Z", e0.at("Alpha").published);
  EXPECT_EQ(0, d->Stop());

  // Restart: the same bytes, the same ETag.
  d = Start();
  EXPECT_EQ(atom0, Atom(*d, 3));
  EXPECT_EQ(etag0, d->Get("/atom.xml")->Header("etag"));
  EXPECT_EQ(0, d->Stop());

  // `touch` every file (and copies that change the time): nothing moves.
  for (const char* f : {"a.txt", "b.txt", "c.txt"}) SetMtime(in_.path() / f, 1800000000);
  d = Start();
  EXPECT_EQ(atom0, Atom(*d, 3));

  // Edit: same id and published date, a new updated date and ETag.
  WriteFile(in_.path() / "a.txt", Article("Alpha", "An edited paragraph."));
  SetMtime(in_.path() / "a.txt", 1800000500);
  std::string atom;
  ASSERT_TRUE(WaitUntil([&] {
    atom = d->Body("/atom.xml");
    return atom.find("An edited paragraph.") != std::string::npos;
  }));
  auto e1 = Entries(atom);
  EXPECT_EQ(e0.at("Alpha").id, e1.at("Alpha").id);
  EXPECT_EQ(e0.at("Alpha").published, e1.at("Alpha").published);
  EXPECT_EQ("2027-01-15T08:08:20Z", e1.at("Alpha").updated);
  EXPECT_NE(etag0, d->Get("/atom.xml")->Header("etag"));

  // Rename and move into a subfolder: same id, same dates, no duplicate.
  fs::rename(in_.path() / "b.txt", in_.path() / "beta-renamed.txt");
  fs::create_directories(in_.path() / "2026");
  fs::rename(in_.path() / "c.txt", in_.path() / "2026" / "c.txt");
  ASSERT_TRUE(WaitUntil([&] {
    atom = d->Body("/atom.xml");
    return atom.find("/articles/beta-renamed\"") != std::string::npos && Count(atom, "<entry") == 3;
  }));
  e1 = Entries(atom);
  EXPECT_EQ(e0.at("Beta"), e1.at("Beta"));
  EXPECT_EQ(e0.at("Gamma"), e1.at("Gamma"));

  // Delete, then restore: it returns with its old id and date.
  const std::string beta = testing::ReadFile(in_.path() / "beta-renamed.txt");
  fs::remove(in_.path() / "beta-renamed.txt");
  Atom(*d, 2);
  EXPECT_EQ(0, d->Stop());
  d = Start();
  EXPECT_EQ(2u, Count(Atom(*d, 2), "<entry"));
  WriteFile(in_.path() / "beta-renamed.txt", beta);
  e1 = Entries(Atom(*d, 3));
  EXPECT_EQ(e0.at("Beta"), e1.at("Beta"));

  // A new article never takes an id an old one had.
  fs::remove(in_.path() / "beta-renamed.txt");
  Atom(*d, 2);
  WriteFile(in_.path() / "b.txt", Article("Not Beta", "Different words entirely."));
  e1 = Entries(Atom(*d, 3));
  for (const auto& [title, e] : e0) EXPECT_NE(e.id, e1.at("Not Beta").id) << title;
  EXPECT_EQ(0, d->Stop());
  // The state is plain SQLite, readable with the sqlite3 tool.
  EXPECT_TRUE(fs::exists(state_ / "state.db"));
}

TEST_F(StateTest, KillDuringABurstThenRestart) {
  for (int i = 0; i < 20; ++i) WriteFile(in_.path() / ("old" + std::to_string(i) + ".txt"), Article("Old " + std::to_string(i)));
  auto d = Start();
  const auto before = Entries(Atom(*d, 20));
  // A burst of drops, and kill -9 in the middle of it.
  for (int i = 0; i < 300; ++i) {
    WriteFile(in_.path() / ("new" + std::to_string(i) + ".txt"), Article("New " + std::to_string(i)));
    if (i == 150) ::kill(d->pid(), SIGKILL);
  }
  d->Wait(5s);
  d = Start();
  std::string atom;
  ASSERT_TRUE(WaitUntil([&] {
    const std::string health = d->Body("/healthz");
    return health.find("\"articles\":320") != std::string::npos;
  })) << d->Body("/healthz");
  const std::string rss1 = d->Body("/rss.xml"), atom1 = d->Body("/atom.xml");
  // No duplicate ids anywhere (the feed shows the newest 50).
  auto after = Entries(atom1);
  std::set<std::string> ids;
  for (const auto& [title, e] : after) EXPECT_TRUE(ids.insert(e.id).second) << e.id;
  EXPECT_EQ(50u, after.size());
  EXPECT_EQ(0, d->Stop());
  // Nothing changed since: the next start serves the same bytes.
  d = Start();
  ASSERT_TRUE(WaitUntil([&] { return d->Body("/healthz").find("\"articles\":320") != std::string::npos; }));
  EXPECT_EQ(rss1, d->Body("/rss.xml"));
  EXPECT_EQ(atom1, d->Body("/atom.xml"));
  EXPECT_EQ(0, d->Stop());
}

TEST_F(StateTest, TwoReplicasWithCopiesOfTheStateAgreeByteForByte) {
  for (int i = 0; i < 5; ++i) WriteFile(in_.path() / ("s" + std::to_string(i) + ".txt"), Article("Story " + std::to_string(i)));
  auto first = Start();
  Atom(*first, 5);
  EXPECT_EQ(0, first->Stop());
  // The replica has a copy of the folder (new file times) and of the state.
  TempDir replica_root;
  const fs::path replica_in = replica_root.path() / "articles";
  const fs::path replica_state = replica_root.path() / "state";
  fs::copy(in_.path(), replica_in, fs::copy_options::recursive);
  for (const auto& e : fs::directory_iterator(replica_in)) SetMtime(e.path(), 1900000000);
  fs::copy(state_, replica_state, fs::copy_options::recursive);
  auto a = Start();
  Daemon b(replica_in, {"--state-dir", replica_state.string(), "--base-url", kBase});
  Atom(*a, 5);
  Atom(b, 5);
  for (const char* path : {"/rss.xml", "/atom.xml", "/", "/articles/s3"}) {
    std::optional<HttpResponse> ra = a->Get(path), rb = b.Get(path);
    ASSERT_TRUE(ra && rb) << path;
    EXPECT_EQ(ra->body, rb->body) << path;
    EXPECT_EQ(ra->Header("etag"), rb->Header("etag")) << path;
    EXPECT_EQ(ra->Header("last-modified"), rb->Header("last-modified")) << path;
  }
  EXPECT_EQ(0, a->Stop());
  EXPECT_EQ(0, b.Stop());
}

TEST_F(StateTest, FullStateFolderKeepsServingAndRecovers) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs as the state folder";
  if (::mount("tmpfs", state_.c_str(), "tmpfs", 0, "size=256k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{state_};
  WriteFile(in_.path() / "a.txt", Article("Before The Disk Filled"));
  auto d = Start();
  Atom(*d, 1);
  EXPECT_EQ(200, d->Get("/healthz")->status);
  // Fill the state folder to the last byte.
  {
    std::ofstream filler(state_ / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (filler.write(block.data(), block.size())) {
    }
  }
  for (int i = 0; i < 40; ++i)
    WriteFile(in_.path() / ("f" + std::to_string(i) + ".txt"), Article("While Full " + std::to_string(i), std::string(2000, 'y')));
  // Still serving every article, and saying that the state cannot be written.
  EXPECT_EQ(41u, Count(Atom(*d, 41), "<entry"));
  ASSERT_TRUE(WaitUntil([&] { return d->Get("/healthz")->status == 503; })) << d->Log();
  EXPECT_NE(std::string::npos, d->Get("/healthz")->body.find("\"state\":\"not writable\""));
  EXPECT_EQ(1u, d->CountInLog("cannot write the state store")) << d->Log();  // once, not per event
  // Space returns: it recovers by itself and saves everything.
  fs::remove(state_ / "filler");
  ASSERT_TRUE(WaitUntil([&] { return d->Get("/healthz")->status == 200; }, 15s)) << d->Log();
  EXPECT_NE(std::string::npos, d->Log().find("state store writable again"));
  const std::string atom = Atom(*d, 41);
  EXPECT_EQ(0, d->Stop());
  d = Start();
  EXPECT_EQ(atom, Atom(*d, 41));  // what was served while full survived the restart
  EXPECT_EQ(0, d->Stop());
}

}  // namespace
}  // namespace feedd
