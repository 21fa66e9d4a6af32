// `feedd inspect FILE...`: what feedd would publish from each file, read and
// parsed exactly as the daemon does (in the parse worker, under the time budget),
// for a publisher checking a file before dropping it.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace feedd::daemon {

// Prints per file: title, author, section, tags, date and its source, language and
// direction, summary, paragraphs (count, first, last), what was left out and why,
// or why the file would be skipped; with `json`, one JSON document (an array of
// objects) instead. Returns 0 when every file would be published, 1 when some
// would be skipped.
int RunInspect(const config::Config& config, const std::vector<std::string>& files, bool json);

}  // namespace feedd::daemon
