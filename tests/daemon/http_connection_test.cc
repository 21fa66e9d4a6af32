#include "daemon/http/connection.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace feedd::daemon {
namespace {

using namespace std::chrono_literals;
using Time = ConnectionDeadline::Time;

// A fake timer driven by hand: at most one pending wait, as with Asio's steady_timer
// (starting a wait replaces the pending one).
struct FakeTimer {
  ConnectionDeadline d;
  std::optional<ConnectionDeadline::Arm> pending;
  int arms = 0;
  int expirations = 0;

  void Set(Time at) {
    if (auto a = d.Set(at)) {
      pending = a;
      ++arms;
    }
  }
  // Runs the clock to `now`, firing the pending wait if it is due (repeatedly, as
  // re-arms come due).
  void RunUntil(Time now) {
    while (pending && pending->at <= now) {
      const ConnectionDeadline::Arm fired = *pending;
      pending.reset();
      ConnectionDeadline::Arm next{};
      switch (d.OnTimer(fired.token, fired.at, &next)) {
        case ConnectionDeadline::Fired::kRearm:
          pending = next;
          ++arms;
          break;
        case ConnectionDeadline::Fired::kExpired:
          ++expirations;
          break;
        case ConnectionDeadline::Fired::kStale:
          break;
      }
    }
  }
};

const Time t0 = Time() + 1000s;

TEST(ConnectionDeadlineTest, LaterDeadlinesDoNotReArm) {
  FakeTimer t;
  t.Set(t0 + 10s);
  EXPECT_EQ(1, t.arms);
  for (int i = 1; i <= 100; ++i) t.Set(t0 + 10s + std::chrono::milliseconds(i));
  EXPECT_EQ(1, t.arms);  // per-request moves cost no timer work
  t.RunUntil(t0 + 10s);  // fires early: sleeps again until the deadline
  EXPECT_EQ(2, t.arms);
  EXPECT_FALSE(t.d.expired());
  t.RunUntil(t0 + 10s + 100ms);
  EXPECT_TRUE(t.d.expired());
  EXPECT_EQ(1, t.expirations);
}

TEST(ConnectionDeadlineTest, AnEarlierDeadlineReArms) {
  FakeTimer t;
  t.Set(t0 + 60s);
  t.Set(t0 + 5s);
  EXPECT_EQ(2, t.arms);
  t.RunUntil(t0 + 5s);
  EXPECT_TRUE(t.d.expired());
}

// The bug this class fixes: the timer fired (and expired the connection) while no
// operation was pending; the old code then compared new deadlines with the timer's
// past expiry, never re-armed, and the connection had no timeout at all. Here an
// expiry is final, and every later deadline sees it.
TEST(ConnectionDeadlineTest, AnExpiryWithoutAPendingOperationIsFinal) {
  FakeTimer t;
  t.Set(t0 + 10s);
  t.RunUntil(t0 + 10s);
  ASSERT_TRUE(t.d.expired());
  t.Set(t0 + 70s);  // the coroutine went on and set a new deadline
  EXPECT_TRUE(t.d.expired());
  EXPECT_FALSE(t.pending.has_value());
}

// A firing that raced with a deadline move: the firing comes before the new
// deadline, so the timer sleeps again and still holds the connection.
TEST(ConnectionDeadlineTest, AFiringBeforeTheDeadlineAlwaysReArms) {
  FakeTimer t;
  t.Set(t0 + 10s);
  Time now = t0;
  for (int i = 0; i < 1000; ++i) {  // a slow reader making progress every 9 s
    now += 9s;
    t.RunUntil(now);
    ASSERT_FALSE(t.d.expired()) << i;
    t.Set(now + 10s);
    ASSERT_TRUE(t.pending.has_value() || t.d.armed());
  }
  EXPECT_LT(t.arms, 1100);
  t.RunUntil(now + 10s);  // then it stops reading
  EXPECT_TRUE(t.d.expired());
}

TEST(ConnectionDeadlineTest, ReplacedAndStoppedWaitsAreStale) {
  ConnectionDeadline d;
  const auto first = d.Set(t0 + 60s);
  const auto second = d.Set(t0 + 1s);
  ASSERT_TRUE(first && second);
  ConnectionDeadline::Arm next{};
  EXPECT_EQ(ConnectionDeadline::Fired::kStale, d.OnTimer(first->token, t0 + 60s, &next));
  EXPECT_FALSE(d.expired());
  d.Stop();
  EXPECT_EQ(ConnectionDeadline::Fired::kStale, d.OnTimer(second->token, t0 + 60s, &next));
  EXPECT_FALSE(d.expired());
  EXPECT_FALSE(d.Set(t0 + 5s).has_value());
}

TEST(ClientAddressTest, Loopback) {
  for (const char* a : {"127.0.0.1", "127.255.3.4", "::1", "::ffff:127.0.0.1", "::ffff:127.1.2.3"})
    EXPECT_TRUE(IsLoopback(*ParseClientAddress(a))) << a;
  for (const char* a : {"128.0.0.1", "126.255.255.255", "10.0.0.1", "0.0.0.0", "::", "::2",
                        "::ffff:10.0.0.1", "::127.0.0.1", "fe80::1", "2001:db8::1", "1::1"})
    EXPECT_FALSE(IsLoopback(*ParseClientAddress(a))) << a;
  EXPECT_FALSE(ParseClientAddress("localhost"));
  EXPECT_EQ(*ParseClientAddress("192.0.2.1"), *ParseClientAddress("::ffff:192.0.2.1"));
}

config::AddressRange Range(const char* text) {
  std::string err;
  std::optional<config::AddressRange> r = config::ParseAddressRange(text, &err);
  EXPECT_TRUE(r) << text << ": " << err;
  return r.value_or(config::AddressRange{});
}

TEST(AddressRangeTest, ParsesAddressesAndRanges) {
  auto in = [](const char* range, const char* address) {
    return Range(range).Contains(ParseClientAddress(address)->bytes);
  };
  EXPECT_TRUE(in("127.0.0.0/8", "127.9.9.9"));
  EXPECT_TRUE(in("127.0.0.0/8", "::ffff:127.0.0.1"));
  EXPECT_FALSE(in("127.0.0.0/8", "128.0.0.1"));
  EXPECT_TRUE(in("10.1.2.3", "10.1.2.3"));
  EXPECT_FALSE(in("10.1.2.3", "10.1.2.4"));
  EXPECT_TRUE(in("192.168.0.0/17", "192.168.127.255"));
  EXPECT_FALSE(in("192.168.0.0/17", "192.168.128.0"));
  EXPECT_TRUE(in("0.0.0.0/0", "203.0.113.1"));
  EXPECT_FALSE(in("0.0.0.0/0", "2001:db8::1"));  // every IPv4 address, not IPv6
  EXPECT_TRUE(in("::/0", "2001:db8::1"));
  EXPECT_TRUE(in("2001:db8::/32", "2001:db8:ffff::1"));
  EXPECT_FALSE(in("2001:db8::/32", "2001:db9::1"));
  EXPECT_TRUE(in("::1", "::1"));
  EXPECT_FALSE(in("::1", "127.0.0.1"));
  EXPECT_EQ("10.0.0.0/8", config::ToString(Range("10.0.0.0/8")));
  EXPECT_EQ("::1", config::ToString(Range("::1")));
  EXPECT_EQ("2001:db8::/32", config::ToString(Range("2001:db8::/32")));
  EXPECT_EQ("192.0.2.1", config::ToString(Range("192.0.2.1")));
  for (const char* bad : {"", "localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x",
                          "10.0.0.1/8", "10.0.0.0/8/8", "1.2.3", "[::1]", "10.0.0.0/-1", " 10.0.0.1"}) {
    std::string err;
    EXPECT_FALSE(config::ParseAddressRange(bad, &err)) << bad;
    EXPECT_NE(std::string::npos, err.find(bad)) << err;
  }
  std::string err;
  config::ParseAddressRange("10.0.0.1/8", &err);
  EXPECT_NE(std::string::npos, err.find("10.0.0.0/8")) << err;  // says where the range starts
}

// The walk of X-Forwarded-For from the right (nginx's real_ip_recursive).
TEST(ForwardedClientTest, WalksFromTheRightThroughTrustedHops) {
  const std::vector<config::AddressRange> loopback = config::LoopbackRanges();
  const std::vector<config::AddressRange> lan = {Range("127.0.0.1"), Range("10.0.0.0/8")};
  auto client = [](const char* peer, std::vector<std::string_view> xff,
                   const std::vector<config::AddressRange>& trusted) {
    return ToString(ForwardedClient(*ParseClientAddress(peer), xff, trusted));
  };
  // An untrusted peer speaks for itself, whatever it sends.
  EXPECT_EQ("198.51.100.1", client("198.51.100.1", {"203.0.113.7"}, loopback));
  // A trusted one names its client.
  EXPECT_EQ("203.0.113.7", client("127.0.0.1", {"203.0.113.7"}, loopback));
  EXPECT_EQ("2001:db8::7", client("::1", {"2001:db8::7"}, loopback));
  // A client's own forged entries sit left of what the proxy appended: not believed.
  EXPECT_EQ("203.0.113.7", client("127.0.0.1", {"1.2.3.4, 203.0.113.7"}, loopback));
  // Trusted hops in the chain are walked through, the first untrusted is the client.
  EXPECT_EQ("203.0.113.7", client("127.0.0.1", {"1.2.3.4, 203.0.113.7, 10.0.0.5"}, lan));
  EXPECT_EQ("10.0.0.5", client("127.0.0.1", {"1.2.3.4, 203.0.113.7, 10.0.0.5"}, loopback));
  // Several fields read as one list, in order.
  EXPECT_EQ("203.0.113.7", client("127.0.0.1", {"1.2.3.4", "203.0.113.7", "10.0.0.5"}, lan));
  // All trusted: the leftmost.
  EXPECT_EQ("10.0.0.1", client("127.0.0.1", {"10.0.0.1, 10.0.0.2"}, lan));
  // Ports and brackets.
  EXPECT_EQ("203.0.113.7", client("127.0.0.1", {"203.0.113.7:4711"}, loopback));
  EXPECT_EQ("2001:db8::7", client("127.0.0.1", {"[2001:db8::7]:4711"}, loopback));
  EXPECT_EQ("2001:db8::7", client("127.0.0.1", {"[2001:db8::7]"}, loopback));
  // Not an address: the hop that wrote it is the client.
  EXPECT_EQ("127.0.0.1", client("127.0.0.1", {"unknown"}, loopback));
  EXPECT_EQ("10.0.0.5", client("127.0.0.1", {"203.0.113.7, _hidden, 10.0.0.5"}, lan));
  for (const char* junk : {"[2001:db8::7", "[::1]x", "[::1]:", "1.2.3.4:x", "300.1.1.1", "\"1.2.3.4\""})
    EXPECT_EQ("127.0.0.1", client("127.0.0.1", {junk}, loopback)) << junk;
  // Empty entries are skipped; nobody trusted: the peer.
  EXPECT_EQ("203.0.113.7", client("127.0.0.1", {"203.0.113.7, , "}, loopback));
  EXPECT_EQ("127.0.0.1", client("127.0.0.1", {"203.0.113.7"}, {}));
  EXPECT_EQ("127.0.0.1", client("127.0.0.1", {}, loopback));
}

TEST(ClientConnectionsTest, LimitPerAddressAcrossThreads) {
  ClientConnections c;
  const ClientAddress a = *ParseClientAddress("192.0.2.1");
  const ClientAddress b = *ParseClientAddress("2001:db8::1");
  EXPECT_TRUE(c.TryAdd(a, 2));
  EXPECT_TRUE(c.TryAdd(a, 2));
  EXPECT_FALSE(c.TryAdd(a, 2));
  EXPECT_TRUE(c.TryAdd(b, 2));
  c.Remove(a);
  EXPECT_TRUE(c.TryAdd(a, 2));
  EXPECT_TRUE(c.TryAdd(a, 0));  // 0: no limit
  EXPECT_EQ(3u, c.Count(a));
  c.Remove(a), c.Remove(a), c.Remove(a), c.Remove(b);
  EXPECT_EQ(0u, c.clients());  // nothing left behind for addresses that went away
  EXPECT_FALSE(c.TryAdd(a, 0) && c.TryAdd(a, 1));
  c.Remove(a);
  // Many threads racing for one address: never more than the limit.
  std::vector<std::thread> threads;
  std::atomic<int> granted{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 1000; ++k) {
        if (c.TryAdd(a, 5)) ++granted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(5, granted.load());
  EXPECT_EQ(5u, c.Count(a));
}

TEST(AccessLogTest, CombinedLogFormat) {
  EXPECT_EQ(
      "127.0.0.1 - - [01/Dec/2026:18:44:28 +0000] \"GET /rss.xml HTTP/1.1\" 200 5709 "
      "\"https://r.example/\" \"Reader/1.0\"",
      AccessLogLine("127.0.0.1", 1796150668, "GET /rss.xml HTTP/1.1", 200, 5709,
                    "https://r.example/", "Reader/1.0"));
  EXPECT_EQ("::1 - - [01/Jan/1970:00:00:00 +0000] \"-\" 400 0 \"-\" \"-\"",
            AccessLogLine("::1", 0, "", 400, 0, std::nullopt, std::nullopt));
  // A client cannot forge fields or lines.
  EXPECT_EQ(
      "10.0.0.1 - - [01/Jan/1970:00:00:00 +0000] \"GET /a\\\"b\\\\ HTTP/1.1\" 404 10 "
      "\"x\\x0A10.0.0.2 - - \" \"caf\\xC3\\xA9\\x7F\"",
      AccessLogLine("10.0.0.1", 0, "GET /a\"b\\ HTTP/1.1", 404, 10, "x\n10.0.0.2 - - ",
                    "caf\xc3\xa9\x7f"));
}

}  // namespace
}  // namespace feedd::daemon
