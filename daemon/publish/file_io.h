// Writing output files so that readers never see half of one. Blocking.
#pragma once

#include <string>
#include <string_view>

namespace feedd::daemon {

// Writes `data` to a temporary file in the same folder, fsyncs it, and renames it
// over `path`. Returns false with *err ("PATH: reason") on failure, leaving any
// previous file in place and no temporary behind.
bool WriteFileAtomically(const std::string& path, std::string_view data, std::string* err);

}  // namespace feedd::daemon
