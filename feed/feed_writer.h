// RSS 2.0 and Atom 1.0 documents from a channel and its articles, built with pugixml.
// Pure and deterministic: the same channel and articles give the same bytes; no
// clock is read (dates come from the articles). Thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "feed/article.h"
#include "feed/channel.h"

namespace feedd::feed {

// The articles a feed shows: newest published first (ties by id), at most `limit`.
std::vector<const Article*> SelectItems(const std::vector<Article>& articles, size_t limit);
std::vector<const Article*> SelectItems(std::vector<const Article*> articles, size_t limit);

// The newest `updated` among the items (UTC), or the epoch for none: what RSS
// lastBuildDate, Atom updated and HTTP Last-Modified say.
Timestamp NewestUpdate(std::span<const Article* const> items);

// An item's categories as the feeds list them: the category first, then the tags,
// without repeats. Linear in their number.
std::vector<std::string> ItemCategories(const Article& article);

// `items` as returned by SelectItems. The feed's own URLs are BASE_URL/rss.xml and
// BASE_URL/atom.xml.
std::string RenderRss(const Channel& channel, std::span<const Article* const> items);
std::string RenderAtom(const Channel& channel, std::span<const Article* const> items);

}  // namespace feedd::feed
