#include "watcher/beneath.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/test_util.h"
#include "watcher/scan.h"

namespace feedd::watcher {
namespace {

using ::feedd::testing::TempDir;
using ::feedd::testing::WriteFile;
namespace fs = std::filesystem;

// A folder with every shape of link, and a secret outside it.
class BeneathTest : public ::testing::TestWithParam<BeneathMode> {
 protected:
  void SetUp() override {
    root_ = fs::canonical(dir_.path()).string();
    fs::create_directories(dir_.path() / "real" / "deep");
    WriteFile(dir_.path() / "real" / "deep" / "a.txt", "inside");
    WriteFile(dir_.path() / "top.txt", "top");
    WriteFile(outside_.path() / "secret.txt", "SECRET");
    fs::create_directories(outside_.path() / "dir");
    WriteFile(outside_.path() / "dir" / "b.txt", "SECRET");
    fs::create_symlink("real/deep", dir_.path() / "rel-dir");                 // inside, relative
    fs::create_symlink(dir_.path() / "real", dir_.path() / "abs-dir");        // inside, absolute
    fs::create_symlink("top.txt", dir_.path() / "alias.txt");                 // inside
    fs::create_symlink(outside_.path() / "dir", dir_.path() / "out-dir");     // outside, a folder
    fs::create_symlink(outside_.path() / "secret.txt", dir_.path() / "out.txt");
    fs::create_symlink("../../" + outside_.path().filename().string() + "/dir",
                       dir_.path() / "real" / "up-dir");                      // outside via ..
    fs::create_symlink("/proc/self/root/etc", dir_.path() / "magic");         // a magic link
    root_fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  void TearDown() override { ::close(root_fd_); }

  // The file's contents, or "error: REASON".
  std::string Read(const std::string& relative) {
    std::string err;
    const int fd = OpenBeneath(root_fd_, root_, relative, O_RDONLY | O_CLOEXEC, &err, GetParam());
    if (fd < 0) return "error: " + err;
    char buf[64];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    return n < 0 ? "error: read" : std::string(buf, static_cast<size_t>(n));
  }

  TempDir dir_, outside_;
  std::string root_;
  int root_fd_ = -1;
};

constexpr const char* kOutside = "error: symbolic link to a file outside the input folder";

TEST_P(BeneathTest, FollowsLinksThatStayInside) {
  EXPECT_EQ("top", Read("top.txt"));
  EXPECT_EQ("inside", Read("real/deep/a.txt"));
  EXPECT_EQ("inside", Read("rel-dir/a.txt"));
  EXPECT_EQ("inside", Read("abs-dir/deep/a.txt"));
  EXPECT_EQ("top", Read("alias.txt"));
  EXPECT_EQ("top", Read("real/../top.txt"));
}

TEST_P(BeneathTest, RefusesEveryPathThatLeadsOut) {
  EXPECT_EQ(kOutside, Read("out.txt"));
  EXPECT_EQ(kOutside, Read("out-dir/b.txt"));      // a link in the middle of the path
  EXPECT_EQ(kOutside, Read("real/up-dir/b.txt"));  // a relative link climbing out
  EXPECT_EQ(kOutside, Read("../" + outside_.path().filename().string() + "/secret.txt"));
  EXPECT_EQ(kOutside, Read("magic/passwd"));
  EXPECT_EQ("error: not a path inside the input folder", Read("/etc/hostname"));
  EXPECT_EQ("error: No such file or directory", Read("missing.txt"));
}

INSTANTIATE_TEST_SUITE_P(OpenBeneathModes, BeneathTest,
                         ::testing::Values(BeneathMode::kAuto, BeneathMode::kWalkOnly),
                         [](const auto& info) {
                           return info.param == BeneathMode::kAuto ? "Openat2" : "CheckedWalk";
                         });

// The reader of article files uses it: a folder link in the middle of the path that
// leads out is refused, where before only the last component was checked.
TEST(ReadArticleFileTest, RefusesAFolderLinkLeadingOut) {
  TempDir dir, outside;
  WriteFile(outside.path() / "passwd.txt", "SECRET");
  fs::create_symlink(outside.path(), dir.path() / "sub");
  ReadError err;
  EXPECT_FALSE(ReadArticleFile(dir.path().string(), "sub/passwd.txt", 1 << 20, &err));
  EXPECT_EQ("symbolic link to a file outside the input folder", err.message);
  EXPECT_EQ(ReadErrorKind::kOutside, err.kind);
}

}  // namespace
}  // namespace feedd::watcher
