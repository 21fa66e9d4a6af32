#include "daemon/store/identity_store.h"

#include <algorithm>
#include <filesystem>

namespace feedd::daemon {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS articles (
  source TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  published INTEGER NOT NULL,
  published_offset INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  updated_offset INTEGER NOT NULL,
  present INTEGER NOT NULL
);
)sql";

std::string Message(sqlite3* db, int rc) {
  return db ? std::string(sqlite3_errmsg(db)) : std::string(sqlite3_errstr(rc));
}

}  // namespace

StateStore::~StateStore() {
  if (db_) sqlite3_close(db_);
}

bool StateStore::Exec(const char* sql, std::string* err) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    *err = msg ? msg : "unknown SQLite error";
    sqlite3_free(msg);
    return false;
  }
  return true;
}

bool StateStore::Open(const std::string& state_dir, const std::string& file, std::string* err) {
  path_ = state_dir.empty() ? "" : (std::filesystem::path(state_dir) / file).string();
  if (path_.empty()) return true;  // in memory: nothing to open
  if (!TryReopen(err)) {
    healthy_ = false;
    last_error_ = *err;
    full_write_pending_ = true;
    return false;
  }
  return true;
}

bool StateStore::TryReopen(std::string* err) {
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

bool StateStore::Load(std::string* err) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT source, id, content_hash, published, published_offset, updated, "
                         "updated_offset, present FROM articles",
                         -1, &st, nullptr) != SQLITE_OK) {
    *err = sqlite3_errmsg(db_);
    return false;
  }
  std::map<std::string, ArticleState> loaded;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    auto text = [&](int col) {
      const unsigned char* t = sqlite3_column_text(st, col);
      return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
    };
    ArticleState s;
    s.source = text(0);
    s.id = text(1);
    s.content_hash = text(2);
    s.published = {sqlite3_column_int64(st, 3), sqlite3_column_int(st, 4)};
    s.updated = {sqlite3_column_int64(st, 5), sqlite3_column_int(st, 6)};
    s.present = sqlite3_column_int(st, 7) != 0;
    loaded[s.source] = std::move(s);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    *err = sqlite3_errmsg(db_);
    return false;
  }
  // What is in memory (from a time the file could not be reached) wins over the file.
  for (auto& [source, s] : loaded) states_.emplace(source, std::move(s));
  return true;
}

ArticleState StateStore::Resolve(const ArticleState& fresh, bool explicit_id, bool explicit_date) {
  ArticleState s;
  auto known = states_.find(fresh.source);
  if (known != states_.end()) {
    s = known->second;
  } else {
    // A file that disappeared with the same content: renamed, moved, or restored
    // under another name. The first such (by old path) keeps its identity.
    auto match = std::find_if(states_.begin(), states_.end(), [&](const auto& entry) {
      return !entry.second.present && entry.second.content_hash == fresh.content_hash;
    });
    if (match != states_.end()) {
      s = match->second;
      dirty_.push_back(match->first);  // the old path's row goes
      states_.erase(match);
    } else {
      s = fresh;
      s.updated = fresh.published;
      // An id is never given to two articles, nor again to a new article after its
      // first owner was deleted: readers would take the new one for the old.
      if (!explicit_id) {
        const std::string base = s.id;
        for (int n = 2; std::any_of(states_.begin(), states_.end(),
                                    [&](const auto& e) { return e.second.id == s.id; });
             ++n) {
          s.id = base + "-" + std::to_string(n);
        }
      }
    }
  }
  const bool changed = s.content_hash != fresh.content_hash;
  s.source = fresh.source;
  s.present = true;
  if (explicit_id) s.id = fresh.id;
  if (explicit_date) s.published = fresh.published;
  if (changed) {
    s.content_hash = fresh.content_hash;
    // An edit is dated by the file's time, never earlier than the publication.
    s.updated = fresh.updated.seconds > s.published.seconds ? fresh.updated : s.published;
  }
  if (s.updated.seconds < s.published.seconds) s.updated = s.published;
  auto& slot = states_[s.source];
  const bool differs = slot.source != s.source || slot.id != s.id ||
                       slot.content_hash != s.content_hash || !(slot.published == s.published) ||
                       !(slot.updated == s.updated) || slot.present != s.present;
  slot = s;
  if (differs) dirty_.push_back(s.source);
  return s;
}

