// Media replies without a network: byte ranges (RFC 9110 section 14), validators from
// the file's identity, conditional requests, and the exact header block. Files come
// from memory (a memfd), through the same MediaOpener interface the server's disk
// opener implements.
#include "daemon/http/media_reply.h"

#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "daemon/publish/resource.h"
#include "feed/media.h"

namespace feedd::daemon {
namespace {

constexpr int64_t kMtime = 1767225600'500000000;  // Thu, 01 Jan 2026 00:00:00.5 GMT

class MemoryOpener : public MediaOpener {
 public:
  explicit MemoryOpener(std::string bytes, uint64_t inode = 7) : bytes_(std::move(bytes)), inode_(inode) {}
  std::shared_ptr<const OpenedMedia> Open(const std::string& root,
                                          const std::string& path) const override {
    opened.push_back(root + "|" + path);
    if (gone) return nullptr;
    const int fd = ::memfd_create("media", MFD_CLOEXEC);
    if (fd < 0 || ::write(fd, bytes_.data(), bytes_.size()) != static_cast<ssize_t>(bytes_.size()))
      return nullptr;
    return std::make_shared<const OpenedMedia>(fd, bytes_.size(), kMtime, inode_);
  }
  mutable std::vector<std::string> opened;
  bool gone = false;

