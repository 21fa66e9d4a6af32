#include "daemon/publish/publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <ctime>
#include <filesystem>
#include <future>
#include <span>
#include <unordered_set>

#include "daemon/ingest/parse_worker.h"
#include "daemon/publish/page_cache.h"
#include "daemon/publish/resource.h"
#include "feed/content_hash.h"
#include "feed/feed_size.h"
#include "feed/feed_writer.h"
#include "feed/json_feed_writer.h"
#include "feed/media.h"
#include "feed/pages.h"
#include "feed/slug.h"
#include "watcher/scan.h"

namespace feedd::daemon {
namespace {

constexpr int64_t kNanos = 1000000000;
constexpr size_t kLoadGroup = 256;                // files read and taken at a time
constexpr size_t kParseCacheFlush = 8 << 20;      // parse cache bytes kept before a write
constexpr const char* kArchiveBoundsKey = "archive_bounds";
constexpr const char* kChannelKey = "channel";
constexpr const char* kChannelChangedKey = "channel_changed";
constexpr const char* kListingChangedKey = "listing_changed";
constexpr const char* kListingSumKey = "listing_sum";

int64_t Now() { return std::time(nullptr); }

int64_t Int(const char* text) { return static_cast<int64_t>(std::strtoll(text, nullptr, 10)); }

std::string ArchivePath(size_t k) { return "/archive/" + std::to_string(k) + "/atom.xml"; }

std::string EncodeBounds(const std::vector<OrderKey>& bounds) {
  std::string out;
  for (const OrderKey& b : bounds)
    out += std::to_string(b.published_ns) + ":" + std::to_string(b.arrival) + "\n";
  return out;
}

std::vector<OrderKey> DecodeBounds(const std::string& text) {
  std::vector<OrderKey> out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end == std::string::npos ? end : end - at);
    at = end == std::string::npos ? text.size() : end + 1;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    try {
      out.push_back({std::stoll(line.substr(0, colon)), std::stoll(line.substr(colon + 1))});
    } catch (const std::exception&) {
      return {};  // a damaged value: the pages are cut again from the articles
    }
  }
  return out;
}

// What the index pages show of one article, as a number; their sum over the listed
// articles changes when any of it does, in O(1) per change and whatever the order.
uint64_t ListingHash(const PublishedArticle& p, const OrderKey& key) {
  const feed::Article& a = p.article;
  const std::string h = feed::ContentHash(
      a.id + '\n' + a.slug + '\n' + a.title + '\n' + a.author + '\n' + a.category + '\n' +
      a.summary + '\n' + a.language + (a.right_to_left ? "\nrtl\n" : "\nltr\n") +
      std::to_string(a.published.seconds) + ':' + std::to_string(a.published.offset_minutes) +
      '\n' + std::to_string(key.published_ns) + ':' + std::to_string(key.arrival));
  return std::stoull(h.substr(0, 16), nullptr, 16);
}

// Everything a feed shows of an article, as a hash: a feed whose items' digests and
// settings are unchanged is unchanged. `content` is the hash of its content.
std::string Digest(const feed::Article& a, const std::string& content) {
  std::string all;
  all.reserve(a.summary.size() + 512);
  for (const std::string* f : {&a.id, &a.link, &a.slug, &a.title, &a.author, &a.author_bio,
                               &a.category, &a.summary, &a.language, &a.via, &content}) {
    all += *f;
    all += '\0';
  }
  for (const std::string& t : a.tags) {
    all += t;
    all += '\1';
  }
  all += std::to_string(a.published.seconds) + ":" + std::to_string(a.published.offset_minutes) +
         "/" + std::to_string(a.updated.seconds) + ":" +
         std::to_string(a.updated.offset_minutes) + (a.right_to_left ? "r" : "l") +
         (a.explicit_id ? "i" : "-");
  for (const feed::Media* m : {&a.image, &a.enclosure})
    all += '\2' + m->url + '\0' + m->type + '\0' + std::to_string(m->length);
  if (a.enclosure.duration_seconds > 0) all += "\4" + std::to_string(a.enclosure.duration_seconds);
  const feed::Episode& e = a.episode;
  all += '\3' + std::to_string(e.duration_seconds) + ':' + std::to_string(e.number) + ':' +
         std::to_string(e.season) + ':' + e.type + ':' + std::to_string(e.explicit_content);
  return feed::ContentHash(all);
}

// A parse-cache entry: the article without its content (as the parse worker's wire
// format has it), and the content compressed with its hash, so a warm start neither
// parses nor compresses.
constexpr std::string_view kCacheMagic = "feedd-cache-5\n";  // 5: media and episode fields

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool GetU32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  *v = 0;
  for (int i = 0; i < 4; ++i) *v |= uint32_t{static_cast<unsigned char>((*in)[i])} << (8 * i);
  in->remove_prefix(4);
  return true;
}

bool GetBytes(std::string_view* in, std::string* out) {
  uint32_t n = 0;
  if (!GetU32(in, &n) || in->size() < n) return false;
  out->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}

std::string EncodeCached(const feed::Article& meta, const Prepared& content) {
  std::string out(kCacheMagic);
  PutU32(&out, content.size);
  PutU32(&out, static_cast<uint32_t>(content.z.size()));
  out += content.z;
  PutU32(&out, static_cast<uint32_t>(content.hash.size()));
  out += content.hash;
  ParseResult keep;
  keep.outcome = ParseOutcome::kParsed;
  keep.article = meta;
  out += EncodeParseResult(keep);
  return out;
}

bool DecodeCached(std::string_view in, feed::Article* meta, Prepared* content) {
  if (in.substr(0, kCacheMagic.size()) != kCacheMagic) return false;
  in.remove_prefix(kCacheMagic.size());
  ParseResult parsed;
  if (!GetU32(&in, &content->size) || !GetBytes(&in, &content->z) ||
      !GetBytes(&in, &content->hash) || !DecodeParseResult(in, &parsed) || !parsed.article)
    return false;
  *meta = *std::move(parsed.article);
  return true;
}

