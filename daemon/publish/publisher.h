// The publisher: owns what is published from one input folder and builds the
// snapshots the server reads. Costs follow the change, not the folder: a change
// marks the resources that show the changed article (the main feeds and the first
// index page, its category and tag feeds, the one archive page it falls in), Build
// renders only those, and the snapshot's tables are persistent maps shared with the
// previous generation. Article pages and later index pages are rendered on demand
// (PageCache).
//
// Ids, slugs, dates, arrival order and every resource's last-changed time come from
// the identity store; "did it change?" is always a content hash, never a time.
//
// Not thread-safe: one owner (the ingest thread) calls everything.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "daemon/ingest/loader.h"
#include "daemon/publish/media_index.h"
#include "daemon/publish/snapshot.h"
#include "daemon/store/identity_store.h"
#include "feed/article.h"
#include "feed/channel.h"
#include "watcher/event.h"

namespace feedd::daemon {

class BrotliCompressor;
class PageCache;

struct PublisherOptions {
  IngestOptions ingest;
  feed::Channel channel;
  int cache_max_age = 300;
  size_t index_page_size = 50;  // articles per index page: "/", "/page/2", ...
  uint64_t max_feed_bytes = 4 * 1024 * 1024;  // one feed document (limits.max_feed_size)
  BrotliCompressor* brotli = nullptr;  // makes the br twins of the hot resources; none without it
  size_t page_cache_bytes = 32 << 20;  // rendered article and index pages kept
};

class Publisher {
 public:
  // `store` gives every article its stable id, slug and dates; it outlives the publisher.
  Publisher(PublisherOptions options, IdentityStore* store);
  ~Publisher();

  // Applies watcher events: one read and parse per changed file. Returns true when
  // the published set may have changed.
  bool Apply(const std::vector<watcher::Event>& events);

  // Reconciles with the folder: reads files that are new or whose size or time
  // changed (from the parse cache when their bytes are known), forgets files that
  // are gone. Returns false (and logs once) when the folder cannot be listed; the
  // articles already read stay published.
  bool Rescan();

  // Files seen while still being written (a writer had them open, or they changed
  // a moment ago where that cannot be told): read them again. True when the
  // published set may have changed.
  bool RetryWaiting();
  // Retries them for a little longer than they take to settle (IngestOptions::
  // settle_ns), or until none waits or the load is cancelled: for a first snapshot
  // that is complete. Blocks.
  void AwaitWaiting();
  size_t waiting_count() const { return waiting_.size(); }
  // Folders the last Rescan could not list (relative to the input folder).
  const std::set<std::string>& unreadable_folders() const { return unreadable_; }

  // A new snapshot of everything published by `now` (seconds since the epoch).
  std::shared_ptr<const Snapshot> Build(int64_t now);

  // New settings (after a reload). Everything is rendered again at the next Build;
  // when the folder, the base URL or the size limits changed, the articles are
  // forgotten so the next Rescan reads them all again.
  void Reconfigure(PublisherOptions options);

  size_t article_count() const { return order_.size(); }
  const MediaIndex& media() const { return media_; }
  // Articles read (drafts not counted), published or scheduled.
  size_t entry_count() const { return entries_.size(); }

  // The earliest date of a scheduled article the last Build left out (seconds since
  // the epoch), or 0 when none waits.
  int64_t next_due() const { return scheduled_.empty() ? 0 : scheduled_.begin()->first; }

  // The URLs of the feeds whose bytes the last Build changed (for WebSub).
  const std::vector<std::string>& changed_topics() const { return changed_topics_; }
  const PublisherOptions& options() const { return options_; }

 private:
  // One article file that was read and parsed.
  struct Entry {
    ArticlePtr pub;  // as published (id, slug, link and dates from the store)
    OrderKey order;
    int64_t mtime_ns = 0;
    uint64_t size = 0;
    std::string content_hash;
    bool draft = false;
    bool listed = false;  // in the feeds now (not a draft, not scheduled for later)
    // The media the article names, as parsed (unresolved): what a change of a media
    // file needs to publish it again without a read. Held only by the articles that
    // name one (most name none: 8 bytes, not two Media, each).
    struct MediaRefs {
      feed::Media image, enclosure;
    };
    std::unique_ptr<const MediaRefs> refs;
    const feed::Media& image_ref() const { return refs ? refs->image : kNoMedia; }
    const feed::Media& enclosure_ref() const { return refs ? refs->enclosure : kNoMedia; }
    static inline const feed::Media kNoMedia{};
  };
  // A category or tag feed: the articles that carry it, newest first.
  struct Group {
    std::string name;  // as the first article wrote it
    std::map<OrderKey, ArticlePtr, NewestFirst> members;
  };

