// The episode-duration reader (daemon/ingest/media_probe.h, TagLib) on any bytes:
// the first byte picks the type the file's name would say, the rest is the file.
// The parse child runs it, so a crash would cost an episode its duration, not the
// daemon; this target finds such inputs. The duration must be a sane number.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string_view>

#include "daemon/ingest/media_probe.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr std::string_view kTypes[] = {"audio/mpeg", "audio/mp4",  "video/mp4", "video/quicktime",
                                                "audio/flac", "audio/wav",  "audio/ogg", "audio/aac"};
  if (size == 0) return 0;
  const std::string_view type = kTypes[data[0] % std::size(kTypes)];
  const int fd = ::memfd_create("media", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0, "memfd_create");
  for (size_t done = 1; done < size;) {
    const ssize_t n = ::write(fd, data + done, size - done);
    FUZZ_CHECK(n > 0, "write");
    done += static_cast<size_t>(n);
  }
  const int64_t seconds = feedd::daemon::ProbeDurationSeconds(fd, type);
  // At most INT_MAX milliseconds, rounded: TagLib's lengths are ints.
  FUZZ_CHECK(seconds >= 0 && seconds <= 2147484, std::to_string(seconds));
  ::close(fd);
  return 0;
}