// WebSub discovery (RFC 8288 and WebSub 4): the hub and the feed's own URL; none
// without a hub.
std::string HubLink(const std::string& hub, const std::string& topic) {
  return hub.empty() ? std::string()
                     : "Link: <" + hub + ">; rel=\"hub\", <" + topic + ">; rel=\"self\"\r\n";
}

// What of a podcast's settings the feeds show ("" when it is off, so a state from
// before podcasts keeps its signature).
std::string PodcastSignature(const feed::PodcastChannel& p) {
  if (!p.enabled) return {};
  std::string s = "\npodcast\n" + p.image_url + "\n" + p.owner_name + "\n" + p.owner_email + "\n" +
                  p.type + "\n" + p.author + "\n" + p.guid + "\n" + (p.explicit_content ? "e" : "-") +
                  (p.locked ? "l" : "-");
  for (const auto& [category, subcategory] : p.categories) s += "\n" + category + ">" + subcategory;
  return s;
}

// Oldest first, the order archive pages are cut in.
bool Older(const OrderKey& a, const OrderKey& b) { return NewestFirst()(b, a); }

}  // namespace

Publisher::Publisher(PublisherOptions options, IdentityStore* store)
    : options_(std::move(options)), store_(store) {
  Reconfigure(options_);
}

Publisher::~Publisher() {
  if (options_.ingest.metrics)
    options_.ingest.metrics->AddUnreadableFolders(-static_cast<int64_t>(unreadable_.size()));
}

std::string Publisher::ChannelSignature() const {
  const feed::Channel& c = options_.channel;
  return feed::ContentHash(c.base_url + "\n" + c.title + "\n" + c.description + "\n" +
                           c.language + "\n" + c.author + "\n" + std::to_string(c.limit) + "\n" +
                           c.hub + "\n" + c.generator_version + "\n" +
                           std::to_string(options_.cache_max_age) + "\n" +
                           std::to_string(options_.index_page_size) + PodcastSignature(c.podcast));
}

void Publisher::Reconfigure(PublisherOptions options) {
  const bool reread = options.ingest.input_dir != options_.ingest.input_dir ||
                      options.ingest.base_url != options_.ingest.base_url ||
                      options.ingest.max_article_bytes != options_.ingest.max_article_bytes ||
                      options.ingest.max_content_bytes != options_.ingest.max_content_bytes;
  options_ = std::move(options);
  media_.SetRoot(options_.ingest.input_dir);
  // Refused files are read again after any reload: a raised limit or parse budget
  // may let them in.
  rejected_.clear();
  cover_warned_ = false;
  if (reread) {
    entries_.clear();
    media_users_.clear();
    durations_.clear();
    order_ = {};
    by_slug_ = {};
    scheduled_.clear();
    groups_.clear();
    listing_sum_ = 0;
  }
  needs_setup_ = true;  // the store is read at the next Rescan, Apply or Build
}

void Publisher::Setup() {
  if (!needs_setup_) return;
  needs_setup_ = false;
  // The pages show the channel: when its settings change, every page changes, and
  // Last-Modified of each moves (kept in the store, so a restart agrees).
  const int64_t now = Now();
  const std::string signature = ChannelSignature();
  int64_t channel_changed = Int(store_->Meta(kChannelChangedKey).c_str());
  if (store_->Meta(kChannelKey) != signature) {
    // A fresh state has no earlier settings: its pages date from their articles.
    if (!store_->Meta(kChannelKey).empty()) channel_changed = NextChange(channel_changed, now);
    store_->SetMeta(kChannelKey, signature);
    store_->SetMeta(kChannelChangedKey, std::to_string(channel_changed));
  }
  listing_changed_ = std::max(channel_changed, Int(store_->Meta(kListingChangedKey).c_str()));
  archive_bounds_ = DecodeBounds(store_->Meta(kArchiveBoundsKey));
  pages_ = std::make_shared<PageCache>(options_.channel, options_.cache_max_age,
                                       options_.index_page_size, options_.page_cache_bytes,
                                       channel_changed);
  // Everything is rendered again at the next Build (what did not change keeps its
  // stamp, so its bytes and Last-Modified stay).
  resources_ = {};
  feeds_ = {};
  for (const auto& [path, g] : groups_) dirty_groups_.insert(path);
  for (size_t k = 1; k <= archive_bounds_.size(); ++k) dirty_archives_.insert(k);
  main_dirty_ = true;
  listing_dirty_ = true;
}

// --- Reading the folder -------------------------------------------------------

bool Publisher::Apply(const std::vector<watcher::Event>& events) {
  Setup();
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
  // instant) is recognized by its content and keeps its id. Arrivals keep the
  // order of their events: that is their arrival order.
  std::map<std::string, const watcher::Event*> last;
  std::vector<std::string> order;
  for (const watcher::Event& e : events) {
    auto [it, added] = last.try_emplace(e.path, &e);
    if (added) {
      order.push_back(e.path);
    } else {
      it->second = &e;
      // Arrival is the last event's place: move it to the end.
      order.erase(std::find(order.begin(), order.end(), e.path));
      order.push_back(e.path);
    }
  }
  bool changed = false;
  for (const std::string& path : order) {
    const watcher::EventKind kind = last[path]->kind;
    if (kind == watcher::EventKind::kRemoved) {
      changed |= MediaIndex::IsMediaPath(path) ? media_.Remove(path) : Forget(path);
    }
    if (kind == watcher::EventKind::kRemovedDir) {
      changed |= media_.RemoveUnder(path);
      changed |= ForgetUnder(path);
    }
  }
  std::vector<LoadRequest> arrived;
  for (const std::string& path : order) {
    // Seen only by a listing (not by its writer's close), it may be incomplete.
    const watcher::Event& e = *last[path];
    if (e.kind != watcher::EventKind::kChanged) continue;
    if (MediaIndex::IsMediaPath(path)) {
      changed |= media_.Refresh(path);  // never parsed: its length, type and time
    } else {
      arrived.push_back({path, {}, !e.listed});
    }
  }
  changed |= LoadAll(std::move(arrived));
  changed |= RefreshMediaUsers();
  return changed;
}

