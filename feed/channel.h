// Feed-level settings the writers need. A value type; no defaults are read from anywhere.
#pragma once

#include <cstddef>
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
  std::string generator_version;
};

}  // namespace feedd::feed
