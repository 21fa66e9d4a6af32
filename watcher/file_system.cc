#include "watcher/file_system.h"

#include <sys/vfs.h>

#include <cstdio>

namespace feedd::watcher {

FileSystemKind KindOfFileSystem(int64_t type) {
  struct Known {
    uint32_t magic;
    const char* name;
    bool trusted;
  };
  // From linux/magic.h and the file systems' own sources.
  static constexpr Known kKnown[] = {
      {0xEF53, "ext4", true},          {0x58465342, "xfs", true},
      {0x9123683E, "btrfs", true},     {0x01021994, "tmpfs", true},
      {0x794C7630, "overlayfs", true}, {0x2FC12FC1, "zfs", true},
      {0xF2F52010, "f2fs", true},      {0x4d44, "vfat", true},
      {0x2011BAB0, "exfat", true},     {0x5346544e, "ntfs", true},
      {0x7366746e, "ntfs3", true},     {0x3153464a, "jfs", true},
      {0x52654973, "reiserfs", true},  {0x858458f6, "ramfs", true},
      {0x73717368, "squashfs", true},  {0x9660, "iso9660", true},
      {0x6969, "nfs", false},          {0x517B, "smb", false},
      {0xFF534D42, "cifs", false},     {0xFE534D42, "smb2", false},
      {0x65735546, "fuse", false},     {0x00C36400, "ceph", false},
      {0x01021997, "9p", false},       {0x5346414F, "afs", false},
      {0x6B414653, "kafs", false},     {0x73757245, "coda", false},
      {0x01161970, "gfs2", false},     {0x0BD00BD0, "lustre", false},
      {0x47504653, "gpfs", false},     {0x7461636f, "ocfs2", false},
      {0x564c, "ncp", false},          {0x013111A8, "ibrix", false},
      {0xAAD7AAEA, "panfs", false},    {0x19830326, "fhgfs", false},
  };
  const auto magic = static_cast<uint32_t>(type);
  for (const Known& k : kKnown) {
    if (k.magic == magic) return {k.name, k.trusted};
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", magic);
  return {buf, true};  // an unknown local file system: its events come through the kernel
}

FileSystemKind FileSystemOf(const std::string& path) {
  struct statfs st {};
  if (::statfs(path.c_str(), &st) != 0) return {"unknown", true};
  return KindOfFileSystem(static_cast<int64_t>(st.f_type));
}

}  // namespace feedd::watcher
