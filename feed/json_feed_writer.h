// JSON Feed 1.1 (https://jsonfeed.org/version/1.1) from the same channel and items
// as the RSS and Atom writers: the same ids, dates, authors and content. Pure and
// deterministic (keys in a fixed order). Thread-safe.
#pragma once

#include <span>
#include <string>

#include "feed/article.h"
#include "feed/channel.h"

namespace feedd::feed {

// `items` as SelectItems returns them. The feed's own URL is
// BASE_URL + channel.path + "/feed.json".
std::string RenderJsonFeed(const Channel& channel, std::span<const Article* const> items);

}  // namespace feedd::feed