bool Publisher::RetryWaiting() {
  std::vector<LoadRequest> again;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [path, w] : waiting_) {
    LoadRequest r{path, {}, false};
    // Unchanged for the settle window by this clock: settled, whatever its time says.
    if (now - w.since >= std::chrono::nanoseconds(options_.ingest.settle_ns)) {
      r.unchanged_since_mtime_ns = w.mtime_ns;
      r.unchanged_since_size = w.size;
    }
    again.push_back(std::move(r));
  }
  return LoadAll(std::move(again));
}

void Publisher::AwaitWaiting() {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + std::chrono::nanoseconds(options_.ingest.settle_ns) +
                     std::chrono::milliseconds(200);
  const std::atomic<bool>* cancel = options_.ingest.cancel;
  while (!waiting_.empty() && Clock::now() < until && !(cancel && cancel->load())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    RetryWaiting();
  }
}

void Publisher::NoteUnreadable(std::set<std::string> folders) {
  for (const std::string& f : folders) {
    if (!unreadable_.count(f))
      spdlog::warn("cannot read the folder {}/{}; skipping it, and what it held stays published",
                   options_.ingest.input_dir, f);
  }
  for (const std::string& f : unreadable_) {
    if (!folders.count(f)) spdlog::info("the folder {}/{} is readable again", options_.ingest.input_dir, f);
  }
  if (options_.ingest.metrics)
    options_.ingest.metrics->AddUnreadableFolders(static_cast<int64_t>(folders.size()) -
                                                  static_cast<int64_t>(unreadable_.size()));
  unreadable_ = std::move(folders);
}

bool Publisher::Rescan() {
  Setup();
  std::string err;
  std::optional<watcher::Listing> listing =
      watcher::ScanDirectory(options_.ingest.input_dir, &err, "", options_.ingest.progress);
  if (!listing) {
    spdlog::warn("cannot scan the input folder {}; serving the articles already read", err);
    return false;
  }
  std::set<std::string> unreadable;
  for (const watcher::ScanProblem& p : listing->problems) {
    if (p.kind == watcher::ScanProblemKind::kUnreadableFolder) {
      unreadable.insert(p.relative_path);  // one warning each, in NoteUnreadable
      continue;
    }
    if (!outside_warned_.insert(p.relative_path).second) continue;  // said once
    spdlog::warn("skipping {}: {}", p.relative_path, p.message);
    if (options_.ingest.metrics) options_.ingest.metrics->CountSkip(SkipReason::kOutsideLink);
  }
  NoteUnreadable(std::move(unreadable));
  bool changed = media_.Reconcile(*listing);
  const std::vector<watcher::ScanEntry>* entries = &listing->files;
  std::unordered_set<std::string_view> present;  // views into *entries
  present.reserve(entries->size());
  for (const watcher::ScanEntry& e : *entries) present.insert(e.relative_path);
  // Gone: not listed, in a folder that was listed. What an unreadable folder held
  // is not known, so it stays as it was.
  auto gone_now = [&](const std::string& path) {
    return !present.count(path) && listing->Covers(path);
  };
  // Files that are gone first: a file renamed while feedd was not running is then
  // found again by its content and keeps its id and date.
  std::vector<std::string> gone;
  for (const auto& [path, entry] : entries_) {
    if (gone_now(path)) gone.push_back(path);
  }
  for (const std::string& path : gone) changed |= Forget(path);
  for (const ArticleIdentity* id : store_->Present()) {
    if (gone_now(id->source)) gone.push_back(id->source);
  }
  for (const std::string& path : gone) store_->MarkAbsent(path);
  // New files and files whose size or time changed, oldest first: the order they
  // were written in is their arrival order.
  std::vector<const watcher::ScanEntry*> stale;
  for (const watcher::ScanEntry& e : *entries) {
    if (MediaIndex::IsMediaPath(e.relative_path)) continue;  // in media_, never parsed
    auto it = entries_.find(e.relative_path);
    if (it != entries_.end() && it->second.mtime_ns == e.mtime_ns && it->second.size == e.size)
      continue;
    // Refused before and not changed since: its one warning was given.
    auto bad = rejected_.find(e.relative_path);
    if (bad != rejected_.end() && bad->second.first == e.mtime_ns && bad->second.second == e.size)
      continue;
    stale.push_back(&e);
  }
  std::stable_sort(stale.begin(), stale.end(), [](const auto* a, const auto* b) {
    return a->mtime_ns != b->mtime_ns ? a->mtime_ns < b->mtime_ns
                                      : a->relative_path < b->relative_path;
  });
  PrefetchDurations();
  // The parse cache answers for files whose size and time it knows; the rest are read.
  const int64_t now = Now();
  std::vector<LoadRequest> batch;
  auto flush_batch = [&] {
    changed |= LoadAll(std::move(batch));
    batch.clear();
    std::string err;
    if (store_->pending_parse_bytes() > kParseCacheFlush && !store_->FlushParses(&err))
      spdlog::debug("parse cache not written now: {}", err);
  };
  const std::atomic<bool>* cancel = options_.ingest.cancel;
  for (const watcher::ScanEntry* e : stale) {
    if (cancel && cancel->load()) return changed;  // stopping: the rest stays unread
    if (options_.ingest.progress) options_.ingest.progress->fetch_add(1, std::memory_order_relaxed);
    // Bounded memory on a cold start: files are read and taken in groups, and the
    // parse cache's new entries are written out as they pile up.
    if (batch.size() >= kLoadGroup) flush_batch();
    std::optional<CachedParse> cached =
        entries_.count(e->relative_path) ? std::nullopt : store_->FindParse(e->relative_path);
    feed::Article meta;
    Prepared content;
    if (cached && cached->size == e->size && cached->mtime_ns == e->mtime_ns &&
        DecodeCached(cached->blob, &meta, &content)) {
      if (!batch.empty()) flush_batch();  // arrivals stay in time order
      LoadResult r;
      r.status = LoadStatus::kLoaded;
      r.article = std::move(meta);
      r.mtime_ns = e->mtime_ns;
      r.mtime_seconds = e->mtime_ns / kNanos;
      r.size = e->size;
      r.content_hash = cached->content_hash;
      changed |= Take(e->relative_path, std::move(r), now, &content);
      continue;
    }
    batch.push_back({e->relative_path, {}, false});  // seen by a listing: maybe still open
  }
  if (!batch.empty()) flush_batch();
  changed |= RefreshMediaUsers();
  CheckCover();
  return changed;
}

