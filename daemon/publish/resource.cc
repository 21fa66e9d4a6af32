#include "daemon/publish/resource.h"

#include "daemon/publish/file_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "feed/content_hash.h"
#include <zlib.h>

#include <brotli/encode.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <cstdio>
#include <stdexcept>

#include "daemon/publish/brotli_compressor.h"
#include "feed/dates.h"

namespace feedd::daemon {

std::string Gzip(std::string_view data) {
  z_stream z{};
  // 15 + 16: a gzip wrapper; zlib writes a header with no name and mtime 0.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(z.total_out);
  return out;
}

std::optional<std::string> Brotli(std::string_view data, int quality,
                                  const std::atomic<bool>* cancel) {
  // Streamed in 64 KiB steps, so a cancel waits for one step (about 0.1 s at quality
  // 11), not the whole body; 64 KiB blocks (lgblock 16) compress as well as the
  // default here (403 KB feed: 55405 bytes against 55416).
  constexpr size_t kStep = 64 * 1024;
  std::unique_ptr<BrotliEncoderState, void (*)(BrotliEncoderState*)> enc(
      BrotliEncoderCreateInstance(nullptr, nullptr, nullptr), BrotliEncoderDestroyInstance);
  if (!enc) throw std::runtime_error("BrotliEncoderCreateInstance failed");
  BrotliEncoderSetParameter(enc.get(), BROTLI_PARAM_QUALITY, static_cast<uint32_t>(quality));
  BrotliEncoderSetParameter(enc.get(), BROTLI_PARAM_MODE, BROTLI_MODE_TEXT);
  BrotliEncoderSetParameter(enc.get(), BROTLI_PARAM_LGBLOCK, 16);
  // A window no larger than the body (the one-shot API does the same): the same
  // bytes, and a quarter of the memory and cache for a 400 KB feed at quality 11
  // (10 MB at peak instead of 45 MB, most of it the hash tables).
  int lgwin = BROTLI_MIN_WINDOW_BITS;
  while (lgwin < BROTLI_DEFAULT_WINDOW && (size_t{1} << lgwin) - 16 < data.size()) ++lgwin;
  BrotliEncoderSetParameter(enc.get(), BROTLI_PARAM_LGWIN, static_cast<uint32_t>(lgwin));
  BrotliEncoderSetParameter(enc.get(), BROTLI_PARAM_SIZE_HINT,
                            static_cast<uint32_t>(std::min<size_t>(data.size(), 1u << 30)));
  std::string out;
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(data.data());
  size_t left = data.size();
  for (;;) {
    if (cancel && cancel->load(std::memory_order_relaxed)) return std::nullopt;
    size_t avail_in = std::min(left, kStep);
    const bool last = avail_in == left;
    const BrotliEncoderOperation op = last ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
    do {
      uint8_t buf[16 * 1024];
      uint8_t* next_out = buf;
      size_t avail_out = sizeof buf;
      if (!BrotliEncoderCompressStream(enc.get(), op, &avail_in, &next_in, &avail_out, &next_out,
                                       nullptr))
        throw std::runtime_error("BrotliEncoderCompressStream failed");
      out.append(reinterpret_cast<const char*>(buf), sizeof buf - avail_out);
    } while (avail_in > 0 || BrotliEncoderHasMoreOutput(enc.get()) ||
             (last && !BrotliEncoderIsFinished(enc.get())));
    left -= std::min(left, kStep);
    if (last) return out;
  }
}

// Quality 11 is brotli's densest and its slowest. Measured on the benchmark's feeds
// (bench/, varied prose) on the 2-core reference machine:
//   155 KB feed: gzip -6 27.5 KB in 4 ms; br q5 28.1 KB in 2 ms, q9 24.5 KB in 9 ms,
//                q10 23.7 KB in 50 ms, q11 22.9 KB in 170-200 ms
//   403 KB feed: gzip -6 68.8 KB in 10 ms; br q9 59.5 KB in 22 ms, q11 55.4 KB in 500-550 ms
// Below quality 7 brotli is no smaller than gzip here, and a new article touches
// four such documents, so any quality worth sending would take the 50 ms
// drop-to-feed budget several times over: the twin is made after publishing, on a
// background thread (BrotliCompressor), and quality 11 costs only background CPU
// (about 1.3 ms per KB). Above 1 MiB that would exceed a second per change for 7 %
// fewer bytes than quality 9 (which runs at about 20 MB/s), so large bodies get 9.
int BrotliQualityFor(size_t size) {
  constexpr size_t kBestQualityMax = 1024 * 1024;
  return size <= kBestQualityMax ? BROTLI_MAX_QUALITY : 9;
}

int ColdBrotliQualityFor(size_t size) { return size <= 64 * 1024 ? 5 : 3; }

namespace {

class FdFile : public daemon::BodyFile {
 public:
  explicit FdFile(int fd) : fd_(fd) {}
  ~FdFile() override { ::close(fd_); }
  int fd() const override { return fd_; }

