#include "daemon/publish/site_writer.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "daemon/publish/file_io.h"
#include "daemon/publish/page_cache.h"
#include "daemon/publish/resource.h"
#include "watcher/scan.h"

namespace feedd::daemon {
namespace fs = std::filesystem;

namespace {

// The file's bytes, or nullopt when it cannot be read.
std::optional<std::string> ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

int64_t MtimeSeconds(const struct stat& st) { return static_cast<int64_t>(st.st_mtim.tv_sec); }

// Whether `p` already holds exactly `data`, with modification time `mtime_s` (0:
// any); a file with the right bytes and another time gets the time.
bool AlreadyThere(const fs::path& p, std::string_view data, int64_t mtime_s) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) != data.size())
    return false;
  std::optional<std::string> old = ReadAll(p);
  if (!old || *old != data) return false;
  if (mtime_s > 0 && MtimeSeconds(st) != mtime_s) {
    const timespec times[2] = {{mtime_s, 0}, {mtime_s, 0}};
    if (::utimensat(AT_FDCWD, p.c_str(), times, 0) != 0) return false;
  }
  return true;
}

bool IsOurs(const fs::path& rel) {
  const std::string name = rel.filename().string();
  for (const char* ext : {".xml", ".json", ".html"}) {
    for (const char* twin : {"", ".gz", ".br"}) {
      const std::string end = std::string(ext) + twin;
      if (name.size() >= end.size() && name.compare(name.size() - end.size(), end.size(), end) == 0)
        return true;
    }
  }
  return false;
}

}  // namespace

SiteWriter::SiteWriter(std::string output_dir)
    : dir_(std::move(output_dir)), batch_(dir_.string()) {}

std::string SiteWriter::FileFor(const std::string& path) {
  if (path.empty() || path[0] != '/') return {};
  if (path == "/") return "index.html";
  std::string rel = path.substr(1);
  // Every segment a plain name: no "", ".", ".." (a path from the snapshot never has
  // them; this keeps a mistake from writing outside the folder).
  size_t at = 0;
  while (at <= rel.size()) {
    const size_t end = std::min(rel.find('/', at), rel.size());
    const std::string_view seg(rel.data() + at, end - at);
    if (seg.empty() || seg == "." || seg == "..") return {};
    at = end + 1;
  }
  const size_t slash = rel.rfind('/');
  const std::string last = slash == std::string::npos ? rel : rel.substr(slash + 1);
  if (last.find('.') != std::string::npos) return rel;
  return rel + "/index.html";
}

bool SiteWriter::PutFile(const fs::path& p, std::string_view data, int64_t mtime_s,
                         std::string* err) {
  if (first_ && AlreadyThere(p, data, mtime_s)) return true;  // from an earlier run
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  if (ec) {
    *err = p.parent_path().string() + ": " + ec.message();
    return false;
  }
  return batch_.Write(p.string(), data, mtime_s, err);
}

bool SiteWriter::Put(const std::string& path, const Resource& res, std::string* err) {
  const std::string rel = FileFor(path);
  if (rel.empty()) return true;
  const fs::path file = dir_ / rel;
  const fs::path br_file = file.string() + ".br";
  // Each file's time is the resource's last change, so a static server's
  // Last-Modified is feedd's; 0 (none sent): the time of writing.
  const int64_t mtime = res.last_modified;
  const auto old = written_.find(path);
  const bool same = old != written_.end() && old->second.etag == res.identity.etag &&
                    old->second.mtime == mtime;
  // The brotli twin: made with the resource (cold ones) or a little later (the hot
  // ones: written then).
  const Representation* br = res.brotli();
  if (!br && res.brotli_expected) waiting_for_twins_ = true;
  if (same && (old->second.brotli || !br)) return true;
  if (!same) {
    if (!PutFile(file, res.identity.body, mtime, err)) return false;
    if (!res.gzip.body.empty() && !PutFile(fs::path(file.string() + ".gz"), res.gzip.body, mtime, err))
      return false;
  }
  const bool have_br = br != nullptr;
  if (br) {
    if (!PutFile(br_file, br->body, mtime, err)) return false;
  } else {
    std::error_code ec;
    fs::remove(br_file, ec);  // an old twin of other bytes; the new one comes later
  }
  written_[path] = {res.identity.etag, have_br, mtime};
  return true;
}

