#include "daemon/cli.h"

#include <algorithm>
#include <array>

namespace feedd::daemon {
namespace {

constexpr std::array<const char*, 7> kLogLevels = {"trace", "debug", "info", "warn",
                                                   "error", "critical", "off"};

}  // namespace

std::string UsageText() {
  return R"(Usage:
  feedd [options]                                       serve the feeds (the daemon)
  feedd render --input DIR --output DIR --base-url URL [options]
  feedd --help | --version

The daemon watches the input folder and serves, over HTTP:
  /rss.xml  /atom.xml  /  /articles/SLUG  /healthz
`render` writes rss.xml and atom.xml into a folder once, then exits.

Options for both:
  --input DIR               folder of articles (.txt, .md, .markdown); default ./articles
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
  --listen ADDRESS:PORT     where to listen (default 127.0.0.1:8080; port 0 picks one)
  --port-file FILE          write the port actually bound to FILE
  --threads N               serving threads (default 2)
  --cache-max-age SECONDS   Cache-Control: max-age of responses (default 300)
  --header-timeout TIME     drop a client whose request header takes longer (default 10s)
  --idle-timeout TIME       close keep-alive connections idle this long (default 60s)
  --max-connections N       close new connections beyond this many (default 1024)

Options for render:
  --output DIR              folder for rss.xml and atom.xml (created if missing)

Exit status: 0 on success (and after SIGTERM or SIGINT), 1 when a folder or the
listening address cannot be used, 64 for a command-line mistake, 78 for a value
that cannot be used.
)";
}

std::optional<Invocation> ParseCommandLine(const std::vector<std::string>& args,
                                           std::string* err, int* exit_code) {
  Invocation inv;
  *exit_code = kExitUsage;
  size_t i = 0;
  if (!args.empty() && args[0] == "render") {
    inv.command = Command::kRender;
    i = 1;
  }
  bool has_input = false, has_output = false, has_base = false;
  static const std::vector<std::string> kCommon = {
      "--input",  "--base-url", "--title", "--description",      "--language",
      "--author", "--limit",    "--max-article-size", "--log-level"};
  static const std::vector<std::string> kServe = {
      "--listen",         "--port-file",    "--threads",        "--cache-max-age",
      "--header-timeout", "--idle-timeout", "--max-connections"};
  static const std::vector<std::string> kRender = {"--output"};
  const std::vector<std::string>& mode_flags = inv.command == Command::kRender ? kRender : kServe;
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
    auto listed = [&](const std::vector<std::string>& v) {
      return std::find(v.begin(), v.end(), flag) != v.end();
    };
    if (!listed(kCommon) && !listed(mode_flags)) {
      if (flag.rfind("-", 0) != 0) {
        *err = "unknown command \"" + flag + "\" (try --help)";
      } else if (listed(kServe) || listed(kRender)) {
        *err = flag + " is not an option of " +
               (inv.command == Command::kRender ? "render" : "the daemon") + " (try --help)";
      } else {
        *err = "unknown option \"" + flag + "\" (try --help)";
      }
      return std::nullopt;
    }
    if (!inline_value && i + 1 >= args.size()) {
      *err = flag + ": missing value";
      return std::nullopt;
    }
    const std::string value = inline_value ? *inline_value : args[++i];
    config::Config& c = inv.config;
    std::string why;
    auto bad = [&](const std::string& reason) {
      *err = flag + ": " + reason;
      *exit_code = kExitConfig;
      return std::nullopt;
    };
    if (flag == "--input") {
      if (value.empty()) return bad("empty folder name");
      c.input_dir = value, has_input = true;
    } else if (flag == "--output") {
      if (value.empty()) return bad("empty folder name");
      c.output_dir = value, has_output = true;
    } else if (flag == "--base-url") {
      std::optional<std::string> url = config::NormalizeBaseUrl(value, &why);
      if (!url) return bad(why);
      c.base_url = *url, has_base = true, c.base_url_set = true;
    } else if (flag == "--title") {
      c.title = value;
    } else if (flag == "--description") {
      c.description = value;
    } else if (flag == "--language") {
      if (!config::IsLanguageTag(value)) return bad("\"" + value + "\" is not a language tag");
      c.language = value;
    } else if (flag == "--author") {
      c.author = value;
    } else if (flag == "--limit") {
      std::optional<uint64_t> n = config::ParseCount(value, 100000, &why);
      if (!n) return bad(why);
      c.limit = static_cast<size_t>(*n);
    } else if (flag == "--max-article-size") {
      std::optional<uint64_t> n = config::ParseByteSize(value, &why);
      if (!n) return bad(why);
      c.max_article_bytes = *n;
    } else if (flag == "--log-level") {
      bool ok = false;
      for (const char* l : kLogLevels) ok = ok || value == l;
      if (!ok) return bad("\"" + value + "\" is not one of trace, debug, info, warn, error, critical, off");
      inv.log_level = value;
    } else if (flag == "--listen") {
      if (!config::ParseListen(value, &c.listen_host, &c.listen_port, &why)) return bad(why);
    } else if (flag == "--port-file") {
      if (value.empty()) return bad("empty file name");
      c.port_file = value;
    } else if (flag == "--threads") {
      std::optional<uint64_t> n = config::ParseCount(value, 256, &why);
      if (!n) return bad(why);
      c.threads = static_cast<unsigned>(*n);
    } else if (flag == "--cache-max-age") {
      if (value == "0") {
        c.cache_max_age = 0;
      } else {
        std::optional<uint64_t> n = config::ParseCount(value, 31536000, &why);
        if (!n) return bad(why);
        c.cache_max_age = static_cast<int>(*n);
      }
    } else if (flag == "--header-timeout" || flag == "--idle-timeout") {
      std::optional<int> ms = config::ParseDurationMs(value, &why);
      if (!ms) return bad(why);
      (flag == "--header-timeout" ? c.header_timeout_ms : c.idle_timeout_ms) = *ms;
    } else if (flag == "--max-connections") {
      std::optional<uint64_t> n = config::ParseCount(value, 1000000, &why);
      if (!n) return bad(why);
      c.max_connections = static_cast<size_t>(*n);
    }
  }
  if (inv.command == Command::kRender && (!has_input || !has_output || !has_base)) {
    *err = std::string("render needs ") +
           (!has_input ? "--input" : !has_output ? "--output" : "--base-url");
    return std::nullopt;
  }
  return inv;
}

}  // namespace feedd::daemon
