// HTML pages people read in a browser: the index of articles and one page per
// article (the link every feed item points at). Pure and deterministic. Thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "feed/article.h"
#include "feed/channel.h"

namespace feedd::feed {

// The index: every article, newest first (as SelectItems orders them), with
// autodiscovery <link rel="alternate"> tags for the feeds, copyable feed URLs, and
// the feeds of every category and tag (names, sorted).
std::string RenderIndexPage(const Channel& channel, std::span<const Article* const> articles,
                            const std::vector<std::string>& categories = {},
                            const std::vector<std::string>& tags = {});

// One article: title, byline, date, category and tags, content, the author's bio.
// `lang` and `dir` follow the article (right-to-left scripts render right to left).
std::string RenderArticlePage(const Channel& channel, const Article& article);

}  // namespace feedd::feed
