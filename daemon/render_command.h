// `feedd render`: the daemon's pipeline once, from a folder to the complete site.
#pragma once

#include "config/config.h"
#include "feed/channel.h"

namespace feedd::daemon {

// Renders config.input_dir into config.output_dir. Logs one line per skipped
// file and a summary. Returns the process exit code: 0, or 1 when a folder is
// unusable (with an error line saying which and why).
int RunRender(const config::Config& config);

// The feed-level settings of a configuration.
feed::Channel ChannelFrom(const config::Config& config);

}  // namespace feedd::daemon
