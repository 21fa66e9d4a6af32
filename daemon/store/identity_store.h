// The identity store: what feedd remembers so that every subscriber sees each
// article once, under one id, one URL and one date, in the order it arrived:
// - each article's id, claimed slug, published date (with its sub-second part),
//   arrival sequence number, last edit, content hash, and whether it is a draft;
// - the last-changed time and ETag of every served resource it is asked to stamp,
//   so that Last-Modified never stands still or goes back, across restarts and on
//   replicas that run on a copy of the state;
// - small named values (the channel settings' hash, archive page boundaries);
// - a parse cache: each file's parsed article by path, size, mtime and content
//   hash, so a restart over an unchanged folder parses nothing.
//
// Kept in SQLite (STATE_DIR/state.db), written in one transaction per batch of
// changes; without a state folder everything lives in memory and the parse cache
// is off. Every lookup is O(1) (hash maps in memory), so the first sight of a file
// costs the same at 100 articles and at 100,000.
//
// Not thread-safe: one owner, the ingest thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "feed/dates.h"

namespace feedd::daemon {

// What a read of one file says about its article.
struct FreshArticle {
  std::string source;        // path relative to the input folder
  std::string id;            // explicit, or derived from the base URL and slug
  std::string slug;          // the slug its file name asks for
  std::string content_hash;  // of the file's bytes
  feed::Timestamp published;  // the article's own date, else the file's time
  int32_t published_nanos = 0;
  feed::Timestamp file_time;  // when the file was last written
  // The article's own date of its last change (a page's dateModified), later than
  // `published`; an edit is dated by it instead of the file's time. Seconds 0: none.
  feed::Timestamp stated_update;
  bool explicit_id = false;
  bool explicit_date = false;
  bool draft = false;
};

// The stable facts of one article.
struct ArticleIdentity {
  int64_t key = 0;           // the store's own number for it; never reused
  std::string source;        // path now
  std::string id;            // as first published (or the article's explicit id)
  std::string slug;          // claimed: published at /articles/SLUG
  std::string slug_base;     // the slug its file name asked for when it claimed
  std::string content_hash;  // of the file's bytes
  feed::Timestamp published;
  int32_t published_nanos = 0;  // with `published.seconds`: the feeds' order
  feed::Timestamp updated;
  int64_t arrival = 0;       // 1, 2, ...: order of first sight; breaks date ties
  int64_t changed = 0;       // second what the article shows last changed (its page's Last-Modified)
  bool present = true;       // false: deleted or moved away; remembered for a return
  bool draft = false;        // present but unpublished (draft: true)
};

// The validators of one served resource.
struct ResourceStamp {
  std::string etag;          // content hash of the bytes last served
  int64_t last_changed = 0;  // seconds since the epoch
};

// A parsed article as the parse cache keeps it (an encoded ParseResult).
struct CachedParse {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string content_hash;
  std::string blob;
};

// The last-changed time of something whose bytes change now: `now`, but never at or
// before the previous one, so two versions never share a second and a client's
// If-Modified-Since always tells them apart. It may run a second or two ahead of
// the clock after a burst of changes; Last-Modified is then sent as the Date.
inline int64_t NextChange(int64_t previous, int64_t now) {
  return previous >= now ? previous + 1 : now;
}

class IdentityStore {
 public:
  IdentityStore() = default;
  ~IdentityStore();
  IdentityStore(const IdentityStore&) = delete;
  IdentityStore& operator=(const IdentityStore&) = delete;

  // Opens (creating) state_dir/file, or works in memory for an empty state_dir.
  // Reads a state written by an earlier feedd (the `articles` table) into the new
  // form. Returns false with *err set when the file cannot be opened; the store then
  // works in memory and Flush() keeps trying to reach the file.
  bool Open(const std::string& state_dir, const std::string& file, std::string* err);

  // The identity of a file's article, given what its read says:
  // - a known present path is the same article; a changed hash is an edit: `updated`
  //   moves to the file's time (never before `published`) and `changed` to now;
  // - a known absent path with the same content is a restore (same identity); with
  //   different content it is a new article (the old one stays remembered by its
  //   content for a later return);
  // - an unknown path whose content matches an absent article is that article,
  //   renamed or moved (it claims the slug of its new name);
  // - else a new article: a fresh id (never one given before), the slug it asks for
  //   or the first free SLUG-N, the next arrival number.
  // An explicit id or date always wins. `now` is the wall clock (seconds).
  const ArticleIdentity& Resolve(const FreshArticle& fresh, int64_t now);

