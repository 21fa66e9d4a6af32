// HTML pages people read in a browser: the index of articles and one page per
// article (the link every feed item points at). Pure and deterministic. Thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "feed/article.h"
#include "feed/channel.h"

namespace feedd::feed {

// Links between the pages of the index (absolute URLs; empty: none).
struct IndexPaging {
  std::string newer;  // the page of newer articles (rel="prev")
  std::string older;  // the page of older articles (rel="next")
};

// One page of the index: its articles, newest first (as SelectItems orders them),
// with autodiscovery <link rel="alternate"> tags for the feeds, copyable feed URLs,
// the feeds of every category and tag (names, sorted), and links to the newer and
// older pages.
std::string RenderIndexPage(const Channel& channel, std::span<const Article* const> articles,
                            const std::vector<std::string>& categories = {},
                            const std::vector<std::string>& tags = {},
                            const IndexPaging& paging = {});

// One article: title, byline, date, category and tags, content, the author's bio.
// `lang` and `dir` follow the article (right-to-left scripts render right to left).
std::string RenderArticlePage(const Channel& channel, const Article& article);

}  // namespace feedd::feed
