// An article as feedd publishes it: what the parsers produce and the writers read.
#pragma once

#include <string>
#include <vector>

#include "feed/dates.h"

namespace feedd::feed {

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
  bool right_to_left = false;  // the text is mostly in a right-to-left script
  bool explicit_date = false;  // the date came from the article, not the file
  bool explicit_id = false;    // the id came from the article, not base URL and slug
  Timestamp published;
  Timestamp updated;
};

}  // namespace feedd::feed