 private:
  int fd_;
};

// Where hot bodies are kept (see SetBodyFileFolder). Set once at startup, before
// any resource is made; read by the ingest and brotli threads.
std::string& BodyFolder() {
  static std::string folder;
  return folder;
}

// An unnamed file holding `data`: O_TMPFILE in the body folder, else a sealed
// memfd; null when neither works (the server then writes from memory).
std::shared_ptr<const daemon::BodyFile> MakeBodyFile(std::string_view data) {
  if (const std::string& folder = BodyFolder(); !folder.empty()) {
    const int fd = ::open(folder.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) {
      auto file = std::make_shared<FdFile>(fd);
      if (WriteAll(fd, data)) return file;
    }
  }
  const int fd = ::memfd_create("feedd-body", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    spdlog::debug("memfd_create: {}; serving from memory", std::strerror(errno));
    return nullptr;
  }
  auto file = std::make_shared<FdFile>(fd);
  if (!WriteAll(fd, data)) return nullptr;
  ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  return file;
}

// Fills `rep`'s body with the brotli of `body` at `quality`, and its body file with
// `zero_copy` (as MakeResource); false when cancelled.
bool BrotliBody(daemon::Representation* rep, std::string_view body, int quality, bool zero_copy,
                const std::atomic<bool>* cancel) {
  std::optional<std::string> br = Brotli(body, quality, cancel);
  if (!br) return false;
  rep->body = std::move(*br);
  if (zero_copy && rep->body.size() >= kZeroCopyMin) rep->file = MakeBodyFile(rep->body);
  return true;
}

}  // namespace

bool SetBodyFileFolder(const std::string& folder, std::string* err) {
  BodyFolder().clear();
  if (folder.empty()) return true;
  const int fd = ::open(folder.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    *err = folder + ": " + std::strerror(errno);
    return false;
  }
  ::close(fd);
  BodyFolder() = folder;
  return true;
}

feed::Article Full(const PublishedArticle& p) {
  feed::Article a = p.article;
  if (p.content_size == 0) return a;
  a.content_html.resize(p.content_size);
  uLongf size = p.content_size;
  if (uncompress(reinterpret_cast<Bytef*>(a.content_html.data()), &size,
                 reinterpret_cast<const Bytef*>(p.content_z.data()), p.content_z.size()) != Z_OK ||
      size != p.content_size)
    a.content_html.clear();  // cannot happen with bytes we compressed ourselves
  return a;
}

Prepared Prepare(feed::Article* a) {
  Prepared p;
  p.hash = feed::ContentHash(a->content_html);
  if (a->content_html.empty()) return p;
  uLongf size = compressBound(a->content_html.size());
  p.z.resize(size);
  // Level 1: a third of the size for prose, at hundreds of MB/s both ways.
  if (compress2(reinterpret_cast<Bytef*>(p.z.data()), &size,
                reinterpret_cast<const Bytef*>(a->content_html.data()), a->content_html.size(),
                1) != Z_OK) {
    p.z.clear();  // kept whole: Full() gives it back as it is
    return p;
  }
  p.z.resize(size);
  p.z.shrink_to_fit();
  p.size = static_cast<uint32_t>(a->content_html.size());
  a->content_html.clear();
  a->content_html.shrink_to_fit();
  return p;
}

std::shared_ptr<const daemon::BodyFile> MakeBodyFileForTest(std::string_view data) {
  return MakeBodyFile(data);
}

namespace {

void Fill(daemon::Representation* r, std::string_view content_type, std::string_view encoding,
          const std::string& validators) {
  r->fields_304 = "ETag: " + r->etag + "\r\n" + validators;
  r->fields_200 = "Content-Type: " + std::string(content_type) + "\r\n";
  if (!encoding.empty()) r->fields_200 += "Content-Encoding: " + std::string(encoding) + "\r\n";
  r->fields_200 += r->fields_304;
}

}  // namespace

std::shared_ptr<const daemon::Resource> MakeResource(std::string body, std::string_view content_type,
                                                   int64_t last_modified, int cache_max_age,
                                                   bool zero_copy, std::string_view cache_control,
                                                   std::string_view extra_fields,
                                                   BrotliCompressor* brotli) {
  auto res = std::make_shared<daemon::Resource>();
  res->last_modified = last_modified;
  if (last_modified > 0)
    res->last_modified_field = "Last-Modified: " + feed::FormatHttpDate(last_modified) + "\r\n";
  std::string validators = cache_control.empty()
                    ? "Cache-Control: max-age=" + std::to_string(cache_max_age) + "\r\n"
                    : "Cache-Control: " + std::string(cache_control) + "\r\n";
  validators += "Vary: Accept-Encoding\r\n";
  validators += extra_fields;
  validators += kSecurityFields;
  // On 304s too, as nginx's add_header does: a cache refreshes the stored fields
  // from them.
  if (content_type.starts_with("text/html")) validators += kHtmlPolicyField;
  const std::string tag = feed::ContentHash(body);
  res->gzip.body = Gzip(body);
  res->gzip.etag = "\"" + tag + "-gz\"";
  res->identity.body = std::move(body);
  res->identity.etag = "\"" + tag + "\"";
  Fill(&res->identity, content_type, "", validators);
  Fill(&res->gzip, content_type, "gzip", validators);
  if (zero_copy) {
    for (daemon::Representation* r : {&res->identity, &res->gzip}) {
      if (r->body.size() >= kZeroCopyMin) r->file = MakeBodyFile(r->body);
    }
  }
  if (brotli) {
    res->brotli_expected = true;
    // Everything but the body now, while the fields are at hand.
    auto br = std::make_unique<daemon::Representation>();
    br->etag = "\"" + tag + "-br\"";
    Fill(br.get(), content_type, "br", validators);
    brotli->Add(res, std::move(br), zero_copy);
  } else {
    // The cold resources (made on demand, read rarely): a quick twin at once.
    auto br = std::make_unique<daemon::Representation>();
    br->etag = "\"" + tag + "-br\"";
    Fill(br.get(), content_type, "br", validators);
    const std::string_view body = res->identity.body;
    if (BrotliBody(br.get(), body, ColdBrotliQualityFor(body.size()), zero_copy, nullptr))
      res->SetBrotli(std::move(br));
  }
  return res;
}

std::unique_ptr<const daemon::Representation> CompleteBrotliTwin(
    const daemon::Resource& res, std::unique_ptr<daemon::Representation> rep, bool zero_copy,
    const std::atomic<bool>* cancel) {
  const std::string_view body = res.identity.body;
  if (!BrotliBody(rep.get(), body, BrotliQualityFor(body.size()), zero_copy, cancel)) return nullptr;
  return rep;
}

}  // namespace feedd::daemon
