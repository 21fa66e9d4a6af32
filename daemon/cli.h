// Command-line parsing. Pure: returns values and messages; main() prints them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace feedd::daemon {

enum class Command { kHelp, kVersion, kServe, kRender };

struct Invocation {
  Command command = Command::kServe;
  config::Config config;
  std::string log_level = "info";
};

// Exit codes, as sysexits.h names them.
inline constexpr int kExitUsage = 64;   // EX_USAGE: unknown flag, missing value
inline constexpr int kExitConfig = 78;  // EX_CONFIG: a value that cannot be used

// Parses argv[1..]. On failure returns std::nullopt with *err set ("--limit: ...")
// and *exit_code set to kExitUsage or kExitConfig.
std::optional<Invocation> ParseCommandLine(const std::vector<std::string>& args,
                                           std::string* err, int* exit_code);

// The text `feedd --help` prints.
std::string UsageText();

}  // namespace feedd::daemon
