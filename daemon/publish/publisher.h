// The ingest side: owns the articles read from the input folder and builds the
// snapshots the server reads. Not thread-safe: one owner (the ingest thread) calls
// everything. Parsing and rendering happen here, never on a serving thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "daemon/ingest/loader.h"
#include "daemon/store/identity_store.h"
#include "feed/article.h"
#include "feed/channel.h"
#include "daemon/publish/snapshot.h"
#include "watcher/event.h"

namespace feedd::daemon {

class BrotliCompressor;

struct PublisherOptions {
  IngestOptions ingest;
  feed::Channel channel;
  int cache_max_age = 300;
  size_t index_limit = 1000;  // articles listed on the HTML index
  uint64_t max_feed_bytes = 4 * 1024 * 1024;  // one feed document (limits.max_feed_size)
  BrotliCompressor* brotli = nullptr;  // makes the br twins; none without it
};

class Publisher {
 public:
  // `state` gives every article its stable id and dates; it outlives the publisher.
  Publisher(PublisherOptions options, StateStore* state);

  // Applies watcher events: one read and parse per changed file. Returns true when
  // the published set may have changed.
  bool Apply(const std::vector<watcher::Event>& events);

  // Reconciles with the folder: reads files that are new or whose size or time
  // changed, forgets files that are gone. Returns false (and logs once) when the
  // folder cannot be listed; the articles already read stay published.
  bool Rescan();

  // A new snapshot of everything published by `now`: feeds, index, article pages.
  // Article pages are rendered once per change and shared between snapshots.
  std::shared_ptr<const daemon::Snapshot> Build(int64_t now);

  // New settings (after a reload). Everything is rendered again at the next Build;
  // when the folder, the base URL or the size limit changed, the articles are
  // forgotten so the next Rescan reads them all again.
  void Reconfigure(PublisherOptions options);

  size_t article_count() const { return records_.size(); }

  // The earliest date of a scheduled article the last Build left out (seconds since
  // the epoch), or 0 when none waits.
  int64_t next_due() const { return next_due_; }

  // The URLs of the feeds whose bytes the last Build changed (for WebSub).
  const std::vector<std::string>& changed_topics() const { return changed_topics_; }
  const PublisherOptions& options() const { return options_; }

 private:
  struct Record {
    feed::Article article;  // as parsed
    int64_t mtime_ns = 0;
    uint64_t size = 0;
    // Published form (slug made unique) and its page, rebuilt when either changes.
    std::shared_ptr<const feed::Article> published;
    std::shared_ptr<const daemon::Resource> page;
  };

  // Several files, parsed in pipelined batches; true when any changed what is published.
  bool LoadAll(const std::vector<std::string>& relative_paths);
  // Applies one file's load: publishes, forgets or keeps the last good version.
  bool Take(const std::string& relative_path, LoadResult result);
  // Pieces of Build. Articles due by `now` (their pages into `snap`), newest first.
  std::vector<const feed::Article*> PublishArticles(int64_t now, daemon::Snapshot* snap);
  // RFC 5005 pages into `snap`; returns the newest page's URL, or empty.
  std::string BuildArchives(const std::vector<const feed::Article*>& newest, daemon::Snapshot* snap);
  // Category and tag feeds into `snap`; their names, sorted.
  void BuildGroupFeeds(const std::vector<const feed::Article*>& newest, daemon::Snapshot* snap,
                       std::vector<std::string>* category_names,
                       std::vector<std::string>* tag_names);
  // Replaces *res when the body changed; a feed (`topic` = its URL) is then listed in
  // changed_topics(). `hot`: also kept in a body file for sendfile(2).
  void Refresh(std::shared_ptr<const daemon::Resource>* res, std::string body,
               std::string_view type, int64_t modified, const std::string& topic, bool hot);
  // `render(items)` within max_feed_bytes (feed/feed_size.h); logs once per change
  // of what had to be cut from the feed at `url`.
  std::string RenderFeed(const std::string& url,
                         const std::function<std::string(std::span<const feed::Article* const>)>&
                             render,
                         std::span<const feed::Article* const> items);
  bool Forget(const std::string& relative_path);
  bool ForgetUnder(const std::string& folder);

  PublisherOptions options_;
  StateStore* state_;
  std::map<std::string, Record> records_;  // by source path, sorted
  uint64_t generation_ = 0;
  int64_t next_due_ = 0;
  std::vector<std::string> changed_topics_;
  std::map<std::string, std::string> feed_cuts_;  // by feed URL: the last cut logged
  std::shared_ptr<const daemon::Resource> rss_, atom_, json_, index_;
  // Category and tag feeds by path ("/tags/x"), kept while they exist, with the
  // signature of what they show (ids, dates, links) so unchanged ones are reused.
  struct GroupFeeds {
    std::string signature;
    std::shared_ptr<const daemon::Resource> rss, atom, json;
  };
  std::map<std::string, GroupFeeds> group_feeds_;
  // RFC 5005 archive pages by number, with the signature of what they hold (ids
  // and update times), so an unchanged page is not rendered again.
  std::map<size_t, std::pair<std::string, std::shared_ptr<const daemon::Resource>>> archives_;
};

}  // namespace feedd::daemon
