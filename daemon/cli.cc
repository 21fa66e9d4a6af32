#include "daemon/cli.h"

#include <array>

namespace feedd::daemon {
namespace {

constexpr std::array<const char*, 7> kLogLevels = {"trace", "debug", "info", "warn",
                                                   "error", "critical", "off"};

}  // namespace

std::string UsageText() {
  return R"(Usage:
  feedd render --input DIR --output DIR --base-url URL [options]
  feedd --help | --version

Commands:
  render    Turn every article in the input folder into rss.xml and atom.xml in
            the output folder, then exit.

Options:
  --input DIR               folder of articles (.txt, .md, .markdown)
  --output DIR              folder for rss.xml and atom.xml (created if missing)
  --base-url URL            public URL of the site, e.g. https://example.org/news
  --title TEXT              feed title (default "feedd")
  --description TEXT        feed description (default: the title)
  --language TAG            feed language, e.g. en, fa-IR (default "en")
  --author NAME             author for articles that name none
  --limit N                 items per feed, newest first (default 50)
  --max-article-size SIZE   skip larger files, e.g. 10M (default 10M)
  --log-level LEVEL         trace, debug, info, warn, error, critical, off (default info)
  -h, --help                show this help
  --version                 show the version

Exit status: 0 on success, 1 when a folder cannot be read or written,
64 for a command-line mistake, 78 for a value that cannot be used.
)";
}

std::optional<Invocation> ParseCommandLine(const std::vector<std::string>& args,
                                           std::string* err, int* exit_code) {
  Invocation inv;
  *exit_code = kExitUsage;
  if (args.empty()) {
    *err = "no command given (try --help)";
    return std::nullopt;
  }
  size_t i = 0;
  if (args[0] == "--help" || args[0] == "-h") return inv;
  if (args[0] == "--version") {
    inv.command = Command::kVersion;
    return inv;
  }
  if (args[0] != "render") {
    *err = "unknown command \"" + args[0] + "\" (try --help)";
    return std::nullopt;
  }
  inv.command = Command::kRender;
  bool has_input = false, has_output = false, has_base = false;
  for (i = 1; i < args.size(); ++i) {
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
    static const std::array<const char*, 10> kValued = {
        "--input",  "--output", "--base-url", "--title",         "--description",
        "--language", "--author", "--limit",  "--max-article-size", "--log-level"};
    bool known = false;
    for (const char* k : kValued) known = known || flag == k;
    if (!known) {
      *err = "unknown option \"" + flag + "\" (try --help)";
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
      c.base_url = *url, has_base = true;
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
    }
  }
  if (!has_input || !has_output || !has_base) {
    *err = std::string("render needs ") + (!has_input ? "--input" : !has_output ? "--output" : "--base-url");
    return std::nullopt;
  }
  return inv;
}

}  // namespace feedd::daemon
