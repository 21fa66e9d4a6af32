// The complete site as files, for a static server or a CDN: every path a snapshot
// serves, byte for byte, with its gzip twin and its brotli twin (for the hot
// resources, once made: the bytes feedd sends). `P` for paths with a file extension (rss.xml, categories/x/atom.xml,
// archive/1/atom.xml), `P/index.html` for pages (articles/SLUG/index.html,
// page/2/index.html), `index.html` for "/". Every file and twin has the resource's
// last-changed time as its modification time, so a static server's Last-Modified
// is feedd's. Files are replaced atomically through a FileBatch (file_io.h:
// hidden temporary, one syncfs per batch, rename), in an order where what is
// linked to (media, pages) lands before what links to it (feeds, "/"); files of
// paths no longer served are removed after. The media files (served at
// /media/PATH) are copied from the input folder to media/PATH, each only when its
// version changed (a copy already there with the same size and modification time
// is kept, so a restart copies nothing), with the source's time.
//
// The daemon's output_dir and `feedd render --output` both write through it: one
// pipeline, the same bytes.
//
// Not thread-safe: one owner calls Write.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "daemon/publish/file_io.h"
#include "daemon/publish/snapshot.h"

namespace feedd::daemon {

class SiteWriter {
 public:
  explicit SiteWriter(std::string output_dir);

  // Brings the folder to `snap`: writes what changed since the last Write (on the
  // first, what differs from the files already there), removes what is gone.
  // Returns false with *err (the first failure) when something could not be
  // written; what was written stays, and the next Write tries the rest again.
  bool Write(const Snapshot& snap, std::string* err);

  // Whether a hot resource's brotli twin was not made yet when it was written: a
  // later Write adds the .br file.
  bool waiting_for_twins() const { return waiting_for_twins_; }

  // The file a served path is written to, relative to the folder; empty for a path
  // that cannot be a file name ("..", empty segments).
  static std::string FileFor(const std::string& path);

 private:
  // What was written for one path: the identity ETag, and whether its .br is there.
  struct Written {
    std::string etag;
    bool brotli = false;
    int64_t mtime = 0;  // the resource's last change, the files' modification time
  };
  bool Put(const std::string& path, const Resource& res, std::string* err);
  // Writes `data` to `p` through the batch with modification time `mtime_s`; on the
  // first Write, a file already holding exactly it is kept (its time set).
  bool PutFile(const std::filesystem::path& p, std::string_view data, int64_t mtime_s,
               std::string* err);
  // Copies media file `rel` of `snap` to media/REL unless that copy is current.
  bool PutMedia(const std::string& root, const std::string& rel, const MediaFile& f, std::string* err);
  // Brings media/ to `snap.media`: copies what changed, removes what is gone.
  void SyncMedia(const Snapshot& snap, const std::function<void(const std::string&)>& fail);
  void Remove(const std::string& path);

  std::filesystem::path dir_;
  FileBatch batch_;  // every file goes through it; committed at the end of each Write
  bool first_ = true;
  bool waiting_for_twins_ = false;
  std::map<std::string, Written> written_;  // by served path
  std::map<std::string, uint64_t> article_versions_;  // by slug: the version written
  std::map<std::string, std::string> feed_signatures_;  // by path: the FeedSpec written
  std::map<std::string, MediaFile> media_written_;  // by path in the input folder
  int64_t listing_written_ = -1;
  size_t index_pages_written_ = 0;
};

// The daemon's output_dir: a SiteWriter on a thread of its own, so writing
// thousands of pages never delays publication. It writes the newest snapshot it was
// offered (older ones it had no time for are skipped), looks again every second
// while brotli twins are missing or a write failed, and logs a failure once.
// Thread-safe.
class SiteWriterThread {
 public:
  explicit SiteWriterThread(std::string output_dir);
  ~SiteWriterThread();  // finishes the write in progress, skips the rest
  void Offer(std::shared_ptr<const Snapshot> snap);

 private:
  void Run();

  SiteWriter writer_;  // used by the thread only
  std::mutex mu_;
  std::condition_variable wake_;
  std::shared_ptr<const Snapshot> next_;  // guarded by mu_
  bool stop_ = false;                     // guarded by mu_
  std::thread thread_;                    // last: starts when the rest is ready
};

}  // namespace feedd::daemon
