#include "daemon/ingest/media_probe.h"

#include <unistd.h>

#include <memory>

#include <taglib/flacfile.h>
#include <taglib/id3v2framefactory.h>
#include <taglib/mp4file.h>
#include <taglib/mpegfile.h>
#include <taglib/oggflacfile.h>
#include <taglib/opusfile.h>
#include <taglib/tfilestream.h>
#include <taglib/vorbisfile.h>
#include <taglib/wavfile.h>

namespace feedd::daemon {
namespace {

constexpr auto kStyle = TagLib::AudioProperties::Average;  // headers only, never a scan

template <typename File, typename... Args>
int64_t Length(TagLib::IOStream* stream, Args... args) {
  stream->seek(0);
  File file(stream, args...);
  if (!file.isValid() || !file.audioProperties()) return 0;
  const int ms = file.audioProperties()->lengthInMilliseconds();
  return ms > 0 ? (int64_t{ms} + 500) / 1000 : 0;
}

}  // namespace

int64_t ProbeDurationSeconds(int fd, std::string_view mime) {
  // TagLib's stream takes the descriptor over and closes it: give it a copy.
  const int copy = ::dup(fd);
  if (copy < 0) return 0;
  TagLib::FileStream stream(copy, /*openReadOnly=*/true);
  if (!stream.isOpen()) return 0;
  TagLib::ID3v2::FrameFactory* frames = TagLib::ID3v2::FrameFactory::instance();
  if (mime == "audio/mpeg") return Length<TagLib::MPEG::File>(&stream, frames, true, kStyle);
  if (mime == "audio/mp4" || mime == "video/mp4" || mime == "video/quicktime")
    return Length<TagLib::MP4::File>(&stream, true, kStyle);
  if (mime == "audio/flac") return Length<TagLib::FLAC::File>(&stream, frames, true, kStyle);
  if (mime == "audio/wav")
    return Length<TagLib::RIFF::WAV::File>(&stream, true, kStyle);
  if (mime == "audio/ogg") {
    // One Ogg type for three codecs: each parser refuses a stream not its own.
    if (int64_t s = Length<TagLib::Ogg::Vorbis::File>(&stream, true, kStyle)) return s;
    if (int64_t s = Length<TagLib::Ogg::Opus::File>(&stream, true, kStyle)) return s;
    return Length<TagLib::Ogg::FLAC::File>(&stream, true, kStyle);
  }
  return 0;
}

}  // namespace feedd::daemon
