// Feed-level settings the writers need. A value type; no defaults are read from anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace feedd::feed {

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
};

}  // namespace feedd::feed
