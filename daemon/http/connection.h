// Pure pieces of the HTTP server's connection handling, tested without sockets:
// the one lazily re-armed deadline of a connection, client addresses and the
// per-client connection count, and the access log line.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/address_range.h"

namespace feedd::daemon {

// A connection's deadline and the state of its one timer. Operations move the
// deadline often (every read and write); the timer is armed again only when it is
// not armed or armed for later than the new deadline, so the per-request path
// costs a clock read and a compare. A firing before the deadline re-arms for the
// deadline; a firing at or after it expires the connection for good, whether or
// not an operation was pending: every later operation must see expired() and end.
// The clock is the caller's (a fake one in tests).
class ConnectionDeadline {
 public:
  using Time = std::chrono::steady_clock::time_point;
  struct Arm {
    Time at;
    uint64_t token;  // passed back to OnTimer by that wait's completion
  };

  // Moves the deadline to `at`. Returns the wait to start when the timer must be
  // (re)armed; starting it replaces any earlier wait.
  std::optional<Arm> Set(Time at);

  enum class Fired { kStale, kRearm, kExpired };
  // The wait `token` completed at `now`. kStale: a replaced or stopped wait, ignore
  // it. kRearm: start *rearm. kExpired: cancel what the connection is doing.
  Fired OnTimer(uint64_t token, Time now, Arm* rearm);

  // No more waits; a pending one is stale.
  void Stop();

  bool expired() const { return expired_; }
  bool armed() const { return armed_; }
  Time deadline() const { return deadline_; }

 private:
  Time deadline_ = Time::max();
  Time armed_for_ = Time::max();
  uint64_t token_ = 0;
  bool armed_ = false;
  bool expired_ = false;
  bool stopped_ = false;
};

// An IPv4 or IPv6 address as 16 bytes, IPv4 as ::ffff:a.b.c.d, so one client
// counts as one whichever way it is written.
struct ClientAddress {
  std::array<uint8_t, 16> bytes{};
  static ClientAddress FromV4(const std::array<uint8_t, 4>& v4);
  static ClientAddress FromV6(const std::array<uint8_t, 16>& v6);
  friend bool operator==(const ClientAddress&, const ClientAddress&) = default;
};
struct ClientAddressHash {
  size_t operator()(const ClientAddress& a) const;
};

// "127.0.0.1", "::1", "::ffff:10.0.0.1"; std::nullopt if it is none.
std::optional<ClientAddress> ParseClientAddress(std::string_view text);

// 127.0.0.0/8 (also as ::ffff:127.x.y.z) and ::1.
bool IsLoopback(const ClientAddress& address);

// "203.0.113.7" for an IPv4 (mapped) address, "2001:db8::1" for IPv6.
std::string ToString(const ClientAddress& address);

bool IsTrusted(const ClientAddress& address, std::span<const config::AddressRange> trusted);

// The client a request speaks for. A peer that is not trusted speaks for itself,
// whatever it sends. A trusted one (a reverse proxy) vouches for the last entry of
// X-Forwarded-For, which it wrote; when that entry is trusted too, it vouches for
// the one before, and so on (nginx's real_ip_recursive): the first untrusted
// address from the right is the client, or the leftmost when all are trusted. An
// entry that is no address ("unknown", a hidden name, junk) ends the walk: the hop
// that wrote it is the client. Entries may carry a port (1.2.3.4:80, [::1]:80).
ClientAddress ForwardedClient(const ClientAddress& peer,
                              std::span<const std::string_view> forwarded_for,
                              std::span<const config::AddressRange> trusted);

// How many connections each client address holds, across all serving threads.
// Thread-safe: a mutex, taken once when a connection opens and once when it closes.
class ClientConnections {
 public:
  // Counts one more connection for `address` unless it holds `limit` already
  // (0: no limit). Returns whether it was counted.
  bool TryAdd(const ClientAddress& address, size_t limit);
  void Remove(const ClientAddress& address);
  size_t Count(const ClientAddress& address) const;
  size_t clients() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<ClientAddress, size_t, ClientAddressHash> counts_;
};

// One line of the Combined Log Format, as nginx writes it:
//   127.0.0.1 - - [01/Dec/2026:18:44:28 +0000] "GET /rss.xml HTTP/1.1" 200 5709 "-" "curl/8"
// `request_line` empty: "-". Quotes, backslashes, control characters and bytes
// above 0x7e in the request line, referer and user agent are written \xHH (\" and
// \\ for the first two), so a client cannot forge a line or a field.
std::string AccessLogLine(std::string_view peer, int64_t unix_time, std::string_view request_line,
                          int status, uint64_t body_bytes, std::optional<std::string_view> referer,
                          std::optional<std::string_view> user_agent);

}  // namespace feedd::daemon