 private:
  std::string bytes_;
  uint64_t inode_;
};

Snapshot MediaSnapshot() {
  Snapshot s;
  s.generation = 2;
  s.media_root = "/srv/articles";
  s.media_max_age = 300;
  s.media = s.media.Set("2026/ep 1.mp3",
                        std::make_shared<const MediaFile>(MediaFile{"audio/mpeg", 10, kMtime, 7}));
  s.media = s.media.Set("empty.png",
                        std::make_shared<const MediaFile>(MediaFile{"image/png", 0, kMtime, 8}));
  return s;
}

struct Req {
  std::string method = "GET";
  std::string target = "/media/2026/ep%201.mp3";
  std::optional<std::string> inm, ims, range, if_range;
};

HttpReply Ask(const Snapshot& s, const MediaOpener& opener, const Req& q) {
  auto view = [](const std::optional<std::string>& v) -> std::optional<std::string_view> {
    if (!v) return std::nullopt;
    return std::string_view(*v);
  };
  HttpRequest req{q.method, q.target, view(q.inm), view(q.ims), {}, view(q.range), view(q.if_range)};
  return HandleRequest(s, req, HealthInfo{1767300000, true}, &opener);
}

std::string Head(const HttpReply& r) {
  std::string head;
  SerializeHead(r, "Fri, 02 Jan 2026 00:00:00 GMT", true, false, &head);
  return head;
}

// The bytes the reply sends from its file.
std::string Sent(const HttpReply& r) {
  if (!r.own_file || !r.send_body) return std::string(r.Body());
  std::string out(r.file_length, '\0');
  const ssize_t n = ::pread(r.own_file->fd(), out.data(), out.size(), static_cast<off_t>(r.file_offset));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

TEST(MediaReplyTest, Ranges) {
  struct Case {
    const char* header;
    uint64_t size;
    RangeOutcome outcome;
    uint64_t first, last;
  } cases[] = {
      {"bytes=0-3", 10, RangeOutcome::kPartial, 0, 3},
      {"bytes=2-", 10, RangeOutcome::kPartial, 2, 9},
      {"bytes=-4", 10, RangeOutcome::kPartial, 6, 9},
      {"bytes=-40", 10, RangeOutcome::kPartial, 0, 9},      // longer suffix: the whole file
      {"bytes=5-99999999999999999999999", 10, RangeOutcome::kPartial, 5, 9},  // saturates
      {"BYTES = 9-9 ", 10, RangeOutcome::kPartial, 9, 9},
      {"bytes=, 1-2 ,", 10, RangeOutcome::kPartial, 1, 2},  // empty list members
      {"bytes=10-", 10, RangeOutcome::kUnsatisfiable, 0, 0},
      {"bytes=10-20", 10, RangeOutcome::kUnsatisfiable, 0, 0},
      {"bytes=-0", 10, RangeOutcome::kUnsatisfiable, 0, 0},
      {"bytes=0-", 0, RangeOutcome::kUnsatisfiable, 0, 0},  // nothing to give
      {"bytes=-5", 0, RangeOutcome::kUnsatisfiable, 0, 0},
      {"bytes=0-1,4-5", 10, RangeOutcome::kWhole, 0, 0},    // several: the whole file
      {"bytes=3-2", 10, RangeOutcome::kWhole, 0, 0},        // invalid: ignored
      {"bytes=a-b", 10, RangeOutcome::kWhole, 0, 0},
      {"bytes=+1-2", 10, RangeOutcome::kWhole, 0, 0},
      {"bytes=1", 10, RangeOutcome::kWhole, 0, 0},
      {"bytes=", 10, RangeOutcome::kWhole, 0, 0},
      {"items=0-1", 10, RangeOutcome::kWhole, 0, 0},        // another unit
      {"", 10, RangeOutcome::kWhole, 0, 0},
  };
  for (const Case& c : cases) {
    ByteRange r{};
    EXPECT_EQ(c.outcome, EvaluateRange(c.header, c.size, &r)) << c.header;
    if (c.outcome == RangeOutcome::kPartial) {
      EXPECT_EQ(c.first, r.first) << c.header;
      EXPECT_EQ(c.last, r.last) << c.header;
    }
  }
}

TEST(MediaReplyTest, WholeFileExactHead) {
  const Snapshot s = MediaSnapshot();
  MemoryOpener opener("0123456789");
  const HttpReply r = Ask(s, opener, {});
  ASSERT_EQ(200, r.status);
  EXPECT_EQ(std::vector<std::string>{"/srv/articles|2026/ep 1.mp3"}, opener.opened);
  const std::string etag = "\"a-" + [] {
    char b[32];
    std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(kMtime));
    return std::string(b);
  }() + "-7\"";
  EXPECT_EQ(etag, MediaEtag(10, kMtime, 7));
  EXPECT_EQ("HTTP/1.1 200 OK\r\nServer: feedd\r\nDate: Fri, 02 Jan 2026 00:00:00 GMT\r\n"
            "Content-Type: audio/mpeg\r\nAccept-Ranges: bytes\r\nETag: " + etag + "\r\n"
            "Last-Modified: Thu, 01 Jan 2026 00:00:00 GMT\r\nCache-Control: max-age=300\r\n"
            "X-Content-Type-Options: nosniff\r\nReferrer-Policy: strict-origin-when-cross-origin\r\n"
            "Content-Length: 10\r\n\r\n",
            Head(r));
  EXPECT_EQ("0123456789", Sent(r));
  EXPECT_EQ("media", r.route);

  Req head;
  head.method = "HEAD";
  head.range = "bytes=0-1";  // ranges are for GET only
  const HttpReply h = Ask(s, opener, head);
  EXPECT_EQ(200, h.status);
  EXPECT_FALSE(h.send_body);
  EXPECT_NE(std::string::npos, Head(h).find("Content-Length: 10\r\n"));
}

TEST(MediaReplyTest, PartialAndUnsatisfiable) {
  const Snapshot s = MediaSnapshot();
  MemoryOpener opener("0123456789");
  Req q;
  q.range = "bytes=2-5";
  HttpReply r = Ask(s, opener, q);
  ASSERT_EQ(206, r.status);
  EXPECT_EQ("2345", Sent(r));
  std::string head = Head(r);
  EXPECT_EQ(0u, head.find("HTTP/1.1 206 Partial Content\r\n"));
  EXPECT_NE(std::string::npos, head.find("\r\nContent-Range: bytes 2-5/10\r\n"));
  EXPECT_NE(std::string::npos, head.find("\r\nContent-Length: 4\r\n"));
  EXPECT_NE(std::string::npos, head.find("\r\nETag: " + MediaEtag(10, kMtime, 7) + "\r\n"));

  q.range = "bytes=-3";
  r = Ask(s, opener, q);
  EXPECT_EQ(206, r.status);
  EXPECT_EQ("789", Sent(r));

  q.range = "bytes=0-1, 5-6";  // several ranges: the whole file
  r = Ask(s, opener, q);
  EXPECT_EQ(200, r.status);
  EXPECT_EQ("0123456789", Sent(r));

  q.range = "bytes=10-";
  r = Ask(s, opener, q);
  ASSERT_EQ(416, r.status);
  head = Head(r);
  EXPECT_EQ(0u, head.find("HTTP/1.1 416 Range Not Satisfiable\r\n"));
  EXPECT_NE(std::string::npos, head.find("\r\nContent-Range: bytes */10\r\n"));
  EXPECT_EQ("416 Range Not Satisfiable\n", Sent(r));
  EXPECT_FALSE(r.own_file);

  // An empty file has no range to give.
  Req e;
  e.target = "/media/empty.png";
  e.range = "bytes=0-";
  MemoryOpener empty("");
  r = Ask(s, empty, e);
  EXPECT_EQ(416, r.status);
  EXPECT_NE(std::string::npos, Head(r).find("Content-Range: bytes */0\r\n"));
  e.range.reset();
  r = Ask(s, empty, e);
  EXPECT_EQ(200, r.status);
  EXPECT_NE(std::string::npos, Head(r).find("Content-Type: image/png\r\n"));
  EXPECT_NE(std::string::npos, Head(r).find("Content-Length: 0\r\n"));
}

TEST(MediaReplyTest, IfRange) {
  const Snapshot s = MediaSnapshot();
  MemoryOpener opener("0123456789");
  Req q;
  q.range = "bytes=0-0";
  q.if_range = MediaEtag(10, kMtime, 7);
  EXPECT_EQ(206, Ask(s, opener, q).status);
  q.if_range = "W/" + MediaEtag(10, kMtime, 7);  // weak: never matches
  EXPECT_EQ(200, Ask(s, opener, q).status);
  q.if_range = MediaEtag(10, kMtime, 8);  // another file (a new inode): the whole new one
  EXPECT_EQ(200, Ask(s, opener, q).status);
  q.if_range = "Thu, 01 Jan 2026 00:00:00 GMT";  // exactly Last-Modified
  EXPECT_EQ(206, Ask(s, opener, q).status);
  q.if_range = "Thu, 01 Jan 2026 00:00:01 GMT";
  EXPECT_EQ(200, Ask(s, opener, q).status);
  q.if_range = "yesterday";
  EXPECT_EQ(200, Ask(s, opener, q).status);
}

TEST(MediaReplyTest, Conditionals) {
  const Snapshot s = MediaSnapshot();
  MemoryOpener opener("0123456789");
  Req q;
  q.inm = "\"other\", W/" + MediaEtag(10, kMtime, 7);
  q.range = "bytes=0-1";  // 304 comes first
  HttpReply r = Ask(s, opener, q);
  ASSERT_EQ(304, r.status);
  const std::string head = Head(r);
  EXPECT_EQ(std::string::npos, head.find("Content-Length"));
  EXPECT_NE(std::string::npos, head.find("ETag: " + MediaEtag(10, kMtime, 7) + "\r\n"));
  EXPECT_FALSE(r.send_body);

  q = {};
  q.inm = "\"a-0-7\"";
  EXPECT_EQ(200, Ask(s, opener, q).status);
  q = {};
  q.ims = "Thu, 01 Jan 2026 00:00:00 GMT";
  EXPECT_EQ(304, Ask(s, opener, q).status);
  q.ims = "Wed, 31 Dec 2025 23:59:59 GMT";
  EXPECT_EQ(200, Ask(s, opener, q).status);
  q.inm = "\"no\"";  // If-None-Match wins over If-Modified-Since
  q.ims = "Thu, 01 Jan 2026 00:00:00 GMT";
  EXPECT_EQ(200, Ask(s, opener, q).status);
}

TEST(MediaReplyTest, NotServed) {
  const Snapshot s = MediaSnapshot();
  MemoryOpener opener("0123456789");
  for (const char* target : {"/media/2026/ep%202.mp3", "/media/notes.txt", "/media/a.svg",
                             "/media/2026/../2026/ep%201.mp3", "/media/", "/media/2026"}) {
    Req q;
    q.target = target;
    EXPECT_EQ(404, Ask(s, opener, q).status) << target;
  }
  EXPECT_TRUE(opener.opened.empty());  // nothing unlisted is even opened
  opener.gone = true;  // listed, but deleted since: 404 at once
  EXPECT_EQ(404, Ask(s, opener, {}).status);
  // No opener (a handler used without the file system): nothing is served.
  HttpRequest req{"GET", "/media/2026/ep%201.mp3", {}, {}, {}, {}, {}};
  EXPECT_EQ(404, HandleRequest(s, req, HealthInfo{1, true}).status);
  Req post;
  post.method = "POST";
  EXPECT_EQ(405, Ask(s, opener, post).status);
}

TEST(MediaReplyTest, Names) {
  EXPECT_EQ("audio/mpeg", feed::MediaTypeOf("a/B.MP3")->mime);
  EXPECT_EQ("image/jpeg", feed::MediaTypeOf("x.jpeg")->mime);
  EXPECT_EQ("application/pdf", feed::MediaTypeOf("x.pdf")->mime);
  EXPECT_FALSE(feed::MediaTypeOf("x.svg"));
  EXPECT_FALSE(feed::MediaTypeOf(".mp3"));
  EXPECT_FALSE(feed::MediaTypeOf("mp3"));
  EXPECT_FALSE(feed::MediaTypeOf("a.mp3/notes"));
  EXPECT_EQ("/media/2026/ep%201%23.mp3", feed::MediaUrlPath("2026/ep 1#.mp3"));
  EXPECT_EQ("2026/pics/b.jpg", feed::ResolveRelativePath("2026/a.md", "pics/b.jpg"));
  EXPECT_EQ("b c.jpg", feed::ResolveRelativePath("2026/a.md", "../b%20c.jpg"));
  EXPECT_EQ("top.jpg", feed::ResolveRelativePath("2026/a.md", "/top.jpg"));
  EXPECT_EQ("2026/x.jpg", feed::ResolveRelativePath("2026/a.md", "./x.jpg"));
  EXPECT_FALSE(feed::ResolveRelativePath("2026/a.md", "../../x.jpg"));
  EXPECT_FALSE(feed::ResolveRelativePath("a.md", "dir/"));
  EXPECT_FALSE(feed::ResolveRelativePath("a.md", "a%00b.jpg"));
  EXPECT_FALSE(feed::ResolveRelativePath("a.md", "a\\b.jpg"));
}

}  // namespace
}  // namespace feedd::daemon
