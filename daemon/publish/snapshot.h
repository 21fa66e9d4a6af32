// What the server serves: an immutable set of resources, built whole by the ingest
// side and swapped atomically. A request takes Current() once and holds it until its
// response is written, so it never sees a mix of two builds and never waits for one.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace feedd::daemon {

// The body again as an open file, for zero-copy sendfile(2). Made by the daemon
// (an unnamed file or a sealed memfd, daemon/resource.h); the feed library only carries it.
class BodyFile {
 public:
  virtual ~BodyFile() = default;
  virtual int fd() const = 0;
};

// One encoding of a resource, with its HTTP header fields prebuilt: each line ends
// in CRLF; Date, Connection and Content-Length are added per response.
struct Representation {
  std::string body;
  std::shared_ptr<const BodyFile> file;  // may be null: then `body` is written
  std::string etag;        // strong, quoted: "\"1f2e...\""
  // Content-Type, [Content-Encoding], ETag, Last-Modified, Cache-Control, Vary, the
  // security fields (nosniff, Referrer-Policy; Content-Security-Policy on HTML).
  std::string fields_200;
  std::string fields_304;  // the same without Content-Type and Content-Encoding
};

struct Resource {
  Representation identity;
  Representation gzip;     // body empty when the resource is not compressed
  int64_t last_modified = 0;  // seconds since the epoch

  // The brotli twin, or null while it is not made yet. Brotli at its best quality
  // costs about a millisecond per kilobyte, too slow to wait for before publishing,
  // so the daemon makes it after the resource is served and sets it once; a reader
  // sees the whole twin or none. Thread-safe.
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

struct Snapshot {
  // Keyed by the decoded path: "/", "/rss.xml", "/atom.xml", "/articles/SLUG".
  std::unordered_map<std::string, std::shared_ptr<const Resource>> resources;
  size_t article_count = 0;
  uint64_t generation = 0;    // 0 before the first build
  int64_t built_at = 0;       // wall clock of the build, for /healthz
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
