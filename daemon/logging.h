// Log set-up for the binary: human-readable lines with timestamps on a terminal or
// in a file; "<N>" syslog priority prefixes and no timestamps when stderr is the
// journal (journald adds its own timestamps and files each line by priority).
#pragma once

namespace feedd::daemon {

void SetUpLogging(bool journal);

}  // namespace feedd::daemon