void Publisher::CheckCover() {
  const feed::PodcastChannel& p = options_.channel.podcast;
  if (!p.enabled || p.image_path.empty() || cover_warned_ || media_.Find(p.image_path)) return;
  spdlog::warn("podcast.image {} is not in the input folder {}: podcast apps show no cover art "
               "until it is", p.image_path, options_.ingest.input_dir);
  cover_warned_ = true;
}

bool Publisher::LoadAll(std::vector<LoadRequest> requests) {
  if (requests.empty()) return false;
  // A file whose bytes are the ones already published (touched, copied with a new
  // time) is read and hashed but not parsed again.
  std::vector<std::string> paths;
  paths.reserve(requests.size());
  for (LoadRequest& r : requests) {
    auto it = entries_.find(r.relative_path);
    r.known_hash = it == entries_.end() ? std::string() : it->second.content_hash;
    paths.push_back(r.relative_path);
  }
  std::vector<LoadResult> results = LoadArticles(options_.ingest, requests);
  const int64_t now = Now();
  bool changed = false;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (results[i].status != LoadStatus::kLoaded) {
      changed |= Take(paths[i], std::move(results[i]), now, nullptr);
      continue;
    }
    // The content compressed once, here; the cache keeps it that way.
    Prepared content = Prepare(&*results[i].article);
    if (store_->parse_cache_enabled()) {
      store_->PutParse(paths[i], {results[i].size, results[i].mtime_ns, results[i].content_hash,
                                  EncodeCached(*results[i].article, content)});
    }
    changed |= Take(paths[i], std::move(results[i]), now, &content);
  }
  return changed;
}

bool Publisher::Take(const std::string& path, LoadResult r, int64_t now, Prepared* content) {
  if (r.status == LoadStatus::kIncomplete) {
    // Still being written: what was published stays; it is read again on its
    // writer's close, or by the next retry.
    auto [it, added] = waiting_.try_emplace(path);
    if (added || it->second.mtime_ns != r.mtime_ns || it->second.size != r.size)
      it->second = {std::chrono::steady_clock::now(), r.mtime_ns, r.size};
    return false;
  }
  if (r.status != LoadStatus::kCancelled) waiting_.erase(path);
  if (r.status == LoadStatus::kFailed && r.mtime_ns != 0) {
    rejected_[path] = {r.mtime_ns, r.size};
  } else if (r.status != LoadStatus::kCancelled) {
    rejected_.erase(path);
  }
  switch (r.status) {
    case LoadStatus::kIncomplete:
      return false;
    case LoadStatus::kLoaded:
      break;
    case LoadStatus::kUnchanged:
      if (auto it = entries_.find(path); it != entries_.end()) {
        it->second.mtime_ns = r.mtime_ns;  // touched, not changed
        it->second.size = r.size;
      }
      return false;
    case LoadStatus::kDraft:
      // draft: true on a live article takes it out of every feed and page at once;
      // its identity stays, so publishing it again brings back its id and date.
      store_->DropParse(path);
      return Unpublish(path, r);
    case LoadStatus::kGone:
    case LoadStatus::kNotArticle:
      store_->DropParse(path);
      return Forget(path);
    case LoadStatus::kFailed:
    case LoadStatus::kCancelled:
      return false;  // the last good version, if any, stays published
  }
  feed::Article& a = *r.article;
  FreshArticle fresh;
  fresh.source = path;
  fresh.id = a.id;
  fresh.slug = a.slug;
  fresh.content_hash = r.content_hash;
  fresh.published = a.published;
  // The sub-second part of the file's time orders articles written in one second.
  fresh.published_nanos = a.explicit_date ? 0 : static_cast<int32_t>(r.mtime_ns % kNanos);
  fresh.file_time = feed::Timestamp{r.mtime_seconds, 0};
  if (a.updated.seconds > a.published.seconds) fresh.stated_update = a.updated;  // dateModified
  fresh.explicit_id = a.explicit_id;
  fresh.explicit_date = a.explicit_date;
  const ArticleIdentity& id = store_->Resolve(fresh, now);

  auto existing = entries_.find(path);
  if (existing != entries_.end()) {
    Entry& e = existing->second;
    const feed::Article& old = e.pub->article;
    if (e.content_hash == r.content_hash && old.id == id.id && old.slug == id.slug &&
        old.published == id.published && old.updated == id.updated && !e.draft) {
      e.mtime_ns = r.mtime_ns;  // touched, not changed
      e.size = r.size;
      return false;
    }
  }
  if (id.slug != a.slug)
    spdlog::warn("{}: slug \"{}\" is taken; published as \"{}\"", path, a.slug, id.slug);
  a.slug = id.slug;
  a.link = options_.channel.base_url + "/articles/" + feed::PercentEncode(id.slug);
  a.id = id.id;
  a.published = id.published;
  a.updated = id.updated;
  const feed::Media image_ref = a.image, enclosure_ref = a.enclosure;
  ResolveMedia(path, image_ref, enclosure_ref, &a.image, &a.enclosure, true);
  auto pub = std::make_shared<PublishedArticle>();
  Prepared prepared = content ? std::move(*content) : Prepare(&a);
  pub->digest = Digest(a, prepared.hash);
  pub->content_z = std::move(prepared.z);
  pub->content_size = prepared.size;
  pub->article = *std::move(r.article);
  pub->changed = id.changed;
  pub->version = next_version_++;

  if (existing != entries_.end()) {
    Unlist(existing->second);
    scheduled_.erase({existing->second.pub->article.published.seconds, path});
  }
  Entry& e = entries_[path];
  DropMediaUser(path, e);
  e.refs = image_ref.empty() && enclosure_ref.empty()
               ? nullptr
               : std::make_unique<const Entry::MediaRefs>(Entry::MediaRefs{image_ref, enclosure_ref});
  for (const feed::Media* m : {&image_ref, &enclosure_ref}) {
    if (!m->path.empty()) media_users_[m->path].insert(path);
  }
  e.pub = std::move(pub);
  e.order = {id.published.seconds * kNanos + id.published_nanos, id.arrival};
  e.mtime_ns = r.mtime_ns;
  e.size = r.size;
  e.content_hash = r.content_hash;
  e.draft = id.draft;
  const feed::Article& published = e.pub->article;
  if (published.explicit_date && published.published.seconds > now) {
    spdlog::info("{} is scheduled for {}; it stays out of the feeds until then", path,
                 feed::FormatRfc3339(published.published));
    scheduled_.emplace(published.published.seconds, path);
  } else {
    List(e);
  }
  return true;
}

