// A strict, incremental HTTP/1.x request reader: the bytes of one connection go
// in, requests (or the error to answer and close with) come out. Framing as strict
// as RFC 9112 and nginx: obs-fold, repeated Content-Length, Content-Length with
// Transfer-Encoding, any transfer coding but a lone final "chunked", a missing or
// repeated Host are refused. Every part is bounded (request line, each field, the
// number of fields, the header, chunk lines, trailers, bodies) and the buffer has a
// fixed size, so one connection's memory has a small ceiling.
//
// Pure: no sockets, no clock, no allocation after construction. Not thread-safe:
// one reader per connection.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::daemon {

struct RequestLimits {
  size_t max_header_bytes = 8192;  // request line and fields; beyond: 431 (414 for the line)
  size_t max_fields = 100;         // header fields (and trailer fields); beyond: 431
  size_t max_body_bytes = 16384;   // a body read and discarded; a larger one: answer, close
  size_t max_chunk_line = 1024;    // a chunk-size line with its extensions; beyond: 400
};

// A complete request header. The views point into the reader's buffer and are valid
// until Next() is called again.
struct ParsedRequest {
  std::string_view method;  // a token: "GET"
  std::string_view target;  // no space or control character
  int minor_version = 1;    // HTTP/1.0 or HTTP/1.1 (1.2 and up read as 1.1)
  std::string_view request_line;
  std::optional<std::string_view> host;
  std::optional<std::string_view> if_none_match;  // the first of each
  std::optional<std::string_view> if_modified_since;
  std::optional<std::string_view> accept_encoding;
  std::optional<std::string_view> range;     // only when sent once
  std::optional<std::string_view> if_range;
  std::optional<std::string_view> referer;
  std::optional<std::string_view> user_agent;
  // The X-Forwarded-For fields in order (their lists read as one, RFC 9110 5.3),
  // the last kMaxForwardedFields of them: the entries nearest the connection's
  // peer, the only ones a trusted proxy vouches for.
  static constexpr size_t kMaxForwardedFields = 8;
  std::array<std::string_view, kMaxForwardedFields> forwarded_for{};
  size_t forwarded_for_count = 0;
  bool keep_alive = true;  // by version and Connection
  // The connection must close after the response: the body was too large to read
  // and discard, or the client waits for 100-continue.
  bool close_after = false;
};

// An error: answer `status` (400, 413, 414, 431, 501), then close the connection.
struct RequestError {
  int status = 400;
  std::string_view
      reason;  // for the debug log: "obs-fold", "Content-Length with Transfer-Encoding"
};

// The header part, one call per batch of new bytes. Lines are found with one scan:
// bytes already scanned are not looked at again.
class HeaderParser {
 public:
  enum class Result { kNeedMore, kDone, kError };
  explicit HeaderParser(const RequestLimits& limits) : limits_(limits) {}
  void Reset();
  // `data` starts at the request's first byte and only grows between calls (the
  // same bytes, maybe moved, plus more at the end).
  Result Parse(std::string_view data);
  // After kDone:
  size_t header_size() const { return pos_; }  // bytes of data the header took
  ParsedRequest& request() { return req_; }
  bool chunked() const { return chunked_; }
  uint64_t content_length() const { return content_length_; }
  bool expect_continue() const { return expect_; }
  // After kError:
  const RequestError& error() const { return error_; }
  // The request line, when it was complete, as offsets into data (for logging).
  std::string_view RequestLine(std::string_view data) const;

 private:
  struct Span {
    uint32_t start = 0, size = 0;
    std::string_view In(std::string_view d) const { return d.substr(start, size); }
  };
  Result Fail(int status, std::string_view reason);
  bool ParseRequestLine(std::string_view data, size_t start, size_t end);
  bool ParseField(std::string_view data, size_t start, size_t end);
  Result Finish(std::string_view data);

  RequestLimits limits_;
  size_t pos_ = 0;      // start of the next line
  size_t scanned_ = 0;  // bytes of the current line searched for its end
  size_t fields_ = 0;
  bool have_line_ = false;
  Span method_, target_, line_;
  std::optional<Span> host_, inm_, ims_, ae_, referer_, ua_, range_, if_range_;
  std::array<Span, ParsedRequest::kMaxForwardedFields> xff_{};
  size_t xff_count_ = 0;
  int ranges_ = 0;
  int minor_ = 1;
  unsigned hosts_ = 0;
  bool has_length_ = false, has_te_ = false, te_ok_ = false, chunked_ = false, expect_ = false;
  bool conn_close_ = false, conn_keep_alive_ = false;
  uint64_t content_length_ = 0;
  ParsedRequest req_;
  RequestError error_;
};