  // The file is gone: its article is kept for a return, marked absent, and its slug
  // is free again. Returns false when the path was not present.
  bool MarkAbsent(const std::string& source);
  // The present article at `source`, or null.
  const ArticleIdentity* Find(const std::string& source) const;
  // Every present article (drafts included), in no particular order.
  std::vector<const ArticleIdentity*> Present() const;

  std::optional<ResourceStamp> FindStamp(const std::string& path) const;
  void SetStamp(const std::string& path, ResourceStamp stamp);
  void DropStamp(const std::string& path);

  // Named values; empty when never set.
  std::string Meta(const std::string& key) const;
  void SetMeta(const std::string& key, std::string value);

  // The parse cache (off without a state folder: finds nothing, keeps nothing).
  std::optional<CachedParse> FindParse(const std::string& source);
  void PutParse(const std::string& source, CachedParse parse);
  void DropParse(const std::string& source);
  bool parse_cache_enabled() const { return !path_.empty(); }
  // The bytes of cached parses not written yet; FlushParses writes them alone (the
  // other changes wait for Flush). False with *err when they cannot be written (they
  // are then dropped: only a cache).
  size_t pending_parse_bytes() const { return pending_parse_bytes_; }
  bool FlushParses(std::string* err);

  // Writes the changes since the last Flush in one transaction. On failure (a
  // read-only or full disk) returns false and sets *err; the identity changes stay
  // pending and the next Flush writes everything again (cached parses are dropped:
  // they are only a cache).
  bool Flush(std::string* err);

  bool healthy() const { return healthy_; }
  const std::string& last_error() const { return last_error_; }
  size_t size() const { return rows_.size(); }

 private:
  bool Exec(const char* sql, std::string* err);
  bool Load(std::string* err);
  bool LoadLegacy(std::string* err);
  bool WriteAll(std::string* err);
  bool WriteParses(std::string* err);  // inside a transaction
  bool TryReopen(std::string* err);
  ArticleIdentity& NewArticle(const FreshArticle& fresh, int64_t now);
  void ClaimSlug(ArticleIdentity* row, const std::string& wanted);
  void ReleaseSlug(const ArticleIdentity& row);
  void Index(const ArticleIdentity& row);
  void Dirty(int64_t key) { dirty_rows_.insert(key); }

  sqlite3* db_ = nullptr;
  std::string path_;  // empty: in memory only
  std::unordered_map<int64_t, ArticleIdentity> rows_;  // by key
  std::unordered_map<std::string, int64_t> by_source_;  // present and absent rows by path
  std::unordered_multimap<std::string, int64_t> absent_by_hash_;
  std::unordered_set<std::string> ids_;                 // every id ever given
  std::unordered_map<std::string, int64_t> slugs_;      // claimed slug -> key
  std::unordered_map<std::string, int64_t> freed_slugs_;  // released slug -> its page's last change
  bool dating_by_articles_ = true;  // the first build of a state with no articles
  std::unordered_map<std::string, int> next_suffix_;    // base slug -> next N to try
  std::unordered_map<std::string, int> next_id_suffix_;  // base id -> next N to try
  std::unordered_map<std::string, ResourceStamp> stamps_;
  std::unordered_map<std::string, std::string> meta_;
  int64_t next_key_ = 1;
  int64_t next_arrival_ = 1;

  std::unordered_set<int64_t> dirty_rows_;
  std::unordered_set<std::string> dirty_stamps_;
  std::unordered_set<std::string> dirty_meta_;
  std::unordered_map<std::string, std::optional<CachedParse>> pending_parses_;  // nullopt: drop
  size_t pending_parse_bytes_ = 0;
  sqlite3_stmt* find_parse_ = nullptr;  // prepared once: a warm start asks 100,000 times
  bool full_write_pending_ = false;
  bool healthy_ = true;
  std::string last_error_;
};

}  // namespace feedd::daemon