bool Publisher::Unpublish(const std::string& path, const LoadResult& r) {
  if (const ArticleIdentity* known = store_->Find(path)) {
    FreshArticle fresh;
    fresh.source = path;
    fresh.id = known->id;
    fresh.slug = known->slug_base;
    fresh.content_hash = known->content_hash;  // its published bytes stay its identity
    fresh.published = known->published;
    fresh.published_nanos = known->published_nanos;
    fresh.file_time = feed::Timestamp{r.mtime_seconds, 0};
    fresh.draft = true;
    store_->Resolve(fresh, Now());
  }
  return RemoveEntry(path);
}

bool Publisher::Forget(const std::string& path) {
  waiting_.erase(path);
  rejected_.erase(path);
  store_->MarkAbsent(path);
  return RemoveEntry(path);
}

bool Publisher::RemoveEntry(const std::string& path) {
  auto it = entries_.find(path);
  if (it == entries_.end()) return false;
  DropMediaUser(path, it->second);
  Unlist(it->second);
  scheduled_.erase({it->second.pub->article.published.seconds, path});
  entries_.erase(it);
  return true;
}

bool Publisher::ForgetUnder(const std::string& folder) {
  const std::string prefix = folder + "/";
  std::vector<std::string> paths;
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    paths.push_back(it->first);
  for (const std::string& p : paths) Forget(p);
  for (auto it = waiting_.lower_bound(prefix);
       it != waiting_.end() && it->first.compare(0, prefix.size(), prefix) == 0;)
    it = waiting_.erase(it);
  std::erase_if(rejected_, [&](const auto& r) { return r.first.compare(0, prefix.size(), prefix) == 0; });
  return !paths.empty();
}

// --- Media the articles show -----------------------------------------------------

namespace {

// The media kinds an article's own name finds, in this order ("story.md" with
// "story.mp3" and "story.jpg").
constexpr std::string_view kEnclosureExts[] = {"mp3", "m4a", "aac",  "ogg", "oga", "opus", "flac",
                                               "wav", "mp4", "m4v", "webm", "mov", "pdf"};
constexpr std::string_view kImageExts[] = {"jpg", "jpeg", "png", "webp", "avif", "gif"};
constexpr std::string_view kArticleExts[] = {"txt", "md", "markdown", "html", "htm"};

std::string Stem(const std::string& path) {
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  return dot == std::string::npos || (slash != std::string::npos && dot < slash) ? path
                                                                                 : path.substr(0, dot);
}

}  // namespace

void Publisher::ResolveMedia(const std::string& source, const feed::Media& image_ref,
                             const feed::Media& enclosure_ref, feed::Media* image,
                             feed::Media* enclosure, bool warn) {
  // A file of the index: its URL, type and length (the duration is read below).
  auto local = [&](const std::string& path, const MediaFile& f) {
    return feed::Media{path, options_.channel.base_url + feed::MediaUrlPath(path), f.type, f.size, 0};
  };
  auto resolve = [&](const feed::Media& ref, const char* what) {
    if (ref.path.empty()) return ref;  // a URL, or none
    const MediaFile* f = media_.Find(ref.path);
    if (!f) {
      if (warn)
        spdlog::warn("{}: {} {} is not in the input folder; the item is published without it",
                     source, what, ref.path);
      return feed::Media{};
    }
    return local(ref.path, *f);
  };
  auto own_name = [&](std::span<const std::string_view> exts) {
    const std::string stem = Stem(source);
    for (std::string_view ext : exts) {
      const std::string p = stem + "." + std::string(ext);
      if (const MediaFile* f = media_.Find(p)) return local(p, *f);
    }
    return feed::Media{};
  };
  *image = image_ref.empty() ? own_name(kImageExts) : resolve(image_ref, "image");
  *enclosure = enclosure_ref.empty() ? own_name(kEnclosureExts) : resolve(enclosure_ref, "enclosure");
  if (!enclosure->path.empty() && (enclosure->type.starts_with("audio/") || enclosure->type.starts_with("video/")))
    if (const MediaFile* f = media_.Find(enclosure->path))
      enclosure->duration_seconds = DurationOf(enclosure->path, *f);
}

void Publisher::PrefetchDurations() {
  std::vector<std::string> paths;
  std::vector<MediaFile> files;
  for (const auto& [path, f] : media_.files()) {
    if (!f->type.starts_with("audio/") && !f->type.starts_with("video/")) continue;
    auto it = durations_.find(path);
    if (it != durations_.end() && it->second.file == *f) continue;
    paths.push_back(path);
    files.push_back(*f);
  }
  if (paths.empty()) return;
  const std::vector<int64_t> seconds = ProbeMediaDurations(options_.ingest, paths);
  for (size_t i = 0; i < paths.size(); ++i) durations_[paths[i]] = {files[i], seconds[i]};
}

int64_t Publisher::DurationOf(const std::string& path, const MediaFile& file) {
  auto it = durations_.find(path);
  if (it != durations_.end() && it->second.file == file) return it->second.seconds;
  const int64_t seconds = ProbeMediaDuration(options_.ingest, path);
  durations_[path] = {file, seconds};
  return seconds;
}

void Publisher::DropMediaUser(const std::string& source, const Entry& e) {
  for (const feed::Media* m : {&e.image_ref(), &e.enclosure_ref()}) {
    if (m->path.empty()) continue;
    auto users = media_users_.find(m->path);
    if (users != media_users_.end() && users->second.erase(source) && users->second.empty())
      media_users_.erase(users);
  }
}

