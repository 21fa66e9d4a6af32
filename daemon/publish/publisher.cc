#include "daemon/publish/publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <set>
#include <span>
#include <tuple>

#include "daemon/publish/resource.h"
#include "feed/article_parser.h"
#include "feed/feed_size.h"
#include "feed/feed_writer.h"
#include "feed/json_feed_writer.h"
#include "feed/pages.h"
#include "feed/slug.h"
#include "watcher/scan.h"

namespace feedd::daemon {

Publisher::Publisher(PublisherOptions options, StateStore* state)
    : options_(std::move(options)), state_(state) {}

void Publisher::Reconfigure(PublisherOptions options) {
  const bool reread = options.ingest.input_dir != options_.ingest.input_dir ||
                      options.ingest.base_url != options_.ingest.base_url ||
                      options.ingest.max_article_bytes != options_.ingest.max_article_bytes ||
                      options.ingest.max_content_bytes != options_.ingest.max_content_bytes;
  options_ = std::move(options);
  if (reread) records_.clear();
  for (auto& [path, rec] : records_) {
    rec.published.reset();
    rec.page.reset();
  }
  rss_.reset();
  atom_.reset();
  json_.reset();
  group_feeds_.clear();
  archives_.clear();
  index_.reset();
}

bool Publisher::LoadAll(const std::vector<std::string>& paths) {
  std::vector<LoadResult> results = LoadArticles(options_.ingest, paths);
  bool changed = false;
  for (size_t i = 0; i < paths.size(); ++i) changed |= Take(paths[i], std::move(results[i]));
  return changed;
}

bool Publisher::Take(const std::string& path, LoadResult r) {
  switch (r.status) {
    case LoadStatus::kLoaded: {
      feed::Article& a = *r.article;
      ArticleState fresh;
      fresh.source = path;
      fresh.id = a.id;
      fresh.content_hash = r.content_hash;
      fresh.published = a.published;
      fresh.updated = feed::Timestamp{r.mtime_seconds, 0};
      const ArticleState s = state_->Resolve(fresh, a.explicit_id, a.explicit_date);
      a.id = s.id;
      a.published = s.published;
      a.updated = s.updated;
      if (a.explicit_date && a.published.seconds > std::time(nullptr)) {
        spdlog::info("{} is scheduled for {}; it stays out of the feeds until then", path,
                     feed::FormatRfc3339(a.published));
      }
      Record& rec = records_[path];
      rec.article = *std::move(r.article);
      rec.mtime_ns = r.mtime_ns;
      rec.size = r.size;
      rec.published.reset();
      rec.page.reset();
      return true;
    }
    case LoadStatus::kGone:
    case LoadStatus::kNotArticle:
      return Forget(path);
    case LoadStatus::kFailed:
      return false;  // the last good version, if any, stays published
  }
  return false;
}

bool Publisher::Forget(const std::string& path) {
  state_->MarkAbsent(path);
  return records_.erase(path) > 0;
}

bool Publisher::ForgetUnder(const std::string& folder) {
  const std::string prefix = folder + "/";
  auto it = records_.lower_bound(prefix);
  bool changed = false;
  while (it != records_.end() && it->first.compare(0, prefix.size(), prefix) == 0) {
    state_->MarkAbsent(it->first);
    it = records_.erase(it);
    changed = true;
  }
  return changed;
}

bool Publisher::Apply(const std::vector<watcher::Event>& events) {
  // A lost-event rescan reads the folder as it is now: it covers everything else.
  for (const watcher::Event& e : events) {
    if (e.kind == watcher::EventKind::kRescan) return Rescan();
  }
  // The folder itself is gone (deleted or moved away, perhaps being replaced): its
  // files' removals are not the publisher's doing. Keep serving what was published;
  // the watcher rescans when the folder is back.
  std::error_code ec;
  if (!std::filesystem::is_directory(options_.ingest.input_dir, ec)) return false;
  // The last word on each path counts; what left the folder is applied before what
  // arrived, so a file renamed or moved (even into a folder created in the same
  // instant, whose scan may report the new name before the old one is gone) is
  // recognized by its content and keeps its id.
  std::map<std::string, watcher::EventKind> last;
  std::vector<std::string> order;
  for (const watcher::Event& e : events) {
    if (last.emplace(e.path, e.kind).second) {
      order.push_back(e.path);
    } else {
      last[e.path] = e.kind;
    }
  }
  bool changed = false;
  for (const std::string& path : order) {
    const watcher::EventKind kind = last[path];
    if (kind == watcher::EventKind::kRemoved) changed |= Forget(path);
    if (kind == watcher::EventKind::kRemovedDir) changed |= ForgetUnder(path);
  }
  std::vector<std::string> arrived;
  for (const std::string& path : order) {
    if (last[path] == watcher::EventKind::kChanged) arrived.push_back(path);
  }
  changed |= LoadAll(arrived);
  return changed;
}

bool Publisher::Rescan() {
  std::vector<std::string> problems;
  std::string err;
  std::optional<std::vector<watcher::ScanEntry>> entries =
      watcher::ScanDirectory(options_.ingest.input_dir, &problems, &err);
  if (!entries) {
    spdlog::warn("cannot scan the input folder {}; serving the articles already read", err);
    return false;
  }
  for (const std::string& p : problems) {
    spdlog::warn("skipping {}", p);
    if (options_.ingest.metrics) options_.ingest.metrics->CountSkip(Metrics::SkipReason(p));
  }
  bool changed = false;
  std::set<std::string> present;
  // Files that are gone first: a file renamed while feedd was not running is then
  // found again by its content and keeps its id and date.
  for (const watcher::ScanEntry& e : *entries) present.insert(e.relative_path);
  for (auto it = records_.begin(); it != records_.end();) {
    if (present.count(it->first)) {
      ++it;
    } else {
      it = records_.erase(it);
      changed = true;
    }
  }
  state_->MarkAbsentExcept(present);
  std::vector<std::string> stale;
  for (const watcher::ScanEntry& e : *entries) {
    auto it = records_.find(e.relative_path);
    if (it != records_.end() && it->second.mtime_ns == e.mtime_ns && it->second.size == e.size)
      continue;
    stale.push_back(e.relative_path);
  }
  changed |= LoadAll(stale);
  return changed;
}

void Publisher::Refresh(std::shared_ptr<const daemon::Resource>* res, std::string body,
                        std::string_view type, int64_t modified, const std::string& topic,
                        bool hot) {
  // Rebuilt only when its bytes change, keeping hashing and gzip off the common path
  // of an edit that does not touch it.
  if (*res && (*res)->identity.body == body && (*res)->last_modified == modified) return;
  std::string link;
  const std::string& hub = options_.channel.hub;
  if (!topic.empty() && !hub.empty())
    link = "Link: <" + hub + ">; rel=\"hub\", <" + topic + ">; rel=\"self\"\r\n";
  // Only the few hot resources get a memfd for sendfile(2): one per category or tag
  // feed could run a large site out of file descriptors.
  *res = MakeResource(std::move(body), type, modified, options_.cache_max_age, hot, {}, link,
                      options_.brotli);
  if (!topic.empty()) changed_topics_.push_back(topic);
}

std::string Publisher::RenderFeed(
    const std::string& url,
    const std::function<std::string(std::span<const feed::Article* const>)>& render,
    std::span<const feed::Article* const> items) {
  feed::SizedFeed f = feed::RenderWithin(render, items, options_.max_feed_bytes);
  std::string cut = feed::DescribeCut(f, options_.max_feed_bytes);
  auto [it, added] = feed_cuts_.try_emplace(url);
  if (!cut.empty() && it->second != cut) spdlog::warn("{}: {}", url, cut);
  if (cut.empty()) {
    feed_cuts_.erase(it);
  } else {
    it->second = std::move(cut);
  }
  return std::move(f.body);
}

std::vector<const feed::Article*> Publisher::PublishArticles(int64_t now, daemon::Snapshot* snap) {
  const feed::Channel& channel = options_.channel;
  std::vector<const feed::Article*> parsed;
  parsed.reserve(records_.size());
  for (const auto& [path, rec] : records_) parsed.push_back(&rec.article);
  const std::vector<std::string> slugs = feed::UniqueSlugs(parsed);
  std::vector<const feed::Article*> published;
  published.reserve(records_.size());
  size_t i = 0;
  next_due_ = 0;
  for (auto& [path, rec] : records_) {
    const std::string& slug = slugs[i++];
    // Scheduled: an explicit date still in the future stays out of every feed and
    // page until then; the owner re-builds at next_due().
    if (rec.article.explicit_date && rec.article.published.seconds > now) {
      if (next_due_ == 0 || rec.article.published.seconds < next_due_)
        next_due_ = rec.article.published.seconds;
      continue;
    }
    if (!rec.published || rec.published->slug != slug) {
      if (slug != rec.article.slug) {
        spdlog::warn("{}: slug \"{}\" is taken; published as \"{}\"", path, rec.article.slug, slug);
      }
      // The link follows the published slug; the id stays the one the state gave.
      feed::Article a = rec.article;
      a.slug = slug;
      a.link = channel.base_url + "/articles/" + feed::PercentEncode(slug);
      rec.published = std::make_shared<const feed::Article>(std::move(a));
      rec.page = MakeResource(feed::RenderArticlePage(channel, *rec.published), kHtmlType,
                              rec.published->updated.seconds, options_.cache_max_age, false, {}, {},
                              options_.brotli);
    }
    published.push_back(rec.published.get());
    snap->resources.emplace("/articles/" + slug, rec.page);
  }
  const size_t count = published.size();  // before the move: argument order is unspecified
  return feed::SelectItems(std::move(published), count);
}

std::string Publisher::BuildArchives(const std::vector<const feed::Article*>& newest,
                                     daemon::Snapshot* snap) {
  // RFC 5005: the articles oldest first, in pages of `limit`; every full page is an
  // archive document, so an item that left the subscription feed stays reachable. A
  // full page changes only if an article in it is edited or deleted, or one is
  // back-dated into it; it is served with a long Cache-Control.
  const feed::Channel& channel = options_.channel;
  const size_t page_size = std::max<size_t>(1, channel.limit);
  const size_t full_pages = newest.size() / page_size;
  auto archive_url = [&](size_t k) {
    return channel.base_url + "/archive/" + std::to_string(k) + "/atom.xml";
  };
  std::map<size_t, std::pair<std::string, std::shared_ptr<const daemon::Resource>>> archives;
  for (size_t k = 1; k <= full_pages; ++k) {
    // Oldest first across pages, newest first within one, like the feed.
    const auto first = newest.end() - static_cast<ptrdiff_t>(k * page_size);
    const std::vector<const feed::Article*> page(first, first + static_cast<ptrdiff_t>(page_size));
    std::string signature = k < full_pages ? "" : "last";
    for (const feed::Article* a : page)
      signature += a->id + "@" + std::to_string(a->updated.seconds) + "/" + a->link + "\n";
    auto old = archives_.find(k);
    std::shared_ptr<const daemon::Resource> res;
    if (old != archives_.end() && old->second.first == signature) {
      res = old->second.second;
    } else {
      feed::Channel ac = channel;
      ac.path = "/archive/" + std::to_string(k);
      ac.feed_id = channel.base_url + "/";
      ac.history.is_archive = true;
      ac.history.current = channel.base_url + "/atom.xml";
      if (k > 1) ac.history.prev_archive = archive_url(k - 1);
      if (k < full_pages) ac.history.next_archive = archive_url(k + 1);
      const std::string url = archive_url(k);
      res = MakeResource(RenderFeed(url, [&](auto i) { return feed::RenderAtom(ac, i); }, page),
                         kAtomType, feed::NewestUpdate(page).seconds, options_.cache_max_age,
                         false, "max-age=2592000", {}, options_.brotli);
    }
    snap->resources.emplace("/archive/" + std::to_string(k) + "/atom.xml", res);
    archives.emplace(k, std::pair{std::move(signature), res});
  }
  archives_ = std::move(archives);
  return full_pages > 0 ? archive_url(full_pages) : std::string();
}

void Publisher::BuildGroupFeeds(const std::vector<const feed::Article*>& newest,
                                daemon::Snapshot* snap, std::vector<std::string>* category_names,
                                std::vector<std::string>* tag_names) {
  // Per-category and per-tag feeds, created and removed as articles come and go.
  // Names that make the same slug ("World", "world") share a feed.
  const feed::Channel& channel = options_.channel;
  std::map<std::string, std::pair<std::string, std::vector<const feed::Article*>>> groups;
  for (const feed::Article* a : newest) {
    auto add = [&](const char* kind, const std::string& name, std::vector<std::string>* names) {
      const std::string slug = feed::Slugify(name);
      if (slug.empty()) return;
      auto& group = groups["/" + std::string(kind) + "/" + slug];
      if (group.first.empty()) {
        group.first = name;
        names->push_back(name);
      }
      if (group.second.empty() || group.second.back() != a) group.second.push_back(a);
    };
    if (!a->category.empty()) add("categories", a->category, category_names);
    for (const std::string& t : a->tags) add("tags", t, tag_names);
  }
  std::map<std::string, GroupFeeds> group_feeds;
  for (const auto& [path, group] : groups) {
    const auto items = std::span<const feed::Article* const>(group.second)
                           .first(std::min(channel.limit, group.second.size()));
    // What the three documents show; unchanged, they are not rendered again.
    std::string signature = group.first + "\n";
    for (const feed::Article* a : items) {
      signature += a->id + "@" + std::to_string(a->updated.seconds) + "@" +
                   std::to_string(a->published.seconds) + "/" + a->link + "\n";
    }
    GroupFeeds feeds;
    if (auto old = group_feeds_.find(path); old != group_feeds_.end()) feeds = old->second;
    if (feeds.signature != signature) {
      const size_t slash = path.find('/', 1);
      feed::Channel gc = channel;
      gc.path = path.substr(0, slash + 1) + feed::PercentEncode(path.substr(slash + 1));
      gc.title = channel.title + " \u2014 " + group.first;
      const int64_t time = feed::NewestUpdate(items).seconds;
      const std::string url = channel.base_url + gc.path;
      Refresh(&feeds.rss,
              RenderFeed(url + "/rss.xml", [&](auto i) { return feed::RenderRss(gc, i); }, items),
              kRssType, time, url + "/rss.xml", false);
      Refresh(&feeds.atom,
              RenderFeed(url + "/atom.xml", [&](auto i) { return feed::RenderAtom(gc, i); }, items),
              kAtomType, time, url + "/atom.xml", false);
      Refresh(&feeds.json,
              RenderFeed(url + "/feed.json", [&](auto i) { return feed::RenderJsonFeed(gc, i); },
                         items),
              kJsonFeedType, time, url + "/feed.json", false);
      feeds.signature = std::move(signature);
    }
    snap->resources.emplace(path + "/rss.xml", feeds.rss);
    snap->resources.emplace(path + "/atom.xml", feeds.atom);
    snap->resources.emplace(path + "/feed.json", feeds.json);
    group_feeds.emplace(path, std::move(feeds));
  }
  group_feeds_ = std::move(group_feeds);
  std::sort(category_names->begin(), category_names->end());
  std::sort(tag_names->begin(), tag_names->end());
}

std::shared_ptr<const daemon::Snapshot> Publisher::Build(int64_t now) {
  const feed::Channel& channel = options_.channel;
  auto snap = std::make_shared<daemon::Snapshot>();
  snap->resources.reserve(records_.size() + 8);
  changed_topics_.clear();

  const std::vector<const feed::Article*> newest = PublishArticles(now, snap.get());
  const std::span<const feed::Article* const> all(newest);
  const auto items = all.first(std::min(channel.limit, all.size()));
  const auto listed = all.first(std::min(options_.index_limit, all.size()));
  const int64_t feed_time = feed::NewestUpdate(items).seconds;

  feed::Channel subscription = channel;  // Atom links its newest archive page
  subscription.history.prev_archive = BuildArchives(newest, snap.get());
  const std::string rss_url = channel.base_url + "/rss.xml";
  const std::string atom_url = channel.base_url + "/atom.xml";
  const std::string json_url = channel.base_url + "/feed.json";
  Refresh(&rss_, RenderFeed(rss_url, [&](auto i) { return feed::RenderRss(channel, i); }, items),
          kRssType, feed_time, rss_url, true);
  Refresh(&atom_,
          RenderFeed(atom_url, [&](auto i) { return feed::RenderAtom(subscription, i); }, items),
          kAtomType, feed_time, atom_url, true);
  Refresh(&json_,
          RenderFeed(json_url, [&](auto i) { return feed::RenderJsonFeed(channel, i); }, items),
          kJsonFeedType, feed_time, json_url, true);
  std::vector<std::string> category_names, tag_names;
  BuildGroupFeeds(newest, snap.get(), &category_names, &tag_names);
  Refresh(&index_, feed::RenderIndexPage(channel, listed, category_names, tag_names), kHtmlType,
          feed::NewestUpdate(listed).seconds, {}, true);

  snap->resources.emplace("/rss.xml", rss_);
  snap->resources.emplace("/atom.xml", atom_);
  snap->resources.emplace("/feed.json", json_);
  snap->resources.emplace("/", index_);
  snap->article_count = newest.size();
  snap->generation = ++generation_;
  snap->built_at = now;
  return snap;
}

}  // namespace feedd::daemon
