// feedd: turns a folder of articles into RSS 2.0 and Atom 1.0 feeds.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <exception>
#include <string>
#include <vector>

#include "daemon/cli.h"
#include "daemon/daemon.h"
#include "daemon/logging.h"
#include "daemon/ingest/parse_worker.h"
#include "daemon/systemd.h"
#include "daemon/inspect_command.h"
#include "daemon/render_command.h"
#include "feedd_version.h"

int main(int argc, char** argv) {
  using namespace feedd::daemon;
  // The daemon's parse worker (daemon/parse_worker.h): not a user command.
  if (argc == 3 && std::string_view(argv[1]) == "parse-worker")
    return RunParseWorker(STDIN_FILENO, STDOUT_FILENO, static_cast<pid_t>(std::atol(argv[2])));
  SetUpLogging(StderrIsJournal());

  std::vector<std::string> args(argv + 1, argv + argc);
  std::string err;
  int exit_code = 0;
  std::optional<Invocation> inv = ParseCommandLine(args, &err, &exit_code);
  if (!inv) {
    std::fprintf(stderr, "feedd: %s\n", err.c_str());
    return exit_code;
  }
  if (inv->command == Command::kHelp) {
    std::fputs(UsageText().c_str(), stdout);
    return 0;
  }
  if (inv->command == Command::kVersion) {
    std::printf("feedd %s\n", feedd::kFeeddVersion);
    return 0;
  }
  std::optional<feedd::config::Config> config = BuildConfig(*inv, &err, &exit_code);
  if (!config) {
    std::fprintf(stderr, "feedd: %s\n", err.c_str());
    return exit_code;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  try {
    switch (inv->command) {
      case Command::kCheckConfig:
        std::printf("%s: ok\n", inv->config_path.empty() ? "settings" : inv->config_path.c_str());
        return 0;
      case Command::kRender:
        return RunRender(*config);
      case Command::kInspect:
        return RunInspect(*config, inv->files, inv->json);
      case Command::kServe:
        return RunDaemon(*config, *inv);
      default:
        return 0;
    }
  } catch (const std::exception& e) {
    spdlog::critical("unexpected error: {}", e.what());
    return 1;
  }
  return 0;
}
