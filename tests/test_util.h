// Helpers shared by the test binaries: fixture paths and small file utilities.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace feedd::testing {

inline std::filesystem::path SourceDir() { return FEEDD_SOURCE_DIR; }
inline std::filesystem::path TestData() { return SourceDir() / "tests" / "testdata"; }
inline std::filesystem::path SharedDir() { return FEEDD_SHARED_DIR; }
inline bool HaveShared() { return std::filesystem::is_directory(SharedDir() / "fixtures"); }

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteFile(const std::filesystem::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// A fresh folder under the system's temporary folder, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "feedd-test-XXXXXX").string();
    path_ = ::mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace feedd::testing

#define FEEDD_SKIP_WITHOUT_SHARED()                                                        \
  do {                                                                                     \
    if (!::feedd::testing::HaveShared())                                                   \
      GTEST_SKIP() << "shared fixtures not found at " << ::feedd::testing::SharedDir()     \
                   << " (set -DFEEDD_SHARED_DIR=...); skipping";                           \
  } while (0)
