// What the server serves: an immutable snapshot, built by the publisher on the
// ingest thread and swapped atomically. A request takes Current() once and holds it
// until its response is written, so it never sees a mix of two builds and never
// waits for one.
//
// Snapshots share their structure between generations: the tables are persistent
// maps (daemon/publish/persistent_map.h), so a new generation after one change costs
// O(log n) new nodes, not a copy of a 100,000-entry table. Article pages and the
// index's later pages are not in the snapshot as bytes: they are rendered when
// first asked for and kept in a bounded cache (PageCache), from the published
// articles the snapshot holds.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/publish/persistent_map.h"
#include "feed/article.h"
#include "feed/channel.h"

namespace feedd::daemon {

// The body again as an open file, for zero-copy sendfile(2). Made by the publisher
// (an unnamed file or a sealed memfd, daemon/publish/resource.h).
class BodyFile {
 public:
  virtual ~BodyFile() = default;
  virtual int fd() const = 0;
};

// One encoding of a resource, with its HTTP header fields prebuilt: each line ends
// in CRLF; Date, Last-Modified, Connection and Content-Length are added per response.
struct Representation {
  std::string body;
  std::shared_ptr<const BodyFile> file;  // may be null: then `body` is written
  std::string etag;        // strong, quoted: "\"1f2e...\""
  // Content-Type, [Content-Encoding], ETag, Cache-Control, Vary, the security fields
  // (nosniff, Referrer-Policy; Content-Security-Policy on HTML).
  std::string fields_200;
  std::string fields_304;  // the same without Content-Type and Content-Encoding
};

struct Resource {
  Representation identity;
  Representation gzip;     // body empty when the resource is not compressed
  // Seconds since the epoch; 0: none is sent. It may be a second or two ahead of
  // the clock (see NextChange in daemon/store/identity_store.h): the handler then
  // sends the Date instead, as RFC 9110 section 8.8.2.1 asks.
  int64_t last_modified = 0;
  std::string last_modified_field;  // "Last-Modified: ...\r\n", or empty
  bool brotli_expected = false;  // a brotli twin is being made (the hot resources)

  // The brotli twin, or null while it is not made yet (or never, for the cold
  // resources: article pages, later index pages). Brotli at its best quality costs
  // about a millisecond per kilobyte, too slow to wait for before publishing, so it
  // is made after the resource is served and set once; a reader sees the whole twin
  // or none. Thread-safe.
  const Representation* brotli() const { return brotli_.load(std::memory_order_acquire); }
  // Only the first call has an effect; returns whether it had one.
  bool SetBrotli(std::unique_ptr<const Representation> rep) {
    const Representation* expected = nullptr;
    if (!brotli_.compare_exchange_strong(expected, rep.get(), std::memory_order_acq_rel))
      return false;
    brotli_owner_ = std::move(rep);  // read by no one but the destructor
    return true;
  }

