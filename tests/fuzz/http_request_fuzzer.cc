// The strict request reader (daemon/http_request.h) on any bytes a client may send
// on one connection: it never crashes, every error is a status the server sends,
// and what it reads does not depend on how the bytes arrive (all at once, one at a
// time, or in chunks of the size the input's first byte picks), with the default
// limits and with small ones that every input can reach.
#include <cstdint>
#include <string>

#include "daemon/http/request.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

std::string Describe(const std::vector<feedd::daemon::RequestOutcome>& outcomes) {
  std::string s;
  for (const auto& o : outcomes)
    s += std::to_string(o.status) + " " + o.method + " " + o.target + (o.keep_alive ? " ka\n" : "\n");
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using feedd::daemon::ParseRequests;
  using feedd::daemon::RequestLimits;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t chunk = size > 0 ? 1 + data[0] % 17 : 1;
  RequestLimits small;
  small.max_header_bytes = 256;
  small.max_fields = 4;
  small.max_body_bytes = 32;
  small.max_chunk_line = 16;
  for (const RequestLimits& limits : {RequestLimits{}, small}) {
    const auto whole = ParseRequests(in, limits);
    for (const auto& o : whole) {
      FUZZ_CHECK(o.status == 0 || o.status == 400 || o.status == 413 || o.status == 414 ||
                     o.status == 431 || o.status == 501,
                 Describe(whole));
      FUZZ_CHECK(o.status != 0 || !o.method.empty(), Describe(whole));
    }
    // An error ends the connection: nothing after it is read.
    for (size_t i = 0; i + 1 < whole.size(); ++i) FUZZ_CHECK(whole[i].status == 0, Describe(whole));
    const auto bytewise = ParseRequests(in, limits, 1);
    FUZZ_CHECK(whole == bytewise, Describe(whole) + "--- one byte at a time:\n" + Describe(bytewise));
    const auto chunked = ParseRequests(in, limits, chunk);
    FUZZ_CHECK(whole == chunked, Describe(whole) + "--- in chunks:\n" + Describe(chunked));
  }
  return 0;
}
