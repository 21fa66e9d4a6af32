#include "daemon/store/identity_store.h"

#include <algorithm>
#include <ctime>
#include <filesystem>

namespace feedd::daemon {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS identities (
  key INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  slug TEXT NOT NULL,
  slug_base TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  published INTEGER NOT NULL,
  published_offset INTEGER NOT NULL,
  published_nanos INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  updated_offset INTEGER NOT NULL,
  arrival INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  present INTEGER NOT NULL,
  draft INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stamps (
  path TEXT PRIMARY KEY,
  etag TEXT NOT NULL,
  last_changed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS parse_cache (
  source TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  blob BLOB NOT NULL
);
)sql";

std::string Message(sqlite3* db, int rc) {
  return db ? std::string(sqlite3_errmsg(db)) : std::string(sqlite3_errstr(rc));
}

std::string Text(sqlite3_stmt* st, int col) {
  const unsigned char* t = sqlite3_column_text(st, col);
  return t ? std::string(reinterpret_cast<const char*>(t),
                         static_cast<size_t>(sqlite3_column_bytes(st, col)))
           : std::string();
}

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) st_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(st_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return st_; }
  explicit operator bool() const { return st_ != nullptr; }
  void Bind(int i, const std::string& s) {
    sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
  // Runs a statement that returns no rows, ready for the next use.
  bool Run() {
    const bool ok = sqlite3_step(st_) == SQLITE_DONE;
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
    return ok;
  }

 private:
  sqlite3_stmt* st_ = nullptr;
};

bool TableExists(sqlite3* db, const char* name) {
  Statement st(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  if (!st) return false;
  st.Bind(1, std::string(name));
  return sqlite3_step(st.get()) == SQLITE_ROW;
}

}  // namespace

IdentityStore::~IdentityStore() {
  sqlite3_finalize(find_parse_);
  if (db_) sqlite3_close(db_);
}

bool IdentityStore::Exec(const char* sql, std::string* err) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    *err = msg ? msg : "unknown SQLite error";
    sqlite3_free(msg);
    return false;
  }
  return true;
}

bool IdentityStore::Open(const std::string& state_dir, const std::string& file, std::string* err) {
  path_ = state_dir.empty() ? "" : (std::filesystem::path(state_dir) / file).string();
  if (path_.empty()) return true;  // in memory: nothing to open
  if (!TryReopen(err)) {
    healthy_ = false;
    last_error_ = *err;
    full_write_pending_ = true;
    return false;
  }
  dating_by_articles_ = rows_.empty();  // a state that knows articles: new ones appear now
  return true;
}

bool IdentityStore::TryReopen(std::string* err) {
  sqlite3_finalize(find_parse_);
  find_parse_ = nullptr;
  if (db_) {
    sqlite3_close(db_);
    db_ = nullptr;
  }
  const int rc = sqlite3_open_v2(path_.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    *err = path_ + ": " + Message(db_, rc);
    sqlite3_close(db_);
    db_ = nullptr;
    return false;
  }
  sqlite3_busy_timeout(db_, 2000);
  // WAL with full syncs: a commit survives kill -9 and power loss; readers (the
  // sqlite3 tool) never block the daemon.
  if (!Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", err) || !Exec(kSchema, err) ||
      !Load(err)) {
    *err = path_ + ": " + *err;
    sqlite3_close(db_);
    db_ = nullptr;
    return false;
  }
  return true;
}

void IdentityStore::Index(const ArticleIdentity& row) {
  ids_.insert(row.id);
  next_key_ = std::max(next_key_, row.key + 1);
  next_arrival_ = std::max(next_arrival_, row.arrival + 1);
  if (!row.source.empty()) {
    auto [it, added] = by_source_.try_emplace(row.source, row.key);
    // Two rows of one path (an old article and the new one that reused its name):
    // the present one, else the newer, answers for the path.
    if (!added) {
      const ArticleIdentity& other = rows_.at(it->second);
      if ((row.present && !other.present) || (row.present == other.present && row.key > other.key))
        it->second = row.key;
    }
  }
  if (!row.present) absent_by_hash_.emplace(row.content_hash, row.key);
  if (row.present && !row.slug.empty()) slugs_[row.slug] = row.key;
}

