// Opening a file beneath a folder, never outside it: no symbolic link in any
// component of the path, and no "..", may lead out of the folder, even when a
// component is swapped for a link while the path is being resolved. Links that stay
// inside are followed. Blocking file-system calls. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace feedd::watcher {

enum class BeneathMode {
  kAuto,      // openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), the checked walk where
              // the kernel (or a seccomp filter) lacks openat2
  kWalkOnly,  // the checked walk only (for tests of the fallback)
};

// Opens `relative_path` beneath the folder `root_fd` (an O_PATH or O_RDONLY
// directory descriptor of the folder named `root`; the name is resolved only by the
// checked walk) with `flags`
// (O_RDONLY | O_CLOEXEC | ...). Returns the descriptor, or -1 with errno set and
// *err: errno EXDEV and "symbolic link to a file outside the input folder" for a
// path that leads out, else the system's reason.
int OpenBeneath(int root_fd, const std::string& root, std::string_view relative_path, int flags,
                std::string* err, BeneathMode mode = BeneathMode::kAuto);

}  // namespace feedd::watcher
