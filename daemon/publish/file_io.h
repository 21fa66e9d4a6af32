// Writing output files so that readers never see half of one. Blocking.
#pragma once

#include <string>
#include <string_view>

namespace feedd::daemon {

// Writes `data` to a temporary file in the same folder, fsyncs it, and renames it
// over `path`. Returns false with *err ("PATH: reason") on failure, leaving any
// previous file in place and no temporary behind.
// With `sync` false the data is not fsynced: readers still never see half a file,
// but after a crash the file may be empty (for copies that are made again anyway).
bool WriteFileAtomically(const std::string& path, std::string_view data, std::string* err,
                         bool sync = true);

}  // namespace feedd::daemon