bool Publisher::RefreshMediaUsers() {
  const std::set<std::string> changed = media_.TakeChanged();
  if (changed.empty()) return false;
  for (const std::string& m : changed)
    if (!media_.Find(m)) durations_.erase(m);
  std::set<std::string> sources;
  for (const std::string& m : changed) {
    if (auto it = media_users_.find(m); it != media_users_.end())
      sources.insert(it->second.begin(), it->second.end());
    const std::string stem = Stem(m);
    for (std::string_view ext : kArticleExts) {
      const std::string p = stem + "." + std::string(ext);
      if (entries_.count(p)) sources.insert(p);
    }
  }
  bool any = false;
  for (const std::string& source : sources) {
    auto it = entries_.find(source);
    if (it == entries_.end()) continue;
    Entry& e = it->second;
    feed::Media image, enclosure;
    ResolveMedia(source, e.image_ref(), e.enclosure_ref(), &image, &enclosure, false);
    if (image == e.pub->article.image && enclosure == e.pub->article.enclosure) continue;
    if (!e.enclosure_ref().path.empty() && enclosure.empty())
      spdlog::warn("{}: enclosure {} is gone; the item is published without it", source,
                   e.enclosure_ref().path);
    auto pub = std::make_shared<PublishedArticle>(*e.pub);
    pub->article.image = std::move(image);
    pub->article.enclosure = std::move(enclosure);
    // The content's hash again (rare: a media file of the article changed), from the
    // compressed content, rather than 65 bytes kept for every article.
    pub->digest = Digest(pub->article, feed::ContentHash(Full(*e.pub).content_html));
    pub->version = next_version_++;
    const bool was_listed = e.listed;
    Unlist(e);
    e.pub = std::move(pub);
    if (was_listed) List(e);
    any = true;
  }
  return any;
}

// --- What a change touches ------------------------------------------------------

void Publisher::List(const Entry& e) {
  if (e.listed || e.draft) return;
  const_cast<Entry&>(e).listed = true;
  order_ = order_.Set(e.order, e.pub);
  by_slug_ = by_slug_.Set(e.pub->article.slug, e.pub);
  listing_sum_ += ListingHash(*e.pub, e.order);
  TouchGroups(e.pub->article, e.order, &e.pub);
  TouchArchive(e.order);
  main_dirty_ = listing_dirty_ = true;
}

void Publisher::Unlist(const Entry& e) {
  if (!e.listed) return;
  const_cast<Entry&>(e).listed = false;
  order_ = order_.Erase(e.order);
  listing_sum_ -= ListingHash(*e.pub, e.order);
  if (const ArticlePtr* cur = by_slug_.Find(e.pub->article.slug); cur && *cur == e.pub)
    by_slug_ = by_slug_.Erase(e.pub->article.slug);
  TouchGroups(e.pub->article, e.order, nullptr);
  TouchArchive(e.order);
  main_dirty_ = listing_dirty_ = true;
}

void Publisher::TouchGroups(const feed::Article& a, const OrderKey& key, const ArticlePtr* add) {
  // Names that make the same slug ("World", "world") share a feed.
  auto touch = [&](const char* kind, const std::string& name) {
    // The path of each name, worked out once (a cold start asks for it 500,000 times).
    auto [memo, added] = group_paths_.try_emplace(std::string(kind) + '\0' + name);
    if (added) {
      const std::string slug = feed::Slugify(name);
      if (!slug.empty()) memo->second = "/" + std::string(kind) + "/" + slug;
    }
    const std::string& path = memo->second;
    if (path.empty()) return;
    if (add) {
      Group& g = groups_[path];
      if (g.name.empty()) g.name = name;
      g.members[key] = *add;
    } else {
      auto it = groups_.find(path);
      if (it == groups_.end()) return;
      it->second.members.erase(key);
    }
    dirty_groups_.insert(path);
  };
  if (!a.category.empty()) touch("categories", a.category);
  for (const std::string& t : a.tags) touch("tags", t);
}

size_t Publisher::ArchivePageOf(const OrderKey& key) const {
  // Page k holds the articles after page k-1's newest, up to its own newest.
  auto it = std::lower_bound(archive_bounds_.begin(), archive_bounds_.end(), key, Older);
  return it == archive_bounds_.end() ? 0 : static_cast<size_t>(it - archive_bounds_.begin()) + 1;
}

void Publisher::TouchArchive(const OrderKey& key) {
  if (size_t k = ArchivePageOf(key)) dirty_archives_.insert(k);
}

// --- Building -----------------------------------------------------------------

void Publisher::SetResource(const std::string& path, ResourcePtr res) {
  const ResourcePtr* cur = resources_.Find(path);
  if (cur && *cur == res) return;
  resources_ = resources_.Set(path, std::move(res));
}

Publisher::Plan Publisher::PlanStamp(const std::string& path, const std::string& signature,
                                     int64_t first, int64_t now, const std::string& topic) {
  // Whether the bytes change is told by `signature` (what the resource shows, known
  // before rendering it, or the body's hash). A resource never made before starts
  // at the newest date it shows (so a fresh state renders the same folder to the
  // same bytes), else now; each change after moves it (NextChange).
  Plan plan;
  const std::optional<ResourceStamp> stamp = store_->FindStamp(path);
  plan.changed = stamp ? stamp->last_changed : (first > 0 ? first : now);
  if (stamp && stamp->etag == signature) {
    const ResourcePtr* current = resources_.Find(path);
    if (current && (*current)->last_modified == plan.changed) plan.current = current;
    return plan;
  }
  if (stamp) plan.changed = NextChange(stamp->last_changed, now);
  store_->SetStamp(path, {signature, plan.changed});
  if (!topic.empty()) changed_topics_.push_back(topic);
  return plan;
}

void Publisher::LogCut(const std::string& url, std::string cut) {
  auto [it, added] = feed_cuts_.try_emplace(url);
  if (!cut.empty() && it->second != cut) spdlog::warn("{}: {}", url, cut);
  if (cut.empty()) {
    feed_cuts_.erase(it);
  } else {
    it->second = std::move(cut);
  }
}

