// What a format parser extracts from one article, before ids, dates and URLs are
// settled by ParseArticle (feed/article_parser.h).
#pragma once

#include <string>
#include <vector>

namespace feedd::feed {

// Text a structural rule left out of the article: what it took for, why, where it
// began and how much it was (blocks: paragraphs or lines separated by blank lines).
struct Cut {
  std::string what;   // "site navigation", "byline and bio"
  std::string why;    // the rule, in words
  std::string first;  // the start of the first block cut
  size_t blocks = 0;
};

struct ParsedFields {
  std::string title;
  std::string author;
  std::string author_bio;
  std::string category;
  std::vector<std::string> tags;
  std::string summary;       // explicit summary, plain text; empty when none (derived later)
  std::string id;            // explicit id; empty when none
  std::string date;          // explicit date as written; empty when none
  int date_line = 0;         // 1-based line of the date, for messages
  std::string language;
  bool draft = false;
  std::string content_html;  // URLs checked and resolved by the parser
  bool content_cut = false;  // content_html stops at the size cap
  std::vector<Cut> cuts;     // what the structural rules left out, in text order
  std::string updated;       // explicit date of the last change as written; empty when none
  int updated_line = 0;      // 1-based line of it
  std::string via;           // where the article was first published (an absolute URL), or ""
  std::string direction;     // "rtl" or "ltr" when the source says so; "" to tell from the text
  // Media, as written: a path relative to the article's file, or an absolute URL.
  std::string image;
  std::string enclosure;
  std::string enclosure_type;    // stated, for a remote enclosure
  std::string enclosure_length;
  // An episode's own keys, as written; checked by ParseArticle.
  std::string duration, episode, season, episode_type, explicit_content;
};

}  // namespace feedd::feed
