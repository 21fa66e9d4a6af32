#include "daemon/publish/page_cache.h"

#include <charconv>

#include <spdlog/spdlog.h>

#include "daemon/publish/resource.h"
#include "feed/feed_size.h"
#include "feed/feed_writer.h"
#include "feed/json_feed_writer.h"
#include "feed/pages.h"

namespace feedd::daemon {
namespace {

size_t Weight(const Resource& r) {
  const Representation* br = r.brotli();  // made with the resource: cold ones are
  return r.identity.body.size() + r.gzip.body.size() + (br ? br->body.size() : 0) + 256;
}

// "/page/N" with N >= 2 in canonical form, else 0.
size_t PageNumber(const std::string& path) {
  constexpr std::string_view kPrefix = "/page/";
  if (path.size() <= kPrefix.size() || path.compare(0, kPrefix.size(), kPrefix) != 0) return 0;
  const char* first = path.data() + kPrefix.size();
  const char* last = path.data() + path.size();
  if (*first == '0') return 0;
  size_t n = 0;
  auto [end, ec] = std::from_chars(first, last, n);
  if (ec != std::errc() || end != last || n < 2) return 0;
  return n;
}

}  // namespace

PageCache::PageCache(feed::Channel channel, int cache_max_age, size_t index_page_size,
                     size_t max_bytes, int64_t channel_changed)
    : channel_(std::move(channel)),
      cache_max_age_(cache_max_age),
      page_size_(std::max<size_t>(1, index_page_size)),
      max_bytes_(max_bytes),
      channel_changed_(channel_changed) {}

std::string PageCache::IndexPath(size_t number) {
  return number <= 1 ? "/" : "/page/" + std::to_string(number);
}

std::string PageCache::RenderIndex(const ArticleOrder& order, size_t number,
                                   const std::vector<std::string>& categories,
                                   const std::vector<std::string>& tags) const {
  if (number > 1 && (order.empty() || number - 1 > (order.size() - 1) / page_size_)) return {};
  const size_t first = (number - 1) * page_size_;
  std::vector<const feed::Article*> items;
  items.reserve(page_size_);
  for (auto it = order.IteratorAt(first); it != order.end() && items.size() < page_size_; ++it)
    items.push_back(&it->second->article);
  feed::IndexPaging paging;
  if (number > 1) paging.newer = channel_.base_url + IndexPath(number - 1);
  if (first + page_size_ < order.size()) paging.older = channel_.base_url + IndexPath(number + 1);
  static const std::vector<std::string> kNone;
  return feed::RenderIndexPage(channel_, items, number == 1 ? categories : kNone,
                               number == 1 ? tags : kNone, paging);
}

ResourcePtr PageCache::Lookup(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void PageCache::Keep(const std::string& key, const ResourcePtr& res) const {
  std::lock_guard lock(mu_);
  if (index_.count(key)) return;  // another thread rendered it meanwhile: same bytes
  lru_.emplace_front(key, res);
  index_.emplace(key, lru_.begin());
  bytes_ += Weight(*res);
  while (bytes_ > max_bytes_ && lru_.size() > 1) {
    bytes_ -= Weight(*lru_.back().second);
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

size_t PageCache::cached_bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

ResourcePtr PageCache::RenderFeed(const std::string& path, const FeedSpec& spec) const {
  std::vector<feed::Article> full;
  full.reserve(spec.items->size());
  for (const ArticlePtr& a : *spec.items) full.push_back(Full(*a));
  std::vector<const feed::Article*> items;
  for (const feed::Article& a : full) items.push_back(&a);
  feed::FeedRenderer render;
  std::string_view type;
  switch (spec.format) {
    case FeedSpec::Format::kRss:
      render = [&](auto i) { return feed::RenderRss(spec.channel, i); };
      type = kRssType;
      break;
    case FeedSpec::Format::kAtom:
      render = [&](auto i) { return feed::RenderAtom(spec.channel, i); };
      type = kAtomType;
      break;
    case FeedSpec::Format::kJson:
      render = [&](auto i) { return feed::RenderJsonFeed(spec.channel, i); };
      type = kJsonFeedType;
      break;
  }
  feed::SizedFeed f = feed::RenderWithin(render, items, spec.max_bytes);
  if (const std::string cut = feed::DescribeCut(f, spec.max_bytes); !cut.empty())
    spdlog::warn("{}{}: {}", spec.channel.base_url, path, cut);
  return MakeResource(std::move(f.body), type, spec.last_changed, cache_max_age_, false,
                      spec.cache_control, spec.extra_fields);
}

ResourcePtr PageCache::Find(const Snapshot& snap, const std::string& path) const {
  if (const FeedSpecPtr* spec = snap.feeds.Find(path)) {
    const std::string key = "f" + path + "@" + (*spec)->signature + "@" +
                            std::to_string((*spec)->last_changed);
    if (ResourcePtr hit = Lookup(key)) return hit;
    ResourcePtr res = RenderFeed(path, **spec);
    Keep(key, res);
    return res;
  }
  constexpr std::string_view kArticles = "/articles/";
  if (path.size() > kArticles.size() && path.compare(0, kArticles.size(), kArticles) == 0) {
    const ArticlePtr* found = snap.articles.Find(path.substr(kArticles.size()));
    if (!found) return nullptr;
    const PublishedArticle& pub = **found;
    const std::string key = "a" + std::to_string(pub.version);
    if (ResourcePtr hit = Lookup(key)) return hit;
    ResourcePtr res = MakeResource(feed::RenderArticlePage(channel_, Full(pub)), kHtmlType,
                                   std::max(pub.changed, channel_changed_), cache_max_age_);
    Keep(key, res);
    return res;
  }
  const size_t number = PageNumber(path);
  if (number == 0) return nullptr;
  // Compared by division: (number - 1) * page_size_ would wrap for a huge N.
  if (number - 1 > (snap.order.size() - 1) / page_size_ || snap.order.empty()) return nullptr;
  const std::string key = "p" + std::to_string(number) + "@" + std::to_string(snap.listing_changed);
  if (ResourcePtr hit = Lookup(key)) return hit;
  ResourcePtr res = MakeResource(RenderIndex(snap.order, number, {}, {}), kHtmlType,
                                 std::max(snap.listing_changed, channel_changed_), cache_max_age_);
  Keep(key, res);
  return res;
}

}  // namespace feedd::daemon