  bool LoadAll(std::vector<LoadRequest> requests);
  // The folders a scan could not list: one warning for each new one, the gauge.
  void NoteUnreadable(std::set<std::string> folders);
  // `content`: the article's content already compressed (it is then not in
  // result.article); null: it is compressed here.
  bool Take(const std::string& relative_path, LoadResult result, int64_t now, Prepared* content);
  bool Forget(const std::string& relative_path);
  bool Unpublish(const std::string& relative_path, const LoadResult& draft);
  // Takes the file's article out of everything published; false when there was none.
  bool RemoveEntry(const std::string& relative_path);
  bool ForgetUnder(const std::string& folder);
  // The article's image and enclosure from its references and the media index:
  // local files get their URL, length and type, or are left out (with a warning
  // when `warn`); with none named, a media file of the article's own name. A local
  // audio or video enclosure gets its duration from its headers (DurationOf).
  void ResolveMedia(const std::string& source, const feed::Media& image_ref,
                    const feed::Media& enclosure_ref, feed::Media* image, feed::Media* enclosure,
                    bool warn);
  // The playing time of the media file at `path`, read once per version of the file
  // (ProbeMediaDuration) and kept in durations_.
  int64_t DurationOf(const std::string& path, const MediaFile& file);
  // Every audio and video file of the index not read yet, in one batch across the
  // parse workers (a scan's episodes; DurationOf then finds them read).
  void PrefetchDurations();
  // Publishes again the articles that show media files that changed (the
  // index's TakeChanged). True when one changed.
  bool RefreshMediaUsers();
  // After a scan: one warning when the podcast's cover is to be a file of the
  // folder that is not there (until the settings are reloaded).
  void CheckCover();
  // Takes `source` out of media_users_ for the media its entry names.
  void DropMediaUser(const std::string& source, const Entry& e);
  void List(const Entry& e);
  void Unlist(const Entry& e);
  void TouchGroups(const feed::Article& a, const OrderKey& key, const ArticlePtr* add);
  void TouchArchive(const OrderKey& key);
  size_t ArchivePageOf(const OrderKey& key) const;  // 0: not archived yet

  // Build's pieces.
  void CutArchivePages();
  void RenderArchives(int64_t now);
  void RenderGroups(int64_t now);
  void RenderMain(int64_t now);
  // The last-changed time of the resource at `path` whose content `signature`
  // stands for, from its stamp (moved when the signature is new); `current` is the
  // resource already made for it, when it can stay.
  struct Plan {
    int64_t changed = 0;
    const ResourcePtr* current = nullptr;
  };
  Plan PlanStamp(const std::string& path, const std::string& signature, int64_t first,
                 int64_t now, const std::string& topic);
  // Logs once per change of what had to be cut from the feed at `url`.
  void LogCut(const std::string& url, std::string cut);
  void SetResource(const std::string& path, ResourcePtr res);
  // A feed rendered on demand at `path` (a category, tag or archive feed).
  void SetFeed(const std::string& path, FeedSpec spec, int64_t now, int64_t first,
               const std::string& topic);
  void DropFeed(const std::string& path);
  std::string ChannelSignature() const;
  // What Reconfigure leaves for when the store is open: the channel's last change,
  // the archive pages' bounds, the page cache.
  void Setup();

  PublisherOptions options_;
  IdentityStore* store_;
  std::shared_ptr<PageCache> pages_;
  std::map<std::string, Entry> entries_;  // by source path, sorted (folders are ranges)
  ArticleOrder order_;                    // the listed articles, newest first
  ArticlesBySlug by_slug_;
  ResourceMap resources_;
  FeedSpecMap feeds_;
  std::set<std::pair<int64_t, std::string>> scheduled_;  // (due, source)
  std::unordered_map<std::string, Group> groups_;  // by path: "/categories/world", "/tags/x"
  std::unordered_set<std::string> dirty_groups_;
  std::unordered_map<std::string, std::string> group_paths_;  // kind NUL name -> path
  std::vector<OrderKey> archive_bounds_;  // the newest article of each archive page, oldest page first
  std::set<size_t> dirty_archives_;
  bool needs_setup_ = true;
  bool main_dirty_ = true;
  bool listing_dirty_ = false;
  int64_t listing_changed_ = 0;
  uint64_t listing_sum_ = 0;  // of ListingHash over the listed articles
  uint64_t generation_ = 0;
  uint64_t next_version_ = 1;
  std::vector<std::string> changed_topics_;
  // Files still being written when last seen: when first seen so (this process's
  // clock), with the time and size then.
  struct Waiting {
    std::chrono::steady_clock::time_point since;
    int64_t mtime_ns = 0;
    uint64_t size = 0;
  };
  std::map<std::string, Waiting> waiting_;
  // Files that could not be published (unparsable, too large, ...) by their time
  // and size: a rescan reads them again only when those change.
  std::unordered_map<std::string, std::pair<int64_t, uint64_t>> rejected_;
  std::unordered_set<std::string> outside_warned_;  // links out of the folder, said once
  std::set<std::string> unreadable_;  // folders the last Rescan could not list
  std::map<std::string, std::string> feed_cuts_;  // by feed URL: the last cut logged
  MediaIndex media_;  // the media files beside the articles
  // Media path -> the sources of the articles that name it (image or enclosure).
  std::unordered_map<std::string, std::set<std::string>> media_users_;
  // Media path -> its duration as its headers said, and the version of the file read.
  struct Probed {
    MediaFile file;
    int64_t seconds = 0;
  };
  std::unordered_map<std::string, Probed> durations_;
  bool cover_warned_ = false;
};

}  // namespace feedd::daemon
