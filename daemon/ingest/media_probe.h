// How long an episode plays, from its file's headers (TagLib), never by decoding
// it: MP3 (Xing/VBRI header, else the first frame's bit rate and the size), MP4,
// M4A and MOV (the movie header), Ogg Vorbis, Opus and FLAC (the last page's
// position), FLAC (STREAMINFO), WAV (the format and data chunks). AAC in ADTS and
// WebM have no such header TagLib reads: 0.
//
// Runs in the parse child (parse_worker.h), as hostile input. Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace feedd::daemon {

// The whole seconds, rounded, of the media in the open file `fd` (read-only; not
// closed, its offset moves) of MIME type `mime` ("audio/mpeg"); 0 when unknown.
int64_t ProbeDurationSeconds(int fd, std::string_view mime);

}  // namespace feedd::daemon
