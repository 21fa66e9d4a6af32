// What feedd remembers about every article it has published, so that an id and a
// published date, once given, never change: across restarts, `touch`, copies that
// change the file time, edits, renames and moves within the folder, and a delete
// followed by a restore. Kept in SQLite (state.db in the state folder, or in memory
// without one), written in one transaction per batch of changes.
//
// Not thread-safe: one owner, the ingest thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "feed/dates.h"

namespace feedd::daemon {

// The stable facts of one article.
struct ArticleState {
  std::string source;        // path relative to the input folder, now
  std::string id;            // as first published (or the article's explicit id)
  std::string content_hash;  // of the file's bytes
  feed::Timestamp published;
  feed::Timestamp updated;
  bool present = true;       // false: deleted or moved away; remembered for a return
};

class StateStore {
 public:
  StateStore() = default;
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Opens (creating) state_dir/state.db, or an in-memory store for an empty
  // state_dir. Returns false with *err set when the file cannot be opened; the
  // store then works in memory and Flush() keeps trying to reach the file.
  bool Open(const std::string& state_dir, std::string* err) { return Open(state_dir, "state.db", err); }
  // The same with another file name in state_dir (one per feed of a daemon).
  bool Open(const std::string& state_dir, const std::string& file, std::string* err);

  // The state for a file that was read: its remembered state when the path is
  // known; else, when its content matches an article that disappeared (a rename,
  // a move, a restore), that article's state under the new path; else a new state
  // from `fresh`. An explicit id or date in `fresh` always wins; a changed content
  // hash moves `updated` to `fresh.updated`, never `published`.
  ArticleState Resolve(const ArticleState& fresh, bool explicit_id, bool explicit_date);

  // The file is gone: its state is kept for a return, marked absent.
  void MarkAbsent(const std::string& source);
  // After a full scan: every file not in `present` is gone.
  void MarkAbsentExcept(const std::set<std::string>& present);

  // Writes the changes since the last Flush in one transaction. On failure (a
  // read-only or full disk) returns false and sets *err; the changes stay pending
  // and the next Flush writes everything again.
  bool Flush(std::string* err);

  bool healthy() const { return healthy_; }
  const std::string& last_error() const { return last_error_; }
  size_t size() const { return states_.size(); }

 private:
  bool Exec(const char* sql, std::string* err);
  bool Load(std::string* err);
  bool WriteAll(std::string* err);
  bool TryReopen(std::string* err);

  sqlite3* db_ = nullptr;
  std::string path_;  // empty: in memory only
  std::map<std::string, ArticleState> states_;  // by source
  std::vector<std::string> dirty_;              // sources changed since the last Flush
  bool full_write_pending_ = false;
  bool healthy_ = true;
  std::string last_error_;
};

}  // namespace feedd::daemon