void Publisher::CutArchivePages() {
  // RFC 5005: the articles oldest first, in pages of `limit`. A page's bounds are
  // fixed once it is cut (and kept in the store), so a change touches only the page
  // it falls in: a back-dated article joins the page of its date, a deleted one
  // leaves a page one shorter, and the pages after it do not shift.
  const size_t page_size = std::max<size_t>(1, options_.channel.limit);
  bool cut = false;
  for (;;) {
    // Articles newer than the newest archived one.
    const size_t tail = archive_bounds_.empty() ? order_.size() : order_.Rank(archive_bounds_.back());
    if (tail < page_size) break;
    // The newest of the `page_size` oldest in the tail bounds the new page.
    archive_bounds_.push_back(order_.At(tail - page_size).first);
    dirty_archives_.insert(archive_bounds_.size());
    // The page before it now links it (next-archive) and becomes final.
    if (archive_bounds_.size() > 1) dirty_archives_.insert(archive_bounds_.size() - 1);
    cut = true;
  }
  if (cut) {
    store_->SetMeta(kArchiveBoundsKey, EncodeBounds(archive_bounds_));
    main_dirty_ = true;  // the Atom feed links the newest page
  }
}

void Publisher::SetFeed(const std::string& path, FeedSpec spec, int64_t now, int64_t first,
                        const std::string& topic) {
  // The signature stands for the bytes: what it shows and how. A new signature
  // moves the last-changed time (never back, never the same second twice).
  std::string what = ChannelSignature() + "\n" + std::to_string(static_cast<int>(spec.format)) +
                     "\n" + spec.channel.title + "\n" + spec.channel.path + "\n" +
                     spec.channel.feed_id + "\n" + spec.channel.history.current + "\n" +
                     spec.channel.history.prev_archive + "\n" +
                     spec.channel.history.next_archive + "\n" + spec.cache_control + "\n" +
                     std::to_string(spec.max_bytes) + "\n";
  for (const ArticlePtr& a : *spec.items) what += a->digest + "\n";
  spec.signature = feed::ContentHash(what);
  const std::optional<ResourceStamp> stamp = store_->FindStamp(path);
  int64_t changed = stamp ? stamp->last_changed : (first > 0 ? first : now);
  if (!stamp || stamp->etag != spec.signature) {
    if (stamp) changed = NextChange(stamp->last_changed, now);
    store_->SetStamp(path, {spec.signature, changed});
    if (!topic.empty()) changed_topics_.push_back(topic);
  }
  spec.last_changed = changed;
  spec.channel.updated = changed;
  if (const FeedSpecPtr* cur = feeds_.Find(path);
      cur && (*cur)->signature == spec.signature && (*cur)->last_changed == changed)
    return;  // the same feed: the cache keeps serving its bytes
  feeds_ = feeds_.Set(path, std::make_shared<const FeedSpec>(std::move(spec)));
}

void Publisher::DropFeed(const std::string& path) {
  // The stamp stays: if the path is served again, its Last-Modified goes on from
  // there and never back to a time a client already holds.
  feeds_ = feeds_.Erase(path);
}

void Publisher::RenderArchives(int64_t now) {
  const feed::Channel& channel = options_.channel;
  const size_t pages = archive_bounds_.size();
  auto url = [&](size_t k) { return channel.base_url + ArchivePath(k); };
  for (size_t k : dirty_archives_) {
    if (k == 0 || k > pages) continue;
    auto items = std::make_shared<std::vector<ArticlePtr>>();
    const auto stop = k > 1 ? order_.LowerBound(archive_bounds_[k - 2]) : order_.end();
    for (auto it = order_.LowerBound(archive_bounds_[k - 1]); it != stop; ++it)
      items->push_back(it->second);
    FeedSpec spec;
    spec.format = FeedSpec::Format::kAtom;
    spec.channel = channel;
    spec.channel.path = "/archive/" + std::to_string(k);
    spec.channel.feed_id = channel.base_url + "/";
    spec.channel.history.is_archive = true;
    spec.channel.history.current = channel.base_url + "/atom.xml";
    if (k > 1) spec.channel.history.prev_archive = url(k - 1);
    if (k < pages) spec.channel.history.next_archive = url(k + 1);
    // A page is final once a newer one links it: only then may caches keep it for a
    // month. The newest page gains its next-archive link later, so it is served with
    // the ordinary max-age until then.
    if (k < pages) spec.cache_control = "max-age=2592000";
    spec.max_bytes = options_.max_feed_bytes;
    const int64_t first = items->empty() ? 0 : (*items)[0]->article.updated.seconds;
    spec.items = std::move(items);
    SetFeed(ArchivePath(k), std::move(spec), now, first, {});
  }
  dirty_archives_.clear();
}

void Publisher::RenderGroups(int64_t now) {
  const feed::Channel& channel = options_.channel;
  for (const std::string& path : dirty_groups_) {
    auto git = groups_.find(path);
    const std::string rss = path + "/rss.xml", atom = path + "/atom.xml", json = path + "/feed.json";
    if (git == groups_.end() || git->second.members.empty()) {
      if (git != groups_.end()) groups_.erase(git);
      for (const std::string& p : {rss, atom, json}) DropFeed(p);
      continue;
    }
    const Group& g = git->second;
    auto items = std::make_shared<std::vector<ArticlePtr>>();
    int64_t newest = 0;
    for (auto it = g.members.begin(); it != g.members.end() && items->size() < channel.limit;
         ++it) {
      items->push_back(it->second);
      newest = std::max(newest, it->second->article.updated.seconds);
    }
    const size_t slash = path.find('/', 1);
    FeedSpec spec;
    spec.channel = channel;
    spec.channel.path = path.substr(0, slash + 1) + feed::PercentEncode(path.substr(slash + 1));
    spec.channel.title = channel.title + " \u2014 " + g.name;
    spec.max_bytes = options_.max_feed_bytes;
    spec.items = std::move(items);
    const std::string url = channel.base_url + spec.channel.path;
    for (const auto& [format, file] :
         {std::pair{FeedSpec::Format::kRss, "/rss.xml"}, std::pair{FeedSpec::Format::kAtom, "/atom.xml"},
          std::pair{FeedSpec::Format::kJson, "/feed.json"}}) {
      FeedSpec one = spec;
      one.format = format;
      const std::string topic = url + file;
      one.extra_fields = HubLink(options_.channel.hub, topic);
      SetFeed(path + file, std::move(one), now, newest, topic);
    }
  }
  dirty_groups_.clear();
}