// A body that is read and thrown away: Content-Length bytes or chunked framing
// with its trailer. Consumes every byte it is given, up to the body's end.
class BodyDiscarder {
 public:
  enum class Result { kNeedMore, kDone, kError, kTooLarge };
  explicit BodyDiscarder(const RequestLimits& limits) : limits_(limits) {}
  void Start(bool chunked, uint64_t content_length);
  // Consumes a prefix of `data` (*consumed bytes: all of them unless kDone).
  Result Parse(std::string_view data, size_t* consumed);
  const RequestError& error() const { return error_; }

 private:
  enum class State {
    kSize,
    kSizeCR,
    kExt,
    kExtQuoted,
    kExtEscape,
    kData,
    kDataCR,
    kDataLF,
    kTrailerStart,
    kTrailerName,
    kTrailerValue,
    kTrailerCR,
    kFinalLF,
    kLength,
    kDone
  };
  Result Fail(int status, std::string_view reason);
  RequestLimits limits_;
  State state_ = State::kDone;
  uint64_t remaining_ = 0;  // of the current chunk, or of the Content-Length body
  uint64_t total_ = 0;      // body bytes seen
  size_t line_ = 0;         // bytes of the current chunk line or trailer section
  size_t digits_ = 0;
  size_t trailers_ = 0;
  size_t trailer_bytes_ = 0;
  bool name_empty_ = true;
  RequestError error_;
};

// One connection's input: a fixed buffer, the header parser and the body discarder.
// The caller reads from the socket into Space() and Commit()s, and calls Next()
// until it returns a request or an error.
class RequestReader {
 public:
  enum class Result { kNeedMore, kRequest, kError };
  explicit RequestReader(const RequestLimits& limits);

  // Where to read the next bytes to; never empty while Next() asks for more.
  char* space() { return buf_.get() + end_; }
  size_t space_size() const { return capacity_ - end_; }
  void Commit(size_t n) { end_ += n; }

  // The next step. kRequest: request() is complete (its body, if small, read and
  // discarded); call Next() again for the one after it. kError: error() is the
  // answer; the connection closes after it.
  Result Next();
  ParsedRequest& request() { return header_.request(); }
  const RequestError& error() const { return error_; }
  std::string_view ErrorRequestLine() const;  // the failed request's line, if complete
  // Bytes received and not yet used (pipelined requests, or the start of one).
  size_t buffered() const { return end_ - begin_; }
  bool in_request() const { return state_ != State::kIdle && end_ > begin_; }
  // Throws away what is buffered and reuses the buffer for discarding (lingering).
  void Clear() {
    begin_ = end_ = 0;
    state_ = State::kIdle;
  }

 private:
  enum class State { kIdle, kHeader, kBody, kDone, kError };
  std::unique_ptr<char[]> buf_;
  size_t capacity_;
  size_t begin_ = 0, end_ = 0;
  State state_ = State::kIdle;
  HeaderParser header_;
  BodyDiscarder body_;
  RequestLimits limits_;
  RequestError error_;
  std::string_view data() const { return {buf_.get() + begin_, end_ - begin_}; }
};

// What a connection fed with `bytes` would answer, for tests and fuzzing: one entry
// per request (status 0) or error (its status), stopping after an error, a request
// that closes the connection, or the end of the bytes (an incomplete request adds
// nothing). `chunk` > 0 feeds the bytes that many at a time; the outcome must not
// depend on it.
struct RequestOutcome {
  int status = 0;  // 0: a request was read
  std::string method, target;
  bool keep_alive = false;  // the connection stays open after it
  friend bool operator==(const RequestOutcome&, const RequestOutcome&) = default;
};
std::vector<RequestOutcome> ParseRequests(std::string_view bytes, const RequestLimits& limits = {},
                                        size_t chunk = 0);

// Pieces exposed for tests.
bool IsValidHost(std::string_view host);

}  // namespace feedd::daemon
