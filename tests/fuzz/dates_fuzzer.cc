// The date parser on any text; what it accepts formats and reads back the same.
#include <cstdint>

#include "feed/dates.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<feedd::feed::Timestamp> t = feedd::feed::ParseDate(text);
  if (!t) return 0;
  const std::string rfc3339 = feedd::feed::FormatRfc3339(*t);
  const std::string rfc822 = feedd::feed::FormatRfc822(*t);
  feedd::feed::FormatHttpDate(t->seconds);
  const std::optional<feedd::feed::Timestamp> again = feedd::feed::ParseDate(rfc3339);
  FUZZ_CHECK(again && again->seconds == t->seconds, rfc3339);
  return 0;
}