bool IdentityStore::Load(std::string* err) {
  // What is in memory (from a time the file could not be reached) wins over the file.
  const bool fresh_memory = rows_.empty();
  {
    Statement st(db_,
                 "SELECT key, source, id, slug, slug_base, content_hash, published, "
                 "published_offset, published_nanos, updated, updated_offset, arrival, changed, "
                 "present, draft FROM identities");
    if (!st) {
      *err = sqlite3_errmsg(db_);
      return false;
    }
    int rc;
    size_t loaded = 0;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      ++loaded;
      if (!fresh_memory) continue;
      ArticleIdentity r;
      r.key = sqlite3_column_int64(st.get(), 0);
      r.source = Text(st.get(), 1);
      r.id = Text(st.get(), 2);
      r.slug = Text(st.get(), 3);
      r.slug_base = Text(st.get(), 4);
      r.content_hash = Text(st.get(), 5);
      r.published = {sqlite3_column_int64(st.get(), 6), sqlite3_column_int(st.get(), 7)};
      r.published_nanos = sqlite3_column_int(st.get(), 8);
      r.updated = {sqlite3_column_int64(st.get(), 9), sqlite3_column_int(st.get(), 10)};
      r.arrival = sqlite3_column_int64(st.get(), 11);
      r.changed = sqlite3_column_int64(st.get(), 12);
      r.present = sqlite3_column_int(st.get(), 13) != 0;
      r.draft = sqlite3_column_int(st.get(), 14) != 0;
      const int64_t key = r.key;
      rows_.emplace(key, std::move(r));
      Index(rows_.at(key));
    }
    if (rc != SQLITE_DONE) {
      *err = sqlite3_errmsg(db_);
      return false;
    }
    if (loaded == 0 && fresh_memory && !LoadLegacy(err)) return false;
  }
  {
    Statement st(db_, "SELECT path, etag, last_changed FROM stamps");
    if (!st) {
      *err = sqlite3_errmsg(db_);
      return false;
    }
    while (sqlite3_step(st.get()) == SQLITE_ROW)
      stamps_.try_emplace(Text(st.get(), 0),
                          ResourceStamp{Text(st.get(), 1), sqlite3_column_int64(st.get(), 2)});
  }
  {
    Statement st(db_, "SELECT key, value FROM meta");
    if (!st) {
      *err = sqlite3_errmsg(db_);
      return false;
    }
    while (sqlite3_step(st.get()) == SQLITE_ROW)
      meta_.try_emplace(Text(st.get(), 0), Text(st.get(), 1));
  }
  return true;
}

bool IdentityStore::LoadLegacy(std::string* err) {
  // feedd before 0.2 kept one row per path in `articles`, without slugs or arrival
  // numbers: the order of their dates becomes the arrival order, and each present
  // article claims its slug again when it is next read.
  if (!TableExists(db_, "articles")) return true;
  Statement st(db_,
               "SELECT source, id, content_hash, published, published_offset, updated, "
               "updated_offset, present FROM articles ORDER BY published, source");
  if (!st) {
    *err = sqlite3_errmsg(db_);
    return false;
  }
  while (sqlite3_step(st.get()) == SQLITE_ROW) {
    ArticleIdentity r;
    r.key = next_key_;
    r.source = Text(st.get(), 0);
    r.id = Text(st.get(), 1);
    r.content_hash = Text(st.get(), 2);
    r.published = {sqlite3_column_int64(st.get(), 3), sqlite3_column_int(st.get(), 4)};
    r.updated = {sqlite3_column_int64(st.get(), 5), sqlite3_column_int(st.get(), 6)};
    r.present = sqlite3_column_int(st.get(), 7) != 0;
    r.arrival = next_arrival_;
    r.changed = r.updated.seconds;
    rows_.emplace(r.key, r);
    Index(rows_.at(r.key));
    Dirty(r.key);
  }
  return true;
}

