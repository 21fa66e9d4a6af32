// `feedd` without a command: the long-running daemon. Watches the input folder,
// regenerates incrementally off the serving threads, serves the snapshot over HTTP,
// and speaks systemd's notify and socket-activation protocols.
#pragma once

#include "config/config.h"
#include "daemon/cli.h"

namespace feedd::daemon {

// Runs until SIGINT or SIGTERM; SIGHUP reloads the configuration (the --config file
// and `inv`'s flags again). Returns the exit code: 0 after a clean stop, 1 when no
// listening socket can be had.
int RunDaemon(const config::Config& config, const Invocation& inv);

}  // namespace feedd::daemon
