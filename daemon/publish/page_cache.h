// The resources a snapshot makes on demand: article pages (/articles/SLUG), the
// index's later pages (/page/N), and the category, tag and archive feeds. At 100,000 articles, rendering and compressing
// every page up front would cost minutes and hundreds of megabytes for pages that
// few people open; so each is rendered, gzipped and cached when first asked for,
// and the cache keeps the recently used ones within a byte budget. A page's key
// names the version of what it shows, so a changed article or list is never served
// from an old entry. Thread-safe: serving threads call Find concurrently.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "daemon/publish/snapshot.h"
#include "feed/channel.h"

namespace feedd::daemon {

class PageCache : public PageSource {
 public:
  // `channel_changed`: when the feed's settings last changed (a page's Last-Modified
  // is never earlier).
  PageCache(feed::Channel channel, int cache_max_age, size_t index_page_size, size_t max_bytes,
            int64_t channel_changed);

  ResourcePtr Find(const Snapshot& snap, const std::string& path) const override;
  size_t index_page_size() const override { return page_size_; }

  // Index page `number` (1 = "/") of `order`; empty when it has no articles (and is
  // not the first). Category and tag names appear on the first page only.
  std::string RenderIndex(const ArticleOrder& order, size_t number,
                          const std::vector<std::string>& categories,
                          const std::vector<std::string>& tags) const;
  // "/" for 1, "/page/N" otherwise.
  static std::string IndexPath(size_t number);

  size_t cached_bytes() const;

 private:
  ResourcePtr Lookup(const std::string& key) const;
  ResourcePtr RenderFeed(const std::string& path, const FeedSpec& spec) const;
  void Keep(const std::string& key, const ResourcePtr& res) const;

  const feed::Channel channel_;
  const int cache_max_age_;
  const size_t page_size_;
  const size_t max_bytes_;
  const int64_t channel_changed_;

  mutable std::mutex mu_;  // guards everything below
  mutable std::list<std::pair<std::string, ResourcePtr>> lru_;  // most recent first
  mutable std::unordered_map<std::string, decltype(lru_)::iterator> index_;
  mutable size_t bytes_ = 0;
};

}  // namespace feedd::daemon