void StateStore::MarkAbsentExcept(const std::set<std::string>& present) {
  for (auto& [source, s] : states_) {
    if (s.present && !present.count(source)) {
      s.present = false;
      dirty_.push_back(source);
    }
  }
}

void StateStore::MarkAbsent(const std::string& source) {
  auto it = states_.find(source);
  if (it == states_.end() || !it->second.present) return;
  it->second.present = false;
  dirty_.push_back(source);
}

bool StateStore::WriteAll(std::string* err) {
  if (!Exec("BEGIN IMMEDIATE", err)) return false;
  sqlite3_stmt* del = nullptr;
  sqlite3_stmt* put = nullptr;
  bool ok = sqlite3_prepare_v2(db_, "DELETE FROM articles WHERE source = ?1", -1, &del, nullptr) ==
                SQLITE_OK &&
            sqlite3_prepare_v2(db_,
                               "INSERT OR REPLACE INTO articles VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                               -1, &put, nullptr) == SQLITE_OK;
  std::vector<std::string> sources = dirty_;
  if (full_write_pending_) {
    ok = ok && Exec("DELETE FROM articles", err);
    sources.clear();
    for (const auto& [source, s] : states_) sources.push_back(source);
  }
  for (const std::string& source : sources) {
    if (!ok) break;
    auto it = states_.find(source);
    if (it == states_.end()) {  // adopted under a new path: the old row goes
      sqlite3_bind_text(del, 1, source.c_str(), -1, SQLITE_TRANSIENT);
      ok = sqlite3_step(del) == SQLITE_DONE;
      sqlite3_reset(del);
      continue;
    }
    const ArticleState& s = it->second;
    sqlite3_bind_text(put, 1, s.source.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(put, 2, s.id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(put, 3, s.content_hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(put, 4, s.published.seconds);
    sqlite3_bind_int(put, 5, s.published.offset_minutes);
    sqlite3_bind_int64(put, 6, s.updated.seconds);
    sqlite3_bind_int(put, 7, s.updated.offset_minutes);
    sqlite3_bind_int(put, 8, s.present ? 1 : 0);
    ok = sqlite3_step(put) == SQLITE_DONE;
    sqlite3_reset(put);
  }
  if (!ok && err->empty()) *err = sqlite3_errmsg(db_);
  sqlite3_finalize(del);
  sqlite3_finalize(put);
  if (!ok) {
    std::string ignored;
    Exec("ROLLBACK", &ignored);
    return false;
  }
  return Exec("COMMIT", err);
}

bool StateStore::Flush(std::string* err) {
  if (path_.empty()) {
    dirty_.clear();
    return true;
  }
  if (dirty_.empty() && !full_write_pending_) return true;
  err->clear();
  bool ok = db_ != nullptr || TryReopen(err);
  if (ok) ok = WriteAll(err);
  if (!ok) {
    if (err->empty()) *err = "cannot write the state";
    if (err->rfind(path_, 0) != 0) *err = path_ + ": " + *err;
    healthy_ = false;
    last_error_ = *err;
    full_write_pending_ = true;  // what is in memory is written whole next time
    // Reopen next time: after a full disk or a lost folder the handle may be stale.
    if (db_) {
      sqlite3_close(db_);
      db_ = nullptr;
    }
    return false;
  }
  dirty_.clear();
  full_write_pending_ = false;
  healthy_ = true;
  last_error_.clear();
  return true;
}

}  // namespace feedd::daemon
