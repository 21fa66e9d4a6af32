// `feedd` without a command: the long-running daemon. Watches the input folder,
// regenerates incrementally off the serving threads, serves the snapshot over HTTP.
#pragma once

#include "config/config.h"

namespace feedd::daemon {

// Runs until SIGINT or SIGTERM. Returns the exit code: 0 after a clean stop, 1 when
// the listening address cannot be used.
int RunDaemon(const config::Config& config);

}  // namespace feedd::daemon