 private:
  std::unique_ptr<const Representation> brotli_owner_;
  std::atomic<const Representation*> brotli_{nullptr};
};

using ResourcePtr = std::shared_ptr<const Resource>;

// An article as published: the parsed article with the id, slug, link and dates the
// identity store gave it. Immutable; replaced whole when any of it changes.
struct PublishedArticle {
  // Everything but the content, which is kept compressed (content_z): at 100,000
  // articles the content is most of the memory, and only the few items being
  // rendered need it whole (Full()).
  feed::Article article;
  std::string content_z;      // article.content_html, zlib-compressed
  uint32_t content_size = 0;  // its size whole
  int64_t changed = 0;   // second its page last changed (Last-Modified of its page)
  uint64_t version = 0;  // unique among the PublishedArticles of a process: the page cache's key
  std::string digest;    // hash of everything a feed shows of it
};
using ArticlePtr = std::shared_ptr<const PublishedArticle>;

// The article with its content whole, for the writers. Thread-safe.
feed::Article Full(const PublishedArticle& p);
// An article's content, compressed (zlib, level 1), with its hash.
struct Prepared {
  std::string z;
  uint32_t size = 0;  // whole; 0: no content
  std::string hash;
};
// Takes `a`'s content out, compressed.
Prepared Prepare(feed::Article* a);

// The feeds' order: newest published first; within one instant, the later arrival first.
struct OrderKey {
  int64_t published_ns = 0;
  int64_t arrival = 0;
  friend bool operator==(const OrderKey&, const OrderKey&) = default;
};
struct NewestFirst {
  bool operator()(const OrderKey& a, const OrderKey& b) const {
    if (a.published_ns != b.published_ns) return a.published_ns > b.published_ns;
    return a.arrival > b.arrival;
  }
};

// A feed rendered when first asked for: a category or tag feed, an archive page.
// At 100,000 articles there are thousands; rendering and compressing each at every
// start would cost seconds and hundreds of megabytes for feeds few readers poll.
// Whether one changed is decided by `signature` (a hash of what it shows), which
// the publisher keeps with its last-changed time in the identity store, so its
// bytes (a pure function of this value) and Last-Modified agree across restarts.
struct FeedSpec {
  enum class Format { kRss, kAtom, kJson };
  Format format = Format::kAtom;
  feed::Channel channel;  // `updated` set to `last_changed`
  std::shared_ptr<const std::vector<ArticlePtr>> items;  // newest first
  std::string signature;
  int64_t last_changed = 0;
  std::string cache_control;  // empty: max-age from the settings
  std::string extra_fields;   // WebSub Link, or empty
  uint64_t max_bytes = 0;     // limits.max_feed_size
};
using FeedSpecPtr = std::shared_ptr<const FeedSpec>;

using ResourceMap = PersistentMap<std::string, ResourcePtr>;
using FeedSpecMap = PersistentMap<std::string, FeedSpecPtr>;
using ArticlesBySlug = PersistentMap<std::string, ArticlePtr>;
using ArticleOrder = PersistentMap<OrderKey, ArticlePtr, NewestFirst>;

// A media file beside the articles (feed/media.h), as the publisher last saw it:
// what the feeds say of it (length, type) and whether /media/PATH is served. The
// response itself comes from the file as it is at the request (its own fstat).
struct MediaFile {
  std::string type;  // "audio/mpeg"
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  friend bool operator==(const MediaFile&, const MediaFile&) = default;
};
using MediaFilePtr = std::shared_ptr<const MediaFile>;
using MediaMap = PersistentMap<std::string, MediaFilePtr>;  // by path in the input folder

struct Snapshot;

// Renders the resources a snapshot makes on demand (article pages, index pages after
// the first) and keeps the recent ones in a cache bounded in bytes. Shared by the
// snapshots of one feed with the same settings. Thread-safe.
class PageSource {
 public:
  virtual ~PageSource() = default;
  // The resource at `path` in `snap`, or null when the snapshot has none there.
  virtual ResourcePtr Find(const Snapshot& snap, const std::string& path) const = 0;
  // Articles per index page: "/", "/page/2", ...
  virtual size_t index_page_size() const = 0;
};

struct Snapshot {
  // Rendered resources by decoded path: "/", "/rss.xml", "/atom.xml", "/feed.json".
  ResourceMap resources;
  FeedSpecMap feeds;        // category, tag and archive feeds, rendered on demand
  ArticlesBySlug articles;  // every published article, by slug
  ArticleOrder order;       // the same, newest first
  int64_t listing_changed = 0;  // when the list of articles last changed (the index pages)
  std::shared_ptr<const PageSource> pages;  // null: no page is made on demand
  MediaMap media;           // served at /media/PATH, opened beneath media_root
  std::string media_root;   // the input folder
  int media_max_age = 300;  // Cache-Control of media replies
  size_t article_count = 0;
  uint64_t generation = 0;    // 0 before the first build
  int64_t built_at = 0;       // wall clock of the build, for /healthz

  // The resource at `path` (decoded), rendered now if it is made on demand; null
  // when there is none. Thread-safe.
  ResourcePtr Find(const std::string& path) const {
    if (const ResourcePtr* r = resources.Find(path)) return *r;
    return pages ? pages->Find(*this, path) : nullptr;
  }
};

// Safe for concurrent use: any thread may call Current(); one writer calls Publish().
class SnapshotHolder {
 public:
  std::shared_ptr<const Snapshot> Current() const { return current_.load(); }
  void Publish(std::shared_ptr<const Snapshot> next) {
    current_.store(std::move(next));
    version_.fetch_add(1, std::memory_order_release);
  }
  // Changes after every Publish. A reader may keep its own copy of Current() and
  // reload only when this moves, so threads do not contend on one reference count.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::shared_ptr<const Snapshot>> current_{std::make_shared<const Snapshot>()};
  std::atomic<uint64_t> version_{0};
};

}  // namespace feedd::daemon
