#include "config/address_range.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace feedd::config {

bool AddressRange::Contains(const std::array<uint8_t, 16>& address) const {
  const int whole = prefix / 8, rest = prefix % 8;
  for (int i = 0; i < whole; ++i) {
    if (address[i] != bytes[i]) return false;
  }
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address[whole] & mask) == bytes[whole];
}

std::optional<AddressRange> ParseAddressRange(std::string_view text, std::string* err) {
  auto fail = [&](const std::string& why) {
    *err = "\"" + std::string(text) + "\" " + why;
    return std::nullopt;
  };
  const size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  AddressRange r;
  int max_bits = 128;
  std::array<uint8_t, 4> v4{};
  if (::inet_pton(AF_INET, address.c_str(), v4.data()) == 1) {
    r.bytes[10] = r.bytes[11] = 0xff;
    for (int i = 0; i < 4; ++i) r.bytes[12 + i] = v4[i];
    max_bits = 32;
  } else if (::inet_pton(AF_INET6, address.c_str(), r.bytes.data()) != 1) {
    return fail("is not an IP address or a CIDR range (like 127.0.0.1, ::1, 10.0.0.0/8)");
  }
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view b = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (b.empty() || ec != std::errc() || end != b.data() + b.size() || bits < 0 || bits > max_bits)
      return fail("has no prefix length from 0 to " + std::to_string(max_bits) + " after the /");
  }
  r.prefix = (max_bits == 32 ? 96 : 0) + bits;
  AddressRange network = r;
  for (int bit = r.prefix; bit < 128; ++bit) network.bytes[bit / 8] &= ~(0x80 >> (bit % 8));
  if (network.bytes != r.bytes)
    return fail("has address bits set beyond its /" + std::to_string(bits) + " (the range starts at " +
                ToString(network) + ")");
  return r;
}

std::vector<AddressRange> LoopbackRanges() {
  std::string ignored;
  return {*ParseAddressRange("127.0.0.0/8", &ignored), *ParseAddressRange("::1", &ignored)};
}

std::string ToString(const AddressRange& r) {
  char text[INET6_ADDRSTRLEN] = {};
  const bool v4 = r.prefix >= 96 && r.bytes[10] == 0xff && r.bytes[11] == 0xff &&
                  std::all_of(r.bytes.begin(), r.bytes.begin() + 10, [](uint8_t b) { return b == 0; });
  if (v4) {
    ::inet_ntop(AF_INET, r.bytes.data() + 12, text, sizeof text);
    return r.prefix == 128 ? text : std::string(text) + "/" + std::to_string(r.prefix - 96);
  }
  ::inet_ntop(AF_INET6, r.bytes.data(), text, sizeof text);
  return r.prefix == 128 ? text : std::string(text) + "/" + std::to_string(r.prefix);
}

}  // namespace feedd::config
