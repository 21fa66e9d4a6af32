#include "daemon/http/connection.h"

#include <algorithm>
#include <cstring>
#include <ctime>

#include <arpa/inet.h>

namespace feedd::daemon {

std::optional<ConnectionDeadline::Arm> ConnectionDeadline::Set(Time at) {
  deadline_ = at;
  if (stopped_ || expired_) return std::nullopt;
  if (armed_ && armed_for_ <= at) return std::nullopt;  // the timer comes round first
  armed_ = true;
  armed_for_ = at;
  return Arm{at, ++token_};
}

ConnectionDeadline::Fired ConnectionDeadline::OnTimer(uint64_t token, Time now, Arm* rearm) {
  if (stopped_ || expired_ || !armed_ || token != token_) return Fired::kStale;
  armed_ = false;
  if (now >= deadline_) {
    expired_ = true;
    return Fired::kExpired;
  }
  armed_ = true;
  armed_for_ = deadline_;
  *rearm = Arm{deadline_, ++token_};
  return Fired::kRearm;
}

void ConnectionDeadline::Stop() {
  stopped_ = true;
  armed_ = false;
  ++token_;
}

ClientAddress ClientAddress::FromV4(const std::array<uint8_t, 4>& v4) {
  ClientAddress a;
  a.bytes[10] = 0xff;
  a.bytes[11] = 0xff;
  std::memcpy(a.bytes.data() + 12, v4.data(), 4);
  return a;
}

ClientAddress ClientAddress::FromV6(const std::array<uint8_t, 16>& v6) {
  ClientAddress a;
  a.bytes = v6;
  return a;
}

size_t ClientAddressHash::operator()(const ClientAddress& a) const {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (uint8_t b : a.bytes) h = (h ^ b) * 1099511628211ull;
  return static_cast<size_t>(h);
}

std::optional<ClientAddress> ParseClientAddress(std::string_view text) {
  const std::string s(text);
  std::array<uint8_t, 4> v4{};
  std::array<uint8_t, 16> v6{};
  if (::inet_pton(AF_INET, s.c_str(), v4.data()) == 1) return ClientAddress::FromV4(v4);
  if (::inet_pton(AF_INET6, s.c_str(), v6.data()) == 1) return ClientAddress::FromV6(v6);
  return std::nullopt;
}

bool IsLoopback(const ClientAddress& a) {
  static constexpr std::array<uint8_t, 16> kV6Loopback = {0, 0, 0, 0, 0, 0, 0, 0,
                                                          0, 0, 0, 0, 0, 0, 0, 1};
  if (a.bytes == kV6Loopback) return true;
  for (size_t i = 0; i < 10; ++i) {
    if (a.bytes[i] != 0) return false;
  }
  return a.bytes[10] == 0xff && a.bytes[11] == 0xff && a.bytes[12] == 127;
}

std::string ToString(const ClientAddress& a) {
  char text[INET6_ADDRSTRLEN] = {};
  static constexpr std::array<uint8_t, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), a.bytes.begin())) {
    ::inet_ntop(AF_INET, a.bytes.data() + 12, text, sizeof text);
  } else {
    ::inet_ntop(AF_INET6, a.bytes.data(), text, sizeof text);
  }
  return text;
}

bool IsTrusted(const ClientAddress& address, std::span<const config::AddressRange> trusted) {
  for (const config::AddressRange& r : trusted) {
    if (r.Contains(address.bytes)) return true;
  }
  return false;
}

namespace {

// One X-Forwarded-For entry: an address, maybe with a port; nullopt otherwise.
std::optional<ClientAddress> ForwardedEntry(std::string_view e) {
  while (!e.empty() && (e.front() == ' ' || e.front() == '\t')) e.remove_prefix(1);
  while (!e.empty() && (e.back() == ' ' || e.back() == '\t')) e.remove_suffix(1);
  if (e.size() < 2 || e.size() > 64) return std::nullopt;
  auto is_port = [](std::string_view p) {
    return !p.empty() && p.size() <= 5 && p.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (e.front() == '[') {  // [v6] or [v6]:port
    const size_t close = e.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = e.substr(close + 1);
    if (!rest.empty() && (rest[0] != ':' || !is_port(rest.substr(1)))) return std::nullopt;
    e = e.substr(1, close - 1);
  } else if (const size_t colon = e.find(':');
             colon != std::string_view::npos && e.find(':', colon + 1) == std::string_view::npos) {
    if (!is_port(e.substr(colon + 1))) return std::nullopt;
    e = e.substr(0, colon);  // a.b.c.d:port (one colon: not IPv6)
  }
  return ParseClientAddress(e);
}

}  // namespace

ClientAddress ForwardedClient(const ClientAddress& peer,
                              std::span<const std::string_view> forwarded_for,
                              std::span<const config::AddressRange> trusted) {
  ClientAddress client = peer;
  for (auto field = forwarded_for.rbegin(); field != forwarded_for.rend(); ++field) {
    std::string_view list = *field;
    while (true) {
      if (!IsTrusted(client, trusted)) return client;
      const size_t comma = list.rfind(',');
      const std::string_view entry =
          comma == std::string_view::npos ? list : list.substr(comma + 1);
      const bool blank = entry.find_first_not_of(" \t") == std::string_view::npos;
      if (!blank) {
        std::optional<ClientAddress> next = ForwardedEntry(entry);
        if (!next) return client;
        client = *next;
      }
      if (comma == std::string_view::npos) break;
      list = list.substr(0, comma);
    }
  }
  return client;
}

bool ClientConnections::TryAdd(const ClientAddress& address, size_t limit) {
  std::lock_guard lock(mu_);
  size_t& n = counts_[address];
  if (limit > 0 && n >= limit) {
    if (n == 0) counts_.erase(address);
    return false;
  }
  ++n;
  return true;
}

void ClientConnections::Remove(const ClientAddress& address) {
  std::lock_guard lock(mu_);
  auto it = counts_.find(address);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

size_t ClientConnections::Count(const ClientAddress& address) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(address);
  return it == counts_.end() ? 0 : it->second;
}

size_t ClientConnections::clients() const {
  std::lock_guard lock(mu_);
  return counts_.size();
}

namespace {

void AppendEscaped(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20 || u > 0x7e) {
      out->append("\\x");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);
    }
  }
}

void AppendQuoted(std::string* out, std::optional<std::string_view> s) {
  out->push_back('"');
  if (s && !s->empty())
    AppendEscaped(out, *s);
  else
    out->push_back('-');
  out->push_back('"');
}

}  // namespace

std::string AccessLogLine(std::string_view peer, int64_t unix_time, std::string_view request_line,
                          int status, uint64_t body_bytes, std::optional<std::string_view> referer,
                          std::optional<std::string_view> user_agent) {
  std::string out;
  out.reserve(128 + request_line.size());
  AppendEscaped(&out, peer);
  const std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char when[40];
  std::strftime(when, sizeof when, " - - [%d/%b/%Y:%H:%M:%S +0000] ", &tm);
  out.append(when);
  AppendQuoted(&out, request_line.empty() ? std::nullopt : std::optional(request_line));
  out.push_back(' ');
  out.append(std::to_string(status));
  out.push_back(' ');
  out.append(std::to_string(body_bytes));
  out.push_back(' ');
  AppendQuoted(&out, referer);
  out.push_back(' ');
  AppendQuoted(&out, user_agent);
  return out;
}

}  // namespace feedd::daemon
