// Command-line parsing and the final configuration: defaults, then the file named
// by --config, then the flags. Pure but for reading that file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace feedd::daemon {

enum class Command { kHelp, kVersion, kServe, kRender, kCheckConfig, kInspect };

struct Override {
  std::string flag;   // "--title", for messages
  std::string key;    // "title": the setting's key in feedd.toml
  std::string value;
};

struct Invocation {
  Command command = Command::kServe;
  std::string config_path;         // --config FILE; empty: defaults and flags only
  std::vector<Override> overrides;  // in command-line order
  std::vector<std::string> files;   // inspect: the files to look at
  bool json = false;                // inspect --json
};

// Exit codes, as sysexits.h names them.
inline constexpr int kExitUsage = 64;   // EX_USAGE: unknown flag, missing value
inline constexpr int kExitConfig = 78;  // EX_CONFIG: a value that cannot be used

// Parses argv[1..]. On failure returns std::nullopt with *err set ("--limit: ...")
// and *exit_code set to kExitUsage or kExitConfig. Values are checked here too, so
// a bad flag is reported before any file is read.
std::optional<Invocation> ParseCommandLine(const std::vector<std::string>& args,
                                           std::string* err, int* exit_code);

// Defaults, then the --config file, then the flags (which win). On failure returns
// std::nullopt with *err set and *exit_code = kExitConfig (or kExitUsage for a
// render without its required settings).
std::optional<config::Config> BuildConfig(const Invocation& inv, std::string* err,
                                          int* exit_code);

// The text `feedd --help` prints.
std::string UsageText();

}  // namespace feedd::daemon
