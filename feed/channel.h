// Feed-level settings the writers need. A value type; no defaults are read from anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace feedd::feed {

// A podcast's channel tags (Apple's itunes:* and Podcasting 2.0's podcast:*), set
// from [podcast] in feedd.toml. Only an enabled one changes what the writers write.
struct PodcastChannel {
  bool enabled = false;
  std::string image_url;  // absolute: itunes:image href
  std::string image_path;  // the cover's path in the input folder when it is there; else ""
  std::vector<std::pair<std::string, std::string>> categories;  // {category, subcategory or ""}
  bool explicit_content = false;
  std::string owner_name, owner_email;
  std::string type = "episodic";  // or "serial"
  std::string author;             // itunes:author; empty: the channel's author
  bool locked = false;            // podcast:locked yes/no
  std::string guid;               // podcast:guid; empty: feed::PodcastGuid(the RSS URL)
  friend bool operator==(const PodcastChannel&, const PodcastChannel&) = default;
};

struct Channel {
  std::string base_url;      // public URL of the site, no trailing slash
  std::string path;          // where this feed lives below it: "" or "/categories/world"
  std::string title = "feedd";
  std::string description;   // RSS requires one; the title is used when empty
  std::string language = "en";
  std::string author;        // default author for articles that name none
  size_t limit = 50;         // items per feed, newest first
  // RFC 5005 archived feeds (Atom): links between the subscription document and
  // its archive pages, as absolute URLs; empty when there is none.
  struct History {
    bool is_archive = false;   // this document is an archive page (fh:archive)
    std::string current;       // rel="current": the subscription document
    std::string prev_archive;  // rel="prev-archive": the next older page
    std::string next_archive;  // rel="next-archive": the next newer page
  } history;
  // The document's own last change (Atom feed updated, RSS lastBuildDate), seconds
  // since the epoch; 0: the newest item's update.
  int64_t updated = 0;
  std::string feed_id;       // Atom feed id; empty: BASE_URL + path + "/"
  std::string hub;           // WebSub hub URL: rel="hub" links; empty: none
  std::string generator_version;
  PodcastChannel podcast;
};

}  // namespace feedd::feed
