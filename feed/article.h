// An article as feedd publishes it: what the parsers produce and the writers read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "feed/dates.h"

namespace feedd::feed {

// A media file an article carries (its enclosure) or shows (its featured image).
struct Media {
  std::string path;  // in the input folder ("2026/ep.mp3") when the file is local; else ""
  // Absolute. As written for a remote file; for a local one set by the publisher
  // once the file is found (BASE_URL/media/PATH), "" until then.
  std::string url;
  std::string type;     // MIME: from the extension, or as stated for a remote file
  uint64_t length = 0;  // bytes: the file's, or as stated; 0: unknown
  // Of a local audio or video file, read from its headers by the publisher (never
  // parsed from an article; front matter's `duration` is Episode's); 0: unknown.
  int64_t duration_seconds = 0;
  bool empty() const { return path.empty() && url.empty(); }
  friend bool operator==(const Media&, const Media&) = default;
};

// What a podcast episode states about itself (Apple's and Podcasting 2.0's tags).
struct Episode {
  int64_t duration_seconds = 0;  // 0: not stated
  int64_t number = 0;            // itunes:episode; 0: none
  int64_t season = 0;            // 0: none
  std::string type;              // "full", "trailer", "bonus"; "" when not stated
  int explicit_content = -1;     // -1: not stated, 0: no, 1: yes
  friend bool operator==(const Episode&, const Episode&) = default;
};

struct Article {
  std::string slug;         // from the file name; the page is BASE_URL/articles/SLUG
  std::string id;           // stable: explicit Id, else BASE_URL/articles/SLUG
  std::string link;         // BASE_URL/articles/SLUG (percent-encoded)
  std::string source;       // path of the file, relative to the input folder
  std::string title;        // plain text
  std::string author;       // plain text, may be empty
  std::string author_bio;   // plain text, kept out of the content
  std::string category;     // plain text, may be empty
  std::vector<std::string> tags;
  std::string summary;      // plain text
  std::string content_html; // HTML fragment, URLs absolute
  std::string language;     // BCP 47 tag when the article says so, else empty
  std::string via;          // where it was first published (a saved page's canonical link), or ""
  Media image;      // the featured image, or empty
  Media enclosure;  // the one audio, video or document file the item carries, or empty
  Episode episode;
  bool right_to_left = false;  // the text is mostly in a right-to-left script
  bool explicit_date = false;  // the date came from the article, not the file
  bool explicit_id = false;    // the id came from the article, not base URL and slug
  Timestamp published;
  Timestamp updated;
};

// How long the episode plays: as the article states it, else as its enclosure's
// headers say; 0: unknown.
inline int64_t DurationSeconds(const Article& a) {
  return a.episode.duration_seconds > 0 ? a.episode.duration_seconds : a.enclosure.duration_seconds;
}

}  // namespace feedd::feed