void IdentityStore::ClaimSlug(ArticleIdentity* row, const std::string& wanted) {
  if (row->slug_base == wanted && !row->slug.empty()) {
    auto it = slugs_.find(row->slug);
    if (it == slugs_.end()) {
      slugs_.emplace(row->slug, row->key);
      return;
    }
    if (it->second == row->key) return;  // still its own
  }
  ReleaseSlug(*row);
  // The slug it asks for, else the first free SLUG-N. The next N to try per base is
  // remembered, so 16,000 files of one name cost O(1) each, not a scan.
  std::string slug = wanted;
  if (slugs_.count(slug)) {
    int& n = next_suffix_.try_emplace(wanted, 2).first->second;
    do {
      slug = wanted + "-" + std::to_string(n++);
    } while (slugs_.count(slug));
  }
  slugs_.emplace(slug, row->key);
  row->slug = slug;
  row->slug_base = wanted;
}

void IdentityStore::ReleaseSlug(const ArticleIdentity& row) {
  auto it = slugs_.find(row.slug);
  if (it == slugs_.end() || it->second != row.key) return;
  slugs_.erase(it);
  // The page at this slug was last changed then: an article that claims it next
  // must date its page later, or a reader asking If-Modified-Since gets a 304 for
  // another article. Only the current second can collide (a later claim is dated
  // now), so older entries are dropped as the map grows.
  if (freed_slugs_.size() > 4096) {
    const int64_t recent = static_cast<int64_t>(std::time(nullptr)) - 2;
    for (auto f = freed_slugs_.begin(); f != freed_slugs_.end();)
      f = f->second < recent ? freed_slugs_.erase(f) : std::next(f);
  }
  int64_t& last = freed_slugs_[row.slug];
  last = std::max(last, row.changed);
}

ArticleIdentity& IdentityStore::NewArticle(const FreshArticle& fresh, int64_t now) {
  ArticleIdentity r;
  r.key = next_key_++;
  r.source = fresh.source;
  r.content_hash = fresh.content_hash;
  r.published = fresh.published;
  r.published_nanos = fresh.published_nanos;
  r.updated = fresh.stated_update.seconds > fresh.published.seconds ? fresh.stated_update
                                                                    : fresh.published;
  r.arrival = next_arrival_++;
  // In the first build of a fresh state its page is as old as the article says it
  // is; an article that arrives later is a page that appears now. It moves with
  // every change after.
  r.changed = dating_by_articles_ && fresh.published.seconds > 0 && fresh.published.seconds <= now
                  ? fresh.published.seconds
                  : now;
  r.id = fresh.id;
  // An id is never given to two articles, nor again to a new article after its
  // first owner was deleted: readers would take the new one for the old.
  if (!fresh.explicit_id && ids_.count(r.id)) {
    int& n = next_id_suffix_.try_emplace(fresh.id, 2).first->second;  // O(1) amortized
    do {
      r.id = fresh.id + "-" + std::to_string(n++);
    } while (ids_.count(r.id));
  }
  ids_.insert(r.id);
  const int64_t key = r.key;
  ArticleIdentity& row = rows_.emplace(key, std::move(r)).first->second;
  by_source_[fresh.source] = key;
  return row;
}