bool SiteWriter::PutMedia(const std::string& root, const std::string& rel, const MediaFile& f,
                          std::string* err) {
  const fs::path dest = dir_ / "media" / rel;
  struct stat have {};
  if (::stat(dest.c_str(), &have) == 0 && S_ISREG(have.st_mode) &&
      static_cast<uint64_t>(have.st_size) == f.size &&
      int64_t{have.st_mtim.tv_sec} * 1'000'000'000 + have.st_mtim.tv_nsec == f.mtime_ns)
    return true;  // copied before, by this run or an earlier one
  watcher::ReadError read_error;
  const std::optional<watcher::OpenedFile> src = watcher::OpenFileBeneath(root, rel, &read_error);
  if (!src) {
    // Gone since the snapshot was made: the next snapshot drops it.
    if (read_error.kind == watcher::ReadErrorKind::kGone) return true;
    *err = rel + ": " + read_error.message;
    return false;
  }
  std::error_code ec;
  fs::create_directories(dest.parent_path(), ec);
  const std::string tmp = FileBatch::TempFor(dest.string());
  const int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = out >= 0;
  std::string why = ok ? "" : std::strerror(errno);
  // In the kernel, from file to file: never through this process's memory (a
  // 300 MB episode costs no buffer), reflinked where the file system can.
  for (uint64_t done = 0; ok && done < src->size;) {
    const ssize_t n = ::copy_file_range(src->fd, nullptr, out, nullptr, src->size - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) why = std::strerror(errno);
      ok = n == 0;  // the source got shorter while copying: what there is
      break;
    }
    done += static_cast<uint64_t>(n);
  }
  const timespec times[2] = {{0, UTIME_OMIT}, {src->mtime_ns / 1'000'000'000, src->mtime_ns % 1'000'000'000}};
  if (ok && ::futimens(out, times) != 0) why = std::strerror(errno), ok = false;
  if (out >= 0 && ::close(out) != 0 && ok) why = std::strerror(errno), ok = false;
  ::close(src->fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    *err = dest.string() + ": " + why;
    return false;
  }
  return batch_.Stage(tmp, dest.string(), err);
}