void Publisher::RenderMain(int64_t now) {
  const feed::Channel& channel = options_.channel;
  std::vector<feed::Article> full;  // the items with their content whole
  full.reserve(channel.limit);
  for (auto it = order_.begin(); it != order_.end() && full.size() < channel.limit; ++it)
    full.push_back(Full(*it->second));
  std::vector<const feed::Article*> items;
  for (const feed::Article& a : full) items.push_back(&a);
  const std::string base = channel.base_url;
  const int64_t newest = feed::NewestUpdate(items).seconds;
  feed::Channel atom_channel = channel;
  if (!archive_bounds_.empty())
    atom_channel.history.prev_archive = base + ArchivePath(archive_bounds_.size());
  // What the three feeds show: the settings, the archive link, each item's digest.
  std::string shown = ChannelSignature() + "\n" + atom_channel.history.prev_archive + "\n" +
                      std::to_string(options_.max_feed_bytes) + "\n";
  size_t n = 0;
  for (auto it = order_.begin(); it != order_.end() && n < channel.limit; ++it, ++n)
    shown += it->second->digest + "\n";
  const std::string signature = feed::ContentHash(shown);

  // The three feeds are rendered and compressed at once on two threads (most of a
  // change's cost: a 200 KB feed takes a few milliseconds to render and to gzip).
  struct Job {
    std::string path;
    std::string_view type;
    feed::Channel channel;
    feed::FeedRenderer (*writer)(const feed::Channel*);
    int64_t changed = 0;
    bool render = false;
    ResourcePtr res;
    std::string cut;
  };
  auto rss = [](const feed::Channel* c) -> feed::FeedRenderer {
    return [c](auto i) { return feed::RenderRss(*c, i); };
  };
  auto atom = [](const feed::Channel* c) -> feed::FeedRenderer {
    return [c](auto i) { return feed::RenderAtom(*c, i); };
  };
  auto json = [](const feed::Channel* c) -> feed::FeedRenderer {
    return [c](auto i) { return feed::RenderJsonFeed(*c, i); };
  };
  Job jobs[] = {{"/rss.xml", kRssType, channel, rss, 0, false, nullptr, {}},
                {"/atom.xml", kAtomType, atom_channel, atom, 0, false, nullptr, {}},
                {"/feed.json", kJsonFeedType, channel, json, 0, false, nullptr, {}}};
  for (Job& j : jobs) {
    const Plan plan = PlanStamp(j.path, signature + j.path, newest, now, base + j.path);
    j.changed = plan.changed;
    j.render = !plan.current;
    if (plan.current) j.res = *plan.current;
  }
  const std::string& hub = options_.channel.hub;
  auto make = [&](Job& j) {
    if (!j.render) return;
    j.channel.updated = j.changed;
    feed::SizedFeed f = feed::RenderWithin(j.writer(&j.channel), items, options_.max_feed_bytes);
    j.cut = feed::DescribeCut(f, options_.max_feed_bytes);
    const std::string topic = base + j.path;
    j.res = MakeResource(std::move(f.body), j.type, j.changed, options_.cache_max_age, true, {},
                         HubLink(hub, topic), options_.brotli);
  };
  std::future<void> rss_job = std::async(std::launch::async, [&] { make(jobs[0]); });
  make(jobs[1]);
  make(jobs[2]);
  rss_job.get();
  for (Job& j : jobs) {
    if (j.render) LogCut(base + j.path, j.cut);
    SetResource(j.path, j.res);
  }

  // The first index page, with every category's and tag's feeds (sorted names).
  std::vector<std::string> categories, tags;
  for (const auto& [path, g] : groups_) {
    if (g.members.empty()) continue;
    (path.rfind("/categories/", 0) == 0 ? categories : tags).push_back(g.name);
  }
  std::sort(categories.begin(), categories.end());
  std::sort(tags.begin(), tags.end());
  std::string index = pages_->RenderIndex(order_, 1, categories, tags);
  const std::string hash = feed::ContentHash(index);
  const Plan plan = PlanStamp("/", hash, newest, now, {});
  SetResource("/", plan.current ? *plan.current
                                : MakeResource(std::move(index), kHtmlType, plan.changed,
                                               options_.cache_max_age, true, {}, {},
                                               options_.brotli));
}

std::shared_ptr<const Snapshot> Publisher::Build(int64_t now) {
  Setup();
  changed_topics_.clear();
  // Scheduled articles whose time has come.
  while (!scheduled_.empty() && scheduled_.begin()->first <= now) {
    auto [due, path] = *scheduled_.begin();
    scheduled_.erase(scheduled_.begin());
    auto it = entries_.find(path);
    if (it != entries_.end()) List(it->second);
  }
  CutArchivePages();
  RenderArchives(now);
  // Category and tag feeds before the index, which lists them.
  const bool groups_changed = !dirty_groups_.empty();
  RenderGroups(now);
  if (main_dirty_ || groups_changed) RenderMain(now);
  main_dirty_ = false;
  if (listing_dirty_) {
    // The index pages changed only if what they list did: a restart that lists the
    // same articles again keeps their Last-Modified.
    const std::string sum = std::to_string(listing_sum_);
    if (store_->Meta(kListingSumKey) != sum) {
      listing_changed_ = NextChange(listing_changed_, now);
      store_->SetMeta(kListingSumKey, sum);
      store_->SetMeta(kListingChangedKey, std::to_string(listing_changed_));
    }
    listing_dirty_ = false;
  }
  auto snap = std::make_shared<Snapshot>();
  snap->resources = resources_;
  snap->feeds = feeds_;
  snap->articles = by_slug_;
  snap->order = order_;
  snap->listing_changed = listing_changed_;
  snap->pages = pages_;
  snap->media = media_.files();
  snap->media_root = options_.ingest.input_dir;
  snap->media_max_age = options_.cache_max_age;
  snap->article_count = order_.size();
  snap->generation = ++generation_;
  snap->built_at = now;
  return snap;
}

}  // namespace feedd::daemon