const ArticleIdentity& IdentityStore::Resolve(const FreshArticle& fresh, int64_t now) {
  ArticleIdentity* row = nullptr;
  auto erase_absent = [&](const ArticleIdentity& r) {
    auto [lo, hi] = absent_by_hash_.equal_range(r.content_hash);
    for (auto it = lo; it != hi; ++it) {
      if (it->second == r.key) {
        absent_by_hash_.erase(it);
        break;
      }
    }
  };
  if (auto known = by_source_.find(fresh.source); known != by_source_.end()) {
    ArticleIdentity& r = rows_.at(known->second);
    if (r.present || r.content_hash == fresh.content_hash) {
      row = &r;  // the same article, or the same bytes restored
      if (!r.present) erase_absent(r);
    } else {
      by_source_.erase(known);  // a new article under an old name; the old is kept by content
    }
  }
  if (!row) {
    // A file that disappeared with the same content: renamed, moved, or restored
    // under another name. The earliest such keeps its identity.
    auto [lo, hi] = absent_by_hash_.equal_range(fresh.content_hash);
    auto best = hi;
    for (auto it = lo; it != hi; ++it) {
      if (best == hi || rows_.at(it->second).key < rows_.at(best->second).key) best = it;
    }
    if (best != hi) {
      row = &rows_.at(best->second);
      absent_by_hash_.erase(best);
      if (auto old = by_source_.find(row->source);
          old != by_source_.end() && old->second == row->key)
        by_source_.erase(old);
      row->source = fresh.source;
      by_source_[fresh.source] = row->key;
    }
  }
  bool is_new = false;
  if (!row) {
    row = &NewArticle(fresh, now);
    is_new = true;
  }
  ArticleIdentity& r = *row;
  const ArticleIdentity before = r;
  r.present = true;
  if (fresh.explicit_id && r.id != fresh.id) {
    r.id = fresh.id;
    ids_.insert(r.id);
  }
  if (fresh.explicit_date) {
    r.published = fresh.published;
    r.published_nanos = fresh.published_nanos;
  }
  if (!is_new && r.content_hash != fresh.content_hash) {
    r.content_hash = fresh.content_hash;
    // An edit is dated by the file's time, never earlier than the publication.
    const feed::Timestamp& edited =
        fresh.stated_update.seconds != 0 ? fresh.stated_update : fresh.file_time;
    r.updated = edited.seconds > r.published.seconds ? edited : r.published;
    r.changed = NextChange(r.changed, now);
  }
  if (r.updated.seconds < r.published.seconds) r.updated = r.published;
  r.draft = fresh.draft;
  ClaimSlug(&r, fresh.slug);
  if (auto freed = freed_slugs_.find(r.slug); freed != freed_slugs_.end() && r.slug != before.slug) {
    r.changed = std::max(r.changed, NextChange(freed->second, now));
    freed_slugs_.erase(freed);
  }
  if (!is_new && (r.slug != before.slug || r.id != before.id || !(r.published == before.published)))
    r.changed = NextChange(r.changed, now);
  const bool differs = is_new || r.source != before.source || r.id != before.id ||
                       r.slug != before.slug || r.slug_base != before.slug_base ||
                       r.content_hash != before.content_hash || !(r.published == before.published) ||
                       r.published_nanos != before.published_nanos ||
                       !(r.updated == before.updated) || r.changed != before.changed ||
                       r.present != before.present || r.draft != before.draft;
  if (differs) Dirty(r.key);
  return r;
}

bool IdentityStore::MarkAbsent(const std::string& source) {
  auto it = by_source_.find(source);
  if (it == by_source_.end()) return false;
  ArticleIdentity& r = rows_.at(it->second);
  if (!r.present) return false;
  r.present = false;
  ReleaseSlug(r);
  absent_by_hash_.emplace(r.content_hash, r.key);
  Dirty(r.key);
  return true;
}

const ArticleIdentity* IdentityStore::Find(const std::string& source) const {
  auto it = by_source_.find(source);
  if (it == by_source_.end()) return nullptr;
  const ArticleIdentity& r = rows_.at(it->second);
  return r.present ? &r : nullptr;
}

std::vector<const ArticleIdentity*> IdentityStore::Present() const {
  std::vector<const ArticleIdentity*> out;
  out.reserve(rows_.size());
  for (const auto& [key, r] : rows_) {
    if (r.present) out.push_back(&r);
  }
  return out;
}

std::optional<ResourceStamp> IdentityStore::FindStamp(const std::string& path) const {
  auto it = stamps_.find(path);
  if (it == stamps_.end()) return std::nullopt;
  return it->second;
}

void IdentityStore::SetStamp(const std::string& path, ResourceStamp stamp) {
  auto [it, added] = stamps_.try_emplace(path, stamp);
  if (!added) {
    if (it->second.etag == stamp.etag && it->second.last_changed == stamp.last_changed) return;
    it->second = std::move(stamp);
  }
  dirty_stamps_.insert(path);
}

void IdentityStore::DropStamp(const std::string& path) {
  if (stamps_.erase(path)) dirty_stamps_.insert(path);
}

std::string IdentityStore::Meta(const std::string& key) const {
  auto it = meta_.find(key);
  return it == meta_.end() ? std::string() : it->second;
}

