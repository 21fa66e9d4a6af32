#include "daemon/cli.h"

#include "config/config_file.h"

#include <algorithm>
#include <filesystem>
#include <array>

namespace feedd::daemon {
std::string UsageText() {
  return R"(Usage:
  feedd [--config FILE] [options]                       serve the feeds (the daemon)
  feedd --check-config [--config FILE] [options]        check the settings and exit
  feedd render --input DIR --output DIR --base-url URL [options]
  feedd inspect [--json] [options] FILE...              what feedd would publish from each
  feedd --help | --version

Settings come from the defaults, then the TOML file given with --config (see
feedd.example.toml), then the options below, which win.

The daemon watches the input folder and serves, over HTTP:
  /rss.xml  /atom.xml  /feed.json  /  /page/N  /articles/SLUG  /categories/...
  /tags/...  /archive/N/atom.xml  /healthz  /metrics
`render` writes the same site into a folder once, then exits. `inspect` prints
what each FILE would become (title, author, section, tags, date and its source,
language, summary, paragraphs, what was left out and why) or why it would be
skipped; --json gives the same as JSON. Exit status 1 when some file would be
skipped. It takes render's reading options (--base-url, --max-article-size,
--max-content-size, --parse-timeout, --author, --language).

Options for both:
  --config FILE             read settings from FILE (TOML)
  --input DIR               folder of articles (.txt, .md, .markdown, .html, .htm); default ./articles
  --base-url URL            public URL of the site, e.g. https://example.org/news
                            (default for the daemon: http://ADDRESS:PORT it listens on)
  --title TEXT              feed title (default "feedd")
  --description TEXT        feed description (default: the title)
  --language TAG            feed language, e.g. en, fa-IR (default "en")
  --author NAME             author for articles that name none
  --limit N                 items per feed, newest first (default 50)
  --max-article-size SIZE   skip larger files, e.g. 10M (default 10M)
  --log-level LEVEL         trace, debug, info, warn, error, critical, off (default info)

Options for the daemon:
  --listen ADDRESS:PORT     where to listen (default 127.0.0.1:8080; port 0 picks one);
                            repeat it to listen on several addresses
  --output DIR              also write rss.xml, atom.xml and their .gz twins here
  --hub URL                 a WebSub hub (http://) to notify when a feed changes
  --state-dir DIR           keep state.db here: ids and dates that survive restarts
                            (default: none, kept in memory)
  --port-file FILE          write the port actually bound to FILE
  --threads N               serving threads (default 2)
  --cache-max-age SECONDS   Cache-Control: max-age of responses (default 300)
  --header-timeout TIME     drop a client whose request header takes longer (default 10s)
  --idle-timeout TIME       close keep-alive connections idle this long (default 60s)
  --max-connections N       answer 503 to new connections beyond this many (default 1024)
  --max-connections-per-client N
                            the same for one client address beyond N (default 64;
                            0: unlimited)
  --write-timeout TIME      drop a client that takes nothing for this long while a
                            response is being sent (default 60s)
  --max-content-size SIZE   cut an article's HTML content beyond this (default 512K)
  --max-feed-size SIZE      keep every feed document below this (default 4M)
  --parse-timeout TIME      skip a file whose parsing takes longer (default 10s)
  --access-log              log every request in the Combined Log Format (info level)
  --metrics-public          answer /metrics to every client, not only loopback ones
  --metrics-listen ADDRESS:PORT
                            also serve /metrics on this address, to every client
  --trusted-proxies LIST    reverse proxies whose X-Forwarded-For names the client:
                            addresses or CIDR ranges, comma-separated ("" for none;
                            default 127.0.0.0/8,::1)
  --watch MODE              auto (default: inotify on local file systems, polling on
                            network and FUSE ones), inotify, or poll
  --poll-interval TIME      how often polling walks the folder (default 2s)

Options for render:
  --output DIR              folder for the whole site (created if missing)
  --state-dir DIR           use (and update) the daemon's state.db: its ids and dates

Without socket activation the daemon binds its --listen addresses itself; when
systemd passes sockets (LISTEN_FDS), it serves on those and binds nothing.

Exit status: 0 on success (and after SIGTERM or SIGINT), 1 when a folder or the
listening address cannot be used, 64 for a command-line mistake, 78 for a value
that cannot be used.
)";
}

namespace {

struct FlagSpec {
  const char* flag;
  const char* key;
  bool serve, render;    // which commands take it
  bool boolean = false;  // takes no value: sets the key to true
};

constexpr FlagSpec kFlags[] = {
    {"--input", "input", true, true},
    {"--base-url", "base_url", true, true},
    {"--title", "title", true, true},
    {"--description", "description", true, true},
    {"--language", "language", true, true},
    {"--author", "author", true, true},
    {"--limit", "limit", true, true},
    {"--max-article-size", "limits.max_article_size", true, true},
    {"--log-level", "log_level", true, true},
    {"--watch", "watch", true, false},
    {"--poll-interval", "poll_interval", true, false},
    {"--output", "output_dir", true, true},
    {"--listen", "listen", true, false},
    {"--state-dir", "state_dir", true, true},
    {"--hub", "hub", true, false},
    {"--port-file", "port_file", true, false},
    {"--threads", "threads", true, false},
    {"--cache-max-age", "cache_max_age", true, false},
    {"--header-timeout", "limits.header_timeout", true, false},
    {"--idle-timeout", "limits.idle_timeout", true, false},
    {"--max-connections", "limits.max_connections", true, false},
    {"--max-connections-per-client", "limits.max_connections_per_client", true, false},
    {"--write-timeout", "limits.write_timeout", true, false},
    {"--max-content-size", "limits.max_content_size", true, true},
    {"--max-feed-size", "limits.max_feed_size", true, true},
    {"--parse-timeout", "limits.parse_timeout", true, true},
    {"--access-log", "access_log", true, false, true},
    {"--metrics-public", "metrics_public", true, false, true},
    {"--metrics-listen", "metrics_listen", true, false},
    {"--trusted-proxies", "trusted_proxies", true, false},
};

}  // namespace

std::optional<Invocation> ParseCommandLine(const std::vector<std::string>& args,
                                           std::string* err, int* exit_code) {
  Invocation inv;
  *exit_code = kExitUsage;
  size_t i = 0;
  if (!args.empty() && args[0] == "render") {
    inv.command = Command::kRender;
    i = 1;
  }
  if (!args.empty() && args[0] == "inspect") {
    inv.command = Command::kInspect;
    i = 1;
  }
  const bool inspect = inv.command == Command::kInspect;
  // inspect reads files as render does: it takes render's reading options.
  const bool render = inv.command == Command::kRender || inspect;
  config::Config scratch;  // values are checked as they are read
  for (; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (const size_t eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "--help" || flag == "-h") {
      inv.command = Command::kHelp;
      return inv;
    }
    if (flag == "--version") {
      inv.command = Command::kVersion;
      return inv;
    }
    if (inspect && flag == "--json") {
      inv.json = true;
      continue;
    }
    if (inspect && (flag.empty() || flag[0] != '-' || flag == "-")) {
      inv.files.push_back(flag);
      continue;
    }
    if (flag == "--check-config" && !render) {
      inv.command = Command::kCheckConfig;
      continue;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& f : kFlags) {
      if (flag == f.flag) spec = &f;
    }
    if (flag != "--config" && (!spec || !(render ? spec->render : spec->serve))) {
      if (flag.rfind("-", 0) != 0) {
        *err = "unknown command \"" + flag + "\" (try --help)";
      } else if (spec || flag == "--check-config") {
        *err = flag + " is not an option of " +
               (inspect ? "inspect" : render ? "render" : "the daemon") + " (try --help)";
      } else {
        *err = "unknown option \"" + flag + "\" (try --help)";
      }
      return std::nullopt;
    }
    if (spec && spec->boolean && !inline_value) inline_value = "true";
    if (!inline_value && i + 1 >= args.size()) {
      *err = flag + ": missing value";
      return std::nullopt;
    }
    const std::string value = inline_value ? *inline_value : args[++i];
    if (flag == "--config") {
      if (value.empty()) {
        *err = "--config: empty file name";
        return std::nullopt;
      }
      inv.config_path = value;
      continue;
    }
    std::string why;
    if (!config::SetOption(spec->key, value, &scratch, &why)) {
      *err = flag + ": " + why;
      *exit_code = kExitConfig;
      return std::nullopt;
    }
    inv.overrides.push_back({flag, spec->key, value});
  }
  if (inspect && inv.files.empty()) {
    *err = "inspect needs at least one FILE (try --help)";
    return std::nullopt;
  }
  return inv;
}

std::optional<config::Config> BuildConfig(const Invocation& inv, std::string* err,
                                          int* exit_code) {
  *exit_code = kExitConfig;
  config::Config c;
  if (!inv.config_path.empty() && !config::LoadConfigFile(inv.config_path, &c, err))
    return std::nullopt;
  bool listen_from_flags = false;
  for (const Override& o : inv.overrides) {
    if (o.key == "listen" && !listen_from_flags) {
      c.listen.clear();  // flags replace the file's addresses, they do not add to them
      listen_from_flags = true;
    }
    std::string why;
    if (!config::SetOption(o.key, o.value, &c, &why)) {  // checked while parsing already
      *err = o.flag + ": " + why;
      return std::nullopt;
    }
  }
  if (inv.command != Command::kRender) {
    for (const auto& [flag, folder] : {std::pair{"--output", c.output_dir}, std::pair{"--state-dir", c.state_dir}}) {
      std::error_code ec;
      if (!folder.empty() && !std::filesystem::is_directory(folder, ec)) {
        *err = std::string(flag) + ": " + folder + " is not an existing folder";
        return std::nullopt;
      }
    }
  }
  if (inv.command == Command::kRender && (c.output_dir.empty() || !c.base_url_set)) {
    *err = std::string("render needs ") + (c.output_dir.empty() ? "--output" : "--base-url") +
           (inv.config_path.empty() ? "" : " (or output_dir and base_url in the file)");
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  return c;
}

}  // namespace feedd::daemon
