// Media files beside the articles (pictures, episodes, documents): which names are
// media, their types, and the URL path each is served at. Pure. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::feed {

enum class MediaKind { kImage, kAudio, kVideo, kDocument };

struct MediaType {
  std::string_view mime;  // "audio/mpeg"
  MediaKind kind = MediaKind::kImage;
};

// By extension, case-insensitively: images jpg, jpeg, png, gif, webp, avif; audio
// mp3, m4a, aac, ogg, oga, opus, flac, wav; video mp4, m4v, webm, mov; documents
// pdf. Nothing else is media: not SVG (a picture that can carry script), not the
// articles' own sources. The name's last component counts ("a.b/c" has none).
std::optional<MediaType> MediaTypeOf(std::string_view file_name);

// The URL path a media file at `relative_path` (relative to the input folder, '/'
// between components) is served at: "/media/" and each component percent-encoded.
std::string MediaUrlPath(std::string_view relative_path);
inline constexpr std::string_view kMediaPrefix = "/media/";

// `path` relative to the input folder, resolved against the folder of the article
// at `article_path` ("2026/a.md" + "pics/b.jpg" -> "2026/pics/b.jpg"; a leading '/'
// means the input folder). Percent-escapes are decoded. Nullopt when it climbs out
// of the folder ("../.."), names a folder, or holds NUL or a backslash.
std::optional<std::string> ResolveRelativePath(std::string_view article_path, std::string_view path);

}  // namespace feedd::feed
