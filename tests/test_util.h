// Helpers shared by the test binaries: fixture paths and small file utilities.
#pragma once

#include <unistd.h>

#include <sys/wait.h>

#include <grp.h>

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
// A RIFF WAVE file of `seconds` of silence, 8 kHz mono 8-bit (8,000 bytes a
// second): audio whose duration its headers state, made without ffmpeg.
inline std::string Wav(int seconds) {
  auto u32 = [](uint32_t v) {
    return std::string{static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF),
                       static_cast<char>((v >> 16) & 0xFF), static_cast<char>(v >> 24)};
  };
  auto u16 = [](uint16_t v) { return std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; };
  const uint32_t data = 8000u * static_cast<uint32_t>(seconds);
  return "RIFF" + u32(36 + data) + "WAVEfmt " + u32(16) + u16(1) + u16(1) + u32(8000) + u32(8000) +
         u16(1) + u16(8) + "data" + u32(data) + std::string(data, '\x80');
}

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

// Runs `body` as the unprivileged user nobody (65534) in a child process when this
// process is root, else here, and returns what it returned: for tests of what a
// service user cannot read. Returns "error: ..." when the switch fails.
template <typename Body>
std::string AsUnprivileged(Body body) {
  if (::geteuid() != 0) return body();
  int fds[2];
  if (::pipe(fds) != 0) return "error: pipe";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
        ::setresuid(65534, 65534, 65534) != 0) {
      out = "error: cannot become nobody";
    } else {
      out = body();
    }
    for (size_t done = 0; done < out.size();) {
      const ssize_t n = ::write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

}  // namespace feedd::testing

#define FEEDD_SKIP_WITHOUT_SHARED()                                                        \
  do {                                                                                     \
    if (!::feedd::testing::HaveShared())                                                   \
      GTEST_SKIP() << "shared fixtures not found at " << ::feedd::testing::SharedDir()     \
                   << " (set -DFEEDD_SHARED_DIR=...); skipping";                           \
  } while (0)
