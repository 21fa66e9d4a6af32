// The configuration loader on any bytes: every input ends in a value or an error
// "FILE:LINE:COLUMN: ..." (or "FILE: ..."), never in a toml++ assertion or UB
// (FEEDD_FUZZ builds toml++ from its headers with its assertions on), and every
// string it accepts is one XML can hold.
#include <cstdint>

#include "config/config_file.h"
#include "config/text.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string path = "/nonexistent/feedd-fuzz/feedd.toml";
  feedd::config::Config c;
  std::string err;
  if (!feedd::config::LoadConfigText(text, path, &c, &err)) {
    FUZZ_CHECK(err.rfind(path + ":", 0) == 0, err);
    return 0;
  }
  std::string why;
  for (const std::string* s : {&c.title, &c.author, &c.language, &c.base_url, &c.hub})
    FUZZ_CHECK(feedd::config::IsCleanSettingText(*s, false, &why), *s);
  FUZZ_CHECK(feedd::config::IsCleanSettingText(c.description, true, &why), c.description);
  for (const feedd::config::FeedConfig& f : c.feeds) {
    for (const std::string* s : {&f.title, &f.author, &f.language, &f.base_url, &f.prefix})
      FUZZ_CHECK(feedd::config::IsCleanSettingText(*s, false, &why), *s);
  }
  return 0;
}