void IdentityStore::SetMeta(const std::string& key, std::string value) {
  auto [it, added] = meta_.try_emplace(key, value);
  if (!added) {
    if (it->second == value) return;
    it->second = std::move(value);
  }
  dirty_meta_.insert(key);
}

std::optional<CachedParse> IdentityStore::FindParse(const std::string& source) {
  if (path_.empty()) return std::nullopt;
  if (auto it = pending_parses_.find(source); it != pending_parses_.end()) return it->second;
  if (!db_) return std::nullopt;
  if (!find_parse_ &&
      sqlite3_prepare_v2(db_,
                         "SELECT size, mtime_ns, content_hash, blob FROM parse_cache "
                         "WHERE source = ?1",
                         -1, &find_parse_, nullptr) != SQLITE_OK) {
    find_parse_ = nullptr;
    return std::nullopt;
  }
  sqlite3_stmt* st = find_parse_;
  sqlite3_bind_text(st, 1, source.data(), static_cast<int>(source.size()), SQLITE_TRANSIENT);
  std::optional<CachedParse> out;
  if (sqlite3_step(st) == SQLITE_ROW) {
    CachedParse p;
    p.size = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
    p.mtime_ns = sqlite3_column_int64(st, 1);
    p.content_hash = Text(st, 2);
    const void* blob = sqlite3_column_blob(st, 3);
    p.blob.assign(static_cast<const char*>(blob),
                  blob ? static_cast<size_t>(sqlite3_column_bytes(st, 3)) : 0);
    out = std::move(p);
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return out;
}

void IdentityStore::PutParse(const std::string& source, CachedParse parse) {
  if (path_.empty()) return;
  pending_parse_bytes_ += parse.blob.size() + source.size() + 64;
  pending_parses_[source] = std::move(parse);
}

void IdentityStore::DropParse(const std::string& source) {
  if (!path_.empty()) pending_parses_[source] = std::nullopt;
}

bool IdentityStore::WriteAll(std::string* err) {
  if (!Exec("BEGIN IMMEDIATE", err)) return false;
  Statement put(db_,
                "INSERT OR REPLACE INTO identities VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                "?10, ?11, ?12, ?13, ?14, ?15)");
  Statement put_stamp(db_, "INSERT OR REPLACE INTO stamps VALUES (?1, ?2, ?3)");
  Statement drop_stamp(db_, "DELETE FROM stamps WHERE path = ?1");
  Statement put_meta(db_, "INSERT OR REPLACE INTO meta VALUES (?1, ?2)");
  bool ok = put && put_stamp && drop_stamp && put_meta;
  std::vector<int64_t> keys(dirty_rows_.begin(), dirty_rows_.end());
  std::vector<std::string> stamp_paths(dirty_stamps_.begin(), dirty_stamps_.end());
  std::vector<std::string> meta_keys(dirty_meta_.begin(), dirty_meta_.end());
  if (full_write_pending_) {
    ok = ok && Exec("DELETE FROM identities; DELETE FROM stamps; DELETE FROM meta;", err);
    keys.clear();
    for (const auto& [key, r] : rows_) keys.push_back(key);
    stamp_paths.clear();
    for (const auto& [path, s] : stamps_) stamp_paths.push_back(path);
    meta_keys.clear();
    for (const auto& [key, v] : meta_) meta_keys.push_back(key);
  }
  for (int64_t key : keys) {
    if (!ok) break;
    const ArticleIdentity& r = rows_.at(key);
    put.Bind(1, r.key);
    put.Bind(2, r.source);
    put.Bind(3, r.id);
    put.Bind(4, r.slug);
    put.Bind(5, r.slug_base);
    put.Bind(6, r.content_hash);
    put.Bind(7, r.published.seconds);
    put.Bind(8, int64_t{r.published.offset_minutes});
    put.Bind(9, int64_t{r.published_nanos});
    put.Bind(10, r.updated.seconds);
    put.Bind(11, int64_t{r.updated.offset_minutes});
    put.Bind(12, r.arrival);
    put.Bind(13, r.changed);
    put.Bind(14, int64_t{r.present ? 1 : 0});
    put.Bind(15, int64_t{r.draft ? 1 : 0});
    ok = put.Run();
  }
  for (const std::string& path : stamp_paths) {
    if (!ok) break;
    auto it = stamps_.find(path);
    if (it == stamps_.end()) {
      drop_stamp.Bind(1, path);
      ok = drop_stamp.Run();
      continue;
    }
    put_stamp.Bind(1, path);
    put_stamp.Bind(2, it->second.etag);
    put_stamp.Bind(3, it->second.last_changed);
    ok = put_stamp.Run();
  }
  for (const std::string& key : meta_keys) {
    if (!ok) break;
    put_meta.Bind(1, key);
    put_meta.Bind(2, meta_.at(key));
    ok = put_meta.Run();
  }
  if (ok) ok = WriteParses(err);
  if (!ok && err->empty()) *err = sqlite3_errmsg(db_);
  if (!ok) {
    std::string ignored;
    Exec("ROLLBACK", &ignored);
    return false;
  }
  return Exec("COMMIT", err);
}

bool IdentityStore::WriteParses(std::string* err) {
  Statement put_parse(db_, "INSERT OR REPLACE INTO parse_cache VALUES (?1, ?2, ?3, ?4, ?5)");
  Statement drop_parse(db_, "DELETE FROM parse_cache WHERE source = ?1");
  bool ok = put_parse && drop_parse;
  for (const auto& [source, parse] : pending_parses_) {
    if (!ok) break;
    if (!parse) {
      drop_parse.Bind(1, source);
      ok = drop_parse.Run();
      continue;
    }
    put_parse.Bind(1, source);
    put_parse.Bind(2, static_cast<int64_t>(parse->size));
    put_parse.Bind(3, parse->mtime_ns);
    put_parse.Bind(4, parse->content_hash);
    sqlite3_bind_blob(put_parse.get(), 5, parse->blob.data(), static_cast<int>(parse->blob.size()),
                      SQLITE_TRANSIENT);
    ok = put_parse.Run();
  }
  if (!ok && err->empty()) *err = sqlite3_errmsg(db_);
  return ok;
}

bool IdentityStore::FlushParses(std::string* err) {
  if (pending_parses_.empty()) return true;
  err->clear();
  bool ok = db_ != nullptr && Exec("BEGIN IMMEDIATE", err);
  if (ok) ok = WriteParses(err);
  if (ok) {
    ok = Exec("COMMIT", err);
  } else if (db_) {
    std::string ignored;
    Exec("ROLLBACK", &ignored);
  }
  if (!ok && err->empty()) *err = "the state is not open";
  pending_parses_.clear();  // written, or dropped: only a cache
  pending_parse_bytes_ = 0;
  return ok;
}

bool IdentityStore::Flush(std::string* err) {
  dating_by_articles_ = false;  // the first build is out: what arrives now appears now
  if (path_.empty()) {
    dirty_rows_.clear();
    dirty_stamps_.clear();
    dirty_meta_.clear();
    return true;
  }
  if (dirty_rows_.empty() && dirty_stamps_.empty() && dirty_meta_.empty() &&
      pending_parses_.empty() && !full_write_pending_)
    return true;
  err->clear();
  bool ok = db_ != nullptr || TryReopen(err);
  if (ok) ok = WriteAll(err);
  if (!ok) {
    if (err->empty()) *err = "cannot write the state";
    if (err->rfind(path_, 0) != 0) *err = path_ + ": " + *err;
    healthy_ = false;
    last_error_ = *err;
    full_write_pending_ = true;  // what is in memory is written whole next time
    pending_parses_.clear();     // only a cache: not kept in memory while the disk is away
    pending_parse_bytes_ = 0;
    // Reopen next time: after a full disk or a lost folder the handle may be stale.
    sqlite3_finalize(find_parse_);
    find_parse_ = nullptr;
    if (db_) {
      sqlite3_close(db_);
      db_ = nullptr;
    }
    return false;
  }
  dirty_rows_.clear();
  dirty_stamps_.clear();
  dirty_meta_.clear();
  pending_parses_.clear();
  pending_parse_bytes_ = 0;
  full_write_pending_ = false;
  healthy_ = true;
  last_error_.clear();
  return true;
}

}  // namespace feedd::daemon
