// Helpers shared by the fuzz targets. Each target is one file defining
// LLVMFuzzerTestOneInput; tests/fuzz/CMakeLists.txt builds it as a libFuzzer binary
// (FEEDD_FUZZ, clang) and, in every build, as a replay program (replay_main.cc).
// A failed check aborts, which both libFuzzer and the replay test report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::fuzz {

[[noreturn]] inline void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz check failed: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

#define FUZZ_CHECK(cond, detail)                     \
  do {                                               \
    if (!(cond)) ::feedd::fuzz::Fail(#cond, detail); \
  } while (false)

// Splits the input at the first `count - 1` bytes equal to `sep`: one fuzz input
// feeds several fields.
inline std::vector<std::string_view> Split(std::string_view in, char sep, size_t count) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < count) {
    const size_t at = in.find(sep);
    if (at == std::string_view::npos) break;
    parts.push_back(in.substr(0, at));
    in.remove_prefix(at + 1);
  }
  parts.push_back(in);
  while (parts.size() < count) parts.emplace_back();
  return parts;
}

}  // namespace feedd::fuzz
