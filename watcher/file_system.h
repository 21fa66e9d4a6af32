// What kind of file system a folder lives on, and whether inotify can be trusted
// there. inotify reports only changes made through this machine's kernel: on a
// network file system (NFS, SMB/CIFS, Ceph, 9p, ...) or a FUSE one (sshfs, bindfs,
// rclone, ...) a file written from the other side raises no event, so such folders
// are polled. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace feedd::watcher {

struct FileSystemKind {
  std::string name;         // "ext4", "nfs", "fuse", ... or "0x1234abcd" when unknown
  bool events_trusted = true;  // false: changes may come from elsewhere, unseen
};

// From statfs(2)'s f_type.
FileSystemKind KindOfFileSystem(int64_t statfs_type);
// The file system holding `path`; std::nullopt-like: name "unknown" and trusted
// when statfs fails.
FileSystemKind FileSystemOf(const std::string& path);

}  // namespace feedd::watcher
