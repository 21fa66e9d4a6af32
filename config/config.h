// feedd's settings and their validation. Pure: no I/O, no logging. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/address_range.h"

namespace feedd::config {

struct ListenAddress {
  std::string host;  // an IP address: "127.0.0.1", "::1", "0.0.0.0"
  uint16_t port = 0;
  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// A podcast: [podcast] in feedd.toml, and [feed.podcast] over it for one [[feed]].
// Enabled by the table's presence (or `enabled = true`); the RSS feeds then carry
// Apple's itunes:* channel and item tags and Podcasting 2.0's podcast:guid and
// podcast:locked.
struct PodcastConfig {
  bool enabled = false;
  std::string image;  // the cover: a JPEG or PNG in the input folder (relative path) or an http(s) URL
  std::vector<std::string> categories;  // Apple's: "Technology", "Society & Culture > Documentary"
  bool explicit_content = false;
  std::string owner_name, owner_email;
  std::string type = "episodic";  // or "serial"
  std::string author;             // empty: the feed's author
  bool locked = false;
  std::string guid;               // empty: the UUID v5 of the RSS feed's URL
  friend bool operator==(const PodcastConfig&, const PodcastConfig&) = default;
};

// Sets one [podcast] key ("image", "category", "explicit", "owner_name",
// "owner_email", "type", "author", "locked", "guid", "enabled") from its text form
// ("true"/"false" for the switches; "category" appends one). False with *err set.
bool SetPodcastOption(std::string_view key, std::string_view value, PodcastConfig* podcast,
                      std::string* err);

// One of several feeds served by one daemon ([[feed]] in feedd.toml).
struct FeedConfig {
  std::string prefix;    // URL path prefix: "/blog" (no trailing slash), unique
  std::string input_dir;
  std::string base_url;  // default: the daemon's base URL + prefix
  bool base_url_set = false;
  std::string title, description, language, author;
  size_t limit = 0;      // 0: the daemon's
  std::optional<PodcastConfig> podcast;  // [feed.podcast] over [podcast]; none: [podcast]
};

// How the input folder is watched.
enum class WatchMode {
  kAuto,     // inotify on local file systems, polling on network and FUSE ones
  kInotify,  // inotify (subfolders past the watch limit are polled all the same)
  kPoll,     // a stat-only walk every poll_interval
};

struct Config {
  std::string input_dir = "articles";
  std::string output_dir;                          // render: required; daemon: optional copy
  std::string state_dir;                           // the daemon's state.db; empty: in memory
  std::string base_url = "http://127.0.0.1:8080";  // normalized: no trailing slash
  std::string title = "feedd";
  std::string description;
  std::string language = "en";
  std::string author;                              // for articles that name none
  std::string hub;                                 // WebSub hub (http://); empty: none
  size_t limit = 50;                               // items per feed
  uint64_t max_article_bytes = 10 * 1024 * 1024;   // larger files are skipped
  PodcastConfig podcast;                           // [podcast]

  std::string log_level = "info";
  WatchMode watch = WatchMode::kAuto;
  int poll_interval_ms = 2000;                     // 100 ms to 1 hour

  // The daemon.
  std::vector<ListenAddress> listen = {{"127.0.0.1", 8080}};
  bool base_url_set = false;                       // else http://LISTEN/
  std::string port_file;                           // written with the bound port
  unsigned threads = 2;                            // serving threads
  int cache_max_age = 300;                         // seconds, Cache-Control: max-age
  int header_timeout_ms = 10'000;
  int idle_timeout_ms = 60'000;
  int write_timeout_ms = 60'000;                   // between successive writes of a response
  size_t max_connections = 1024;
  size_t max_connections_per_client = 64;          // per client address; 0: unlimited
  bool access_log = false;                         // one Combined Log Format line per request
  bool metrics_public = false;                     // /metrics for every client, not only loopback
  std::optional<ListenAddress> metrics_listen;     // /metrics on its own address
  // Peers whose X-Forwarded-For is believed (a reverse proxy in front): the client
  // it names is then the one in the access log, the per-client limit and the
  // loopback-only /metrics check.
  std::vector<AddressRange> trusted_proxies = LoopbackRanges();

  // What one article and one feed may become (output amplification), and how long
  // one file may take to parse.
  uint64_t max_content_bytes = 512 * 1024;         // an article's HTML content
  uint64_t max_feed_bytes = 4 * 1024 * 1024;       // one feed document
  int parse_timeout_ms = 10'000;                   // per file; then it is skipped

  // Several feeds from one daemon, each with its own folder and URL prefix; empty:
  // one feed at the root from the settings above.
  std::vector<FeedConfig> feeds;
};

// Sets one setting from its text form, by the key it has in feedd.toml ("title",
// "limits.max_connections", ...). The command line and the file share it, so a
// value means the same wherever it is written. "listen" appends;
// "trusted_proxies" takes a list separated by commas or spaces and replaces. Returns false
// with *err set to what is wrong with the value ("\"x\" is not a language tag"),
// or to "unknown key" for a key that does not exist. The strings that reach a
// feed or a page (title, description, author, language, base_url, hub) are
// refused when they hold what XML cannot (IsCleanSettingText in config/text.h:
// controls, U+FFFE, U+FFFF, invalid UTF-8); description may hold tabs and line
// feeds, the others may not.
bool SetOption(std::string_view key, std::string_view value, Config* config, std::string* err);

// The log levels, as spdlog names them.
bool IsLogLevel(std::string_view level);

// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0". Returns false with *err set.
bool ParseListen(std::string_view text, std::string* host, uint16_t* port, std::string* err);

// "10s", "500ms", "2m", or a number of seconds. Positive, at most a day.
std::optional<int> ParseDurationMs(std::string_view text, std::string* err);

// Checks an absolute http(s) URL with a host and no query or fragment, and returns
// it without trailing slashes. On failure returns std::nullopt with *err set.
std::optional<std::string> NormalizeBaseUrl(std::string_view url, std::string* err);

// "10485760", "512K", "10M", "10MB", "10MiB", "1G" (binary multiples). Returns
// std::nullopt with *err set for anything else, zero, or an overflow.
std::optional<uint64_t> ParseByteSize(std::string_view text, std::string* err);

// A positive whole number no larger than `max`.
std::optional<uint64_t> ParseCount(std::string_view text, uint64_t max, std::string* err);

// A BCP 47 language tag of letters, digits and '-' ("en", "fa-IR").
bool IsLanguageTag(std::string_view text);

}  // namespace feedd::config
