// Feeds have a size cap (limits.max_feed_size): readers refuse documents over a few
// MB (CommaFeed at 5 MiB, Miniflux at 15 MiB). The one rule every feed document
// follows when it would be larger: the oldest items carry their summary only (no
// content), then the oldest items are left out. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "feed/article.h"

namespace feedd::feed {

enum class ItemForm { kFull, kSummary, kDropped };

struct ItemCost {
  uint64_t full = 0;     // bytes the item adds to the document with its content
  uint64_t summary = 0;  // ... with its summary only
};

// The form of each item (newest first) so that `fixed` (the document without items)
// plus the items is at most `max_bytes`: all full when that fits; else items become
// summary-only from the oldest on, newest last; when even all summaries are too
// large, items are dropped from the oldest on. Linear.
std::vector<ItemForm> FitItems(uint64_t fixed, std::span<const ItemCost> items,
                               uint64_t max_bytes);

struct SizedFeed {
  std::string body;
  size_t summarized = 0;  // items that carry their summary only
  size_t dropped = 0;     // items left out
};

using FeedRenderer = std::function<std::string(std::span<const Article* const>)>;

// `render(items)` when it is at most `max_bytes`; else the items measured one by
// one and fitted by FitItems (summary-only items have no content_html). The body is
// at most `max_bytes` unless the document without any item is larger.
SizedFeed RenderWithin(const FeedRenderer& render, std::span<const Article* const> items,
                       uint64_t max_bytes);

// "3 older items carry their summary only and 2 are left out to stay within N
// bytes (limits.max_feed_size)", or "" when nothing was cut.
std::string DescribeCut(const SizedFeed& feed, uint64_t max_bytes);

}  // namespace feedd::feed
