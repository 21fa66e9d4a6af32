#include "feed/media.h"

#include <array>
#include <utility>
#include <vector>

#include "feed/slug.h"
#include "feed/url.h"
#include "feed/utf8.h"

namespace feedd::feed {

std::optional<MediaType> MediaTypeOf(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, MediaType>, 19> kTypes = {{
      {"jpg", {"image/jpeg", MediaKind::kImage}},
      {"jpeg", {"image/jpeg", MediaKind::kImage}},
      {"png", {"image/png", MediaKind::kImage}},
      {"gif", {"image/gif", MediaKind::kImage}},
      {"webp", {"image/webp", MediaKind::kImage}},
      {"avif", {"image/avif", MediaKind::kImage}},
      {"mp3", {"audio/mpeg", MediaKind::kAudio}},
      {"m4a", {"audio/mp4", MediaKind::kAudio}},
      {"aac", {"audio/aac", MediaKind::kAudio}},
      {"ogg", {"audio/ogg", MediaKind::kAudio}},
      {"oga", {"audio/ogg", MediaKind::kAudio}},
      {"opus", {"audio/ogg", MediaKind::kAudio}},  // Opus in Ogg (RFC 7845)
      {"flac", {"audio/flac", MediaKind::kAudio}},
      {"wav", {"audio/wav", MediaKind::kAudio}},
      {"mp4", {"video/mp4", MediaKind::kVideo}},
      {"m4v", {"video/mp4", MediaKind::kVideo}},  // Apple's list says video/x-m4v; readers take both
      {"webm", {"video/webm", MediaKind::kVideo}},
      {"mov", {"video/quicktime", MediaKind::kVideo}},
      {"pdf", {"application/pdf", MediaKind::kDocument}},
  }};
  const size_t slash = file_name.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? file_name : file_name.substr(slash + 1);
  const size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;  // no extension, or hidden
  const std::string_view ext = base.substr(dot + 1);
  for (const auto& [e, type] : kTypes) {
    if (EqualsIgnoreCase(ext, e)) return type;
  }
  return std::nullopt;
}

std::string MediaUrlPath(std::string_view relative_path) {
  std::string out(kMediaPrefix);
  size_t start = 0;
  for (;;) {
    const size_t slash = relative_path.find('/', start);
    out += PercentEncode(relative_path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    out.push_back('/');
    start = slash + 1;
  }
  return out;
}


std::optional<std::string> ResolveRelativePath(std::string_view article_path, std::string_view path) {
  const std::string decoded = PercentDecode(path);
  if (decoded.empty() || decoded.back() == '/' ||
      decoded.find_first_of(std::string_view("\0\\", 2)) != std::string::npos)
    return std::nullopt;
  std::vector<std::string_view> parts;
  auto push_all = [&](std::string_view s) {
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find('/', start);
      if (end == std::string_view::npos) end = s.size();
      const std::string_view seg = s.substr(start, end - start);
      start = end + 1;
      if (seg.empty() || seg == ".") continue;
      if (seg == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else {
        parts.push_back(seg);
      }
    }
    return true;
  };
  if (decoded.front() != '/') {
    const size_t slash = article_path.rfind('/');
    if (slash != std::string_view::npos && !push_all(article_path.substr(0, slash)))
      return std::nullopt;
  }
  if (!push_all(decoded) || parts.empty()) return std::nullopt;
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out.push_back('/');
    out += p;
  }
  return out;
}

}  // namespace feedd::feed
