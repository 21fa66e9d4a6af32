// An address or a CIDR range of them, as trusted_proxies names them: "127.0.0.1",
// "::1", "10.0.0.0/8", "2001:db8::/32". IPv4 is held as IPv6's ::ffff:a.b.c.d, the
// form the server gives every client address, so "127.0.0.0/8" also covers
// ::ffff:127.0.0.1. Pure; used by the settings (to check them) and by the HTTP
// server (to trust a peer): one parser for both.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::config {

struct AddressRange {
  std::array<uint8_t, 16> bytes{};  // the network, host bits zero
  int prefix = 128;                 // bits of `bytes` that must match (IPv4: 96 + n)
  friend bool operator==(const AddressRange&, const AddressRange&) = default;

  bool Contains(const std::array<uint8_t, 16>& address) const;
};

// "ADDRESS" or "ADDRESS/BITS". Host bits set below the prefix ("10.0.0.1/8") are
// refused: the operator meant some other range. nullopt with *err when it is none.
std::optional<AddressRange> ParseAddressRange(std::string_view text, std::string* err);

// The addresses trusted by default: loopback (127.0.0.0/8 and ::1).
std::vector<AddressRange> LoopbackRanges();

// "127.0.0.0/8", "::1": the form ParseAddressRange reads back.
std::string ToString(const AddressRange& range);

}  // namespace feedd::config