void SiteWriter::SyncMedia(const Snapshot& snap, const std::function<void(const std::string&)>& fail) {
  std::map<std::string, MediaFile> written;
  for (const auto& [rel, f] : snap.media) {
    auto old = media_written_.find(rel);
    if (old != media_written_.end() && old->second == *f) {
      written.emplace(rel, *f);
      continue;
    }
    std::string e;
    if (PutMedia(snap.media_root, rel, *f, &e)) {
      written.emplace(rel, *f);
    } else {
      fail(e);
    }
  }
  std::error_code ec;
  for (const auto& [rel, f] : media_written_) {
    if (!snap.media.Find(rel)) fs::remove(dir_ / "media" / rel, ec);
  }
  if (first_) {
    // Copies of an earlier run that the folder does not hold now.
    std::vector<fs::path> stale;
    const fs::path media = dir_ / "media";
    for (auto it = fs::recursive_directory_iterator(media, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      // The batch's temporaries are not copies: they are renamed at its commit.
      if (it->is_regular_file(ec) && !FileBatch::IsTemp(it->path().filename().string()) &&
          !snap.media.Find(it->path().lexically_relative(media).string()))
        stale.push_back(it->path());
    }
    for (const fs::path& p : stale) fs::remove(p, ec);
  }
  media_written_ = std::move(written);
}

void SiteWriter::Remove(const std::string& path) {
  written_.erase(path);
  const std::string rel = FileFor(path);
  if (rel.empty()) return;
  const fs::path file = dir_ / rel;
  std::error_code ec;
  for (const char* twin : {"", ".gz", ".br"}) fs::remove(fs::path(file.string() + twin), ec);
  // A page's folder (articles/SLUG/) goes with it when empty.
  if (file.filename() == "index.html" && rel != "index.html") fs::remove(file.parent_path(), ec);
}

bool SiteWriter::Write(const Snapshot& snap, std::string* err) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) {
    *err = dir_.string() + ": " + (ec ? ec.message() : "not a folder");
    return false;
  }
  waiting_for_twins_ = false;
  bool ok = true;
  std::string first_err;
  auto put = [&](const std::string& path, const Resource& res) {
    std::string e;
    if (!Put(path, res, &e)) {
      if (ok) first_err = e;
      ok = false;
      return false;
    }
    return true;
  };
  // The files in the order they are renamed into place: media, article pages,
  // later index pages, category, tag and archive feeds, then the main feeds and "/".
  SyncMedia(snap, [&](const std::string& e) {
    if (ok) first_err = e;
    ok = false;
  });
  std::set<std::string> served;
  // Article pages: rendered (through the page cache) only when new or changed.
  std::map<std::string, uint64_t> versions;
  for (const auto& [slug, pub] : snap.articles) {
    const std::string path = "/articles/" + slug;
    served.insert(path);
    versions.emplace(slug, pub->version);
    auto old = article_versions_.find(slug);
    if (old != article_versions_.end() && old->second == pub->version) continue;
    if (ResourcePtr res = snap.Find(path); res && put(path, *res)) continue;
    versions.erase(slug);  // not written: try again next time
  }
  // The index's later pages: all of them move when the list changes.
  const size_t page_size = snap.pages ? snap.pages->index_page_size() : 0;
  const size_t pages = page_size == 0 ? 1 : (snap.order.size() + page_size - 1) / page_size;
  for (size_t n = 2; n <= pages; ++n) {
    const std::string path = PageCache::IndexPath(n);
    served.insert(path);
    if (snap.listing_changed == listing_written_ && n <= index_pages_written_) continue;
    if (ResourcePtr res = snap.Find(path)) put(path, *res);
  }
  // Category, tag and archive feeds: rendered (through the page cache) only when
  // their signature moved.
  for (const auto& [path, spec] : snap.feeds) {
    served.insert(path);
    if (auto old = feed_signatures_.find(path);
        old != feed_signatures_.end() && old->second == spec->signature + "@" + std::to_string(spec->last_changed))
      continue;
    if (ResourcePtr res = snap.Find(path); res && put(path, *res))
      feed_signatures_[path] = spec->signature + "@" + std::to_string(spec->last_changed);
  }
  // Last, the rendered resources: the feeds, "/" (what links to the rest).
  for (const auto& [path, res] : snap.resources) {
    served.insert(path);
    put(path, *res);
  }
  // Everything new in place (durable, then renamed, in this order: what is linked to
  // before what links to it) before anything is removed: a reader of the folder
  // never follows a new feed's link to a page not written yet.
  std::string commit_err;
  const bool committed = batch_.Commit(&commit_err);
  if (batch_.TakeFailed()) {
    // This commit, or one a full batch made on the way, failed: what was staged is
    // not known to be there. Forget what was written, and look at the files on disk
    // again next time (as on a first Write).
    *err = committed ? first_err : commit_err;
    written_.clear();
    article_versions_.clear();
    feed_signatures_.clear();
    media_written_.clear();
    listing_written_ = -1;
    index_pages_written_ = 0;
    first_ = true;
    return false;
  }
  // What is no longer served.
  std::vector<std::string> gone;
  for (const auto& [path, w] : written_) {
    if (!served.count(path)) gone.push_back(path);
  }
  for (const std::string& path : gone) {
    Remove(path);
    feed_signatures_.erase(path);
  }
  if (first_) {
    // Files of an earlier run that nothing serves now (an article deleted while
    // feedd was stopped).
    std::set<std::string> files;
    for (const std::string& path : served) files.insert(FileFor(path));
    std::vector<fs::path> stale;
    for (auto it = fs::recursive_directory_iterator(dir_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      const fs::path rel = it->path().lexically_relative(dir_);
      if (FileBatch::IsTemp(rel.filename().string())) {  // a write cut short by a crash
        stale.push_back(it->path());
        continue;
      }
      if (!IsOurs(rel)) continue;
      std::string base = rel.string();
      for (const char* twin : {".gz", ".br"}) {
        const std::string t(twin);
        if (base.size() > t.size() && base.compare(base.size() - t.size(), t.size(), t) == 0)
          base.resize(base.size() - t.size());
      }
      if (!files.count(base)) stale.push_back(it->path());
    }
    for (const fs::path& p : stale) {
      fs::remove(p, ec);
      if (p.filename() == "index.html") fs::remove(p.parent_path(), ec);
    }
  }
  article_versions_ = std::move(versions);
  if (ok) {
    listing_written_ = snap.listing_changed;
    index_pages_written_ = pages;
    first_ = false;
  } else {
    *err = first_err;
  }
  return ok;
}

SiteWriterThread::SiteWriterThread(std::string output_dir)
    : writer_(std::move(output_dir)), thread_([this] { Run(); }) {}

SiteWriterThread::~SiteWriterThread() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SiteWriterThread::Offer(std::shared_ptr<const Snapshot> snap) {
  {
    std::lock_guard lock(mu_);
    next_ = std::move(snap);
  }
  wake_.notify_all();
}

void SiteWriterThread::Run() {
  std::shared_ptr<const Snapshot> current;
  std::string last_error;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      // A new snapshot, or (while twins are missing or a write failed) another look soon.
      const bool again = current && (writer_.waiting_for_twins() || !last_error.empty());
      if (again) {
        wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_ || next_; });
      } else {
        wake_.wait(lock, [&] { return stop_ || next_; });
      }
      if (stop_) return;
      if (next_) current = std::move(next_);
    }
    std::string err;
    if (writer_.Write(*current, &err)) {
      if (!last_error.empty()) spdlog::info("output folder written again");
      last_error.clear();
    } else if (err != last_error) {
      spdlog::warn("cannot write the output folder: {}; retrying", err);
      last_error = err;
    }
  }
}

}  // namespace feedd::daemon
