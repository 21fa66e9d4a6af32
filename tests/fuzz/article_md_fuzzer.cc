// The Markdown article parser (front matter included) on any bytes.
#include <cstdint>

#include "feed/article_parser.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> warnings;
  std::string err;
  feedd::feed::ParseArticle("posts/fuzz.md", bytes, {"https://example.org/news", {1767225600, 0}},
                            &warnings, &err);
  return 0;
}
