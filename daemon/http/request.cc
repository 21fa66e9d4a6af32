#include "daemon/http/request.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace feedd::daemon {
namespace {

enum CharClass : uint8_t {
  kToken = 1,   // tchar (RFC 9110 section 5.6.2)
  kValue = 2,   // field-vchar, SP, HTAB: allowed in a field value
  kTarget = 4,  // allowed in a request-target: visible ASCII and obs-text
  kHex = 8,
  kHost = 16,  // unreserved and sub-delims (RFC 3986): reg-name without '%'
};

constexpr std::array<uint8_t, 256> MakeTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t v = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (alpha || digit) v |= kToken | kHost;
    for (char s : std::string_view("!#$%&'*+-.^_`|~"))
      if (c == static_cast<unsigned char>(s)) v |= kToken;
    for (char s : std::string_view("-._~!$&'()*+,;="))
      if (c == static_cast<unsigned char>(s)) v |= kHost;
    if ((c >= 0x21 && c <= 0x7e) || c >= 0x80) v |= kValue | kTarget;
    if (c == ' ' || c == '\t') v |= kValue;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHex;
    t[static_cast<size_t>(c)] = v;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kTable = MakeTable();

inline bool Is(char c, CharClass k) {
  return (kTable[static_cast<unsigned char>(c)] & k) != 0;
}

inline bool IsCtlNotTab(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

// `name` equals `lower` (lowercase letters and '-') ignoring ASCII case. `name` is a
// token: of the token characters only letters change with | 0x20.
inline bool NameIs(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if ((static_cast<unsigned char>(name[i]) | 0x20) != static_cast<unsigned char>(lower[i]))
      return false;
  }
  return true;
}

inline bool EqualsNoCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lower[i]) return false;
  }
  return true;
}

inline int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool IsValidHost(std::string_view host) {
  size_t i = 0;
  const size_t n = host.size();
  if (n > 0 && host[0] == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (i = 1; i < close; ++i) {
      if (!Is(host[i], kHost) && host[i] != ':') return false;
    }
    i = close + 1;
  } else {
    for (; i < n && host[i] != ':'; ++i) {
      if (host[i] == '%') {
        if (i + 2 >= n || HexDigit(host[i + 1]) < 0 || HexDigit(host[i + 2]) < 0) return false;
        i += 2;
      } else if (!Is(host[i], kHost)) {
        return false;
      }
    }
  }
  if (i == n) return true;
  if (host[i] != ':') return false;
  if (n - i - 1 > 5) return false;
  for (++i; i < n; ++i) {
    if (host[i] < '0' || host[i] > '9') return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// HeaderParser

void HeaderParser::Reset() {
  const RequestLimits limits = limits_;
  *this = HeaderParser(limits);
}

HeaderParser::Result HeaderParser::Fail(int status, std::string_view reason) {
  error_ = {status, reason};
  return Result::kError;
}

std::string_view HeaderParser::RequestLine(std::string_view data) const {
  if (!have_line_ || line_.start + line_.size > data.size()) return {};
  return line_.In(data);
}

HeaderParser::Result HeaderParser::Parse(std::string_view data) {
  for (;;) {
    const size_t from = std::max(pos_, scanned_);
    const void* lf =
        from < data.size() ? std::memchr(data.data() + from, '\n', data.size() - from) : nullptr;
    if (lf == nullptr) {
      scanned_ = data.size();
      if (data.size() > limits_.max_header_bytes) {
        return have_line_ ? Fail(431, "header too large") : Fail(414, "request line too long");
      }
      return Result::kNeedMore;
    }
    const size_t lf_at = static_cast<size_t>(static_cast<const char*>(lf) - data.data());
    const size_t next = lf_at + 1;
    if (next > limits_.max_header_bytes) {
      return have_line_ ? Fail(431, "header too large") : Fail(414, "request line too long");
    }
    size_t end = lf_at;
    if (end > pos_ && data[end - 1] == '\r') --end;
    const size_t start = pos_;
    pos_ = next;
    scanned_ = next;
    if (!have_line_) {
      if (start == end) continue;  // empty lines before a request are ignored (RFC 9112 2.2)
      if (!ParseRequestLine(data, start, end)) return Result::kError;
      have_line_ = true;
      continue;
    }
    if (start == end) return Finish(data);
    if (data[start] == ' ' || data[start] == '\t') return Fail(400, "obs-fold");
    if (++fields_ > limits_.max_fields) return Fail(431, "too many header fields");
    if (!ParseField(data, start, end)) return Result::kError;
  }
}

bool HeaderParser::ParseRequestLine(std::string_view data, size_t start, size_t end) {
  const std::string_view line = data.substr(start, end - start);
  size_t i = 0;
  while (i < line.size() && Is(line[i], kToken)) ++i;
  if (i == 0 || i == line.size() || line[i] != ' ') {
    Fail(400, "bad method");
    return false;
  }
  const size_t target_start = ++i;
  while (i < line.size() && Is(line[i], kTarget)) ++i;
  if (i == target_start || i == line.size() || line[i] != ' ') {
    Fail(400, "bad request target");
    return false;
  }
  const size_t target_end = i++;
  const std::string_view version = line.substr(i);
  if (version.size() != 8 || version.compare(0, 5, "HTTP/") != 0 || version[5] != '1' ||
      version[6] != '.' || version[7] < '0' || version[7] > '9') {
    Fail(400, "bad version");
    return false;
  }
  minor_ = version[7] == '0' ? 0 : 1;
  method_ = {static_cast<uint32_t>(start), static_cast<uint32_t>(target_start - 1)};
  target_ = {static_cast<uint32_t>(start + target_start),
             static_cast<uint32_t>(target_end - target_start)};
  line_ = {static_cast<uint32_t>(start), static_cast<uint32_t>(line.size())};
  return true;
}

bool HeaderParser::ParseField(std::string_view data, size_t start, size_t end) {
  size_t i = start;
  while (i < end && Is(data[i], kToken)) ++i;
  if (i == start || i == end || data[i] != ':') {
    Fail(400,
         i < end && (data[i] == ' ' || data[i] == '\t') ? "space before colon" : "bad field name");
    return false;
  }
  const std::string_view name = data.substr(start, i - start);
  size_t vs = i + 1, ve = end;
  while (vs < ve && (data[vs] == ' ' || data[vs] == '\t')) ++vs;
  while (ve > vs && (data[ve - 1] == ' ' || data[ve - 1] == '\t')) --ve;
  for (size_t k = vs; k < ve; ++k) {
    if (!Is(data[k], kValue)) {
      Fail(400, "bad character in a field value");
      return false;
    }
  }
  const Span value{static_cast<uint32_t>(vs), static_cast<uint32_t>(ve - vs)};
  const std::string_view v = data.substr(vs, ve - vs);
  switch (name.size()) {
    case 4:
      if (NameIs(name, "host")) {
        if (++hosts_ > 1) {
          Fail(400, "more than one Host");
          return false;
        }
        if (!IsValidHost(v)) {
          Fail(400, "bad Host");
          return false;
        }
        host_ = value;
      }
      break;
    case 5:
      // Two Range fields make no one range: neither is used.
      if (NameIs(name, "range")) {
        ranges_++;
        range_ = value;
      }
      break;
    case 8:
      if (NameIs(name, "if-range") && !if_range_) if_range_ = value;
      break;
    case 6:
      if (NameIs(name, "expect")) expect_ = expect_ || EqualsNoCase(v, "100-continue");
      break;
    case 7:
      if (NameIs(name, "referer") && !referer_) referer_ = value;
      break;
    case 10:
      if (NameIs(name, "connection")) {
        size_t p = 0;
        while (p <= v.size()) {
          size_t comma = v.find(',', p);
          if (comma == std::string_view::npos) comma = v.size();
          std::string_view item = v.substr(p, comma - p);
          while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
          while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
          if (EqualsNoCase(item, "close")) conn_close_ = true;
          if (EqualsNoCase(item, "keep-alive")) conn_keep_alive_ = true;
          p = comma + 1;
        }
      } else if (NameIs(name, "user-agent") && !ua_) {
        ua_ = value;
      }
      break;
    case 13:
      if (NameIs(name, "if-none-match") && !inm_) inm_ = value;
      break;
    case 14:
      if (NameIs(name, "content-length")) {
        if (has_length_) {
          Fail(400, "repeated Content-Length");
          return false;
        }
        has_length_ = true;
        if (v.empty() || v.size() > 18) {
          Fail(400, "bad Content-Length");
          return false;
        }
        uint64_t n = 0;
        for (char c : v) {
          if (c < '0' || c > '9') {
            Fail(400, "bad Content-Length");
            return false;
          }
          n = n * 10 + static_cast<uint64_t>(c - '0');
        }
        content_length_ = n;
      }
      break;
    case 15:
      if (NameIs(name, "accept-encoding") && !ae_) {
        ae_ = value;
      } else if (NameIs(name, "x-forwarded-for")) {
        if (xff_count_ == xff_.size()) {  // keep the last ones: those nearest the peer
          std::move(xff_.begin() + 1, xff_.end(), xff_.begin());
          --xff_count_;
        }
        xff_[xff_count_++] = value;
      }
      break;
    case 17:
      if (NameIs(name, "transfer-encoding")) {
        // Only one coding is accepted: a lone "chunked". A second field makes a list.
        te_ok_ = !has_te_ && EqualsNoCase(v, "chunked");
        has_te_ = true;
      } else if (NameIs(name, "if-modified-since") && !ims_) {
        ims_ = value;
      }
      break;
    default:
      break;
  }
  return true;
}

HeaderParser::Result HeaderParser::Finish(std::string_view data) {
  if (has_te_) {
    if (minor_ == 0) return Fail(400, "Transfer-Encoding in HTTP/1.0");
    if (has_length_) return Fail(400, "Content-Length with Transfer-Encoding");
    if (!te_ok_) return Fail(501, "transfer coding other than chunked");
    chunked_ = true;
  }
  if (minor_ >= 1 && hosts_ == 0) return Fail(400, "no Host");
  req_ = ParsedRequest{};
  req_.method = method_.In(data);
  req_.target = target_.In(data);
  req_.minor_version = minor_;
  req_.request_line = line_.In(data);
  auto get = [&](const std::optional<Span>& s) -> std::optional<std::string_view> {
    if (!s) return std::nullopt;
    return s->In(data);
  };
  req_.host = get(host_);
  req_.if_none_match = get(inm_);
  req_.if_modified_since = get(ims_);
  req_.accept_encoding = get(ae_);
  if (ranges_ == 1) req_.range = get(range_);
  req_.if_range = get(if_range_);
  req_.referer = get(referer_);
  req_.user_agent = get(ua_);
  for (size_t i = 0; i < xff_count_; ++i) req_.forwarded_for[i] = xff_[i].In(data);
  req_.forwarded_for_count = xff_count_;
  req_.keep_alive = minor_ == 0 ? conn_keep_alive_ && !conn_close_ : !conn_close_;
  return Result::kDone;
}

// ---------------------------------------------------------------------------
// BodyDiscarder

void BodyDiscarder::Start(bool chunked, uint64_t content_length) {
  state_ = chunked ? State::kSize : content_length > 0 ? State::kLength : State::kDone;
  remaining_ = chunked ? 0 : content_length;
  total_ = 0;
  line_ = 0;
  digits_ = 0;
  trailers_ = 0;
  trailer_bytes_ = 0;
  name_empty_ = true;
}

BodyDiscarder::Result BodyDiscarder::Fail(int status, std::string_view reason) {
  error_ = {status, reason};
  state_ = State::kDone;
  return Result::kError;
}

BodyDiscarder::Result BodyDiscarder::Parse(std::string_view data, size_t* consumed) {
  *consumed = 0;
  if (state_ == State::kDone) return Result::kDone;
  if (state_ == State::kLength) {
    const uint64_t take = std::min<uint64_t>(remaining_, data.size());
    remaining_ -= take;
    total_ += take;
    *consumed = static_cast<size_t>(take);
    if (remaining_ > 0) return Result::kNeedMore;
    state_ = State::kDone;
    return Result::kDone;
  }
  const size_t n = data.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = data[i];
    switch (state_) {
      case State::kSize:
      case State::kExt:
      case State::kExtQuoted:
      case State::kExtEscape:
      case State::kSizeCR: {
        if (++line_ > limits_.max_chunk_line) return Fail(400, "chunk line too long");
        bool line_end = false;
        if (state_ == State::kSize) {
          const int h = HexDigit(c);
          if (h >= 0) {
            if (++digits_ > 15) return Fail(400, "chunk size too large");
            remaining_ = remaining_ * 16 + static_cast<uint64_t>(h);
            break;
          }
          if (digits_ == 0) return Fail(400, "bad chunk size");
          if (c == ';' || c == ' ' || c == '\t') {
            name_empty_ = c != ';';  // here: still waiting for the ';' of an extension
            state_ = State::kExt;
          } else if (c == '\r') {
            state_ = State::kSizeCR;
          } else if (c == '\n') {
            line_end = true;
          } else {
            return Fail(400, "bad chunk size");
          }
        } else if (state_ == State::kExt) {
          if (c == '\r') {
            state_ = State::kSizeCR;
          } else if (c == '\n') {
            line_end = true;
          } else if (name_empty_) {
            if (c == ';')
              name_empty_ = false;
            else if (c != ' ' && c != '\t')
              return Fail(400, "bad chunk extension");
          } else if (c == '"') {
            state_ = State::kExtQuoted;
          } else if (IsCtlNotTab(c)) {
            return Fail(400, "bad chunk extension");
          }
        } else if (state_ == State::kExtQuoted) {
          if (c == '"')
            state_ = State::kExt;
          else if (c == '\\')
            state_ = State::kExtEscape;
          else if (IsCtlNotTab(c))
            return Fail(400, "bad chunk extension");
        } else if (state_ == State::kExtEscape) {
          if (IsCtlNotTab(c)) return Fail(400, "bad chunk extension");
          state_ = State::kExtQuoted;
        } else {  // kSizeCR
          if (c != '\n') return Fail(400, "bad chunk line end");
          line_end = true;
        }
        if (line_end) {
          line_ = 0;
          digits_ = 0;
          if (remaining_ == 0) {
            state_ = State::kTrailerStart;
          } else if (total_ + remaining_ > limits_.max_body_bytes) {
            *consumed = i + 1;
            state_ = State::kDone;
            return Result::kTooLarge;
          } else {
            state_ = State::kData;
          }
        }
        break;
      }
      case State::kData: {
        const uint64_t take = std::min<uint64_t>(remaining_, n - i);
        remaining_ -= take;
        total_ += take;
        i += static_cast<size_t>(take) - 1;
        if (remaining_ == 0) state_ = State::kDataCR;
        break;
      }
      case State::kDataCR:
        if (c == '\r')
          state_ = State::kDataLF;
        else if (c == '\n')
          state_ = State::kSize;
        else
          return Fail(400, "chunk data longer than its size");
        break;
      case State::kDataLF:
        if (c != '\n') return Fail(400, "bad chunk data end");
        state_ = State::kSize;
        break;
      case State::kTrailerStart:
      case State::kTrailerName:
      case State::kTrailerValue:
      case State::kTrailerCR:
      case State::kFinalLF:
        if (++trailer_bytes_ > limits_.max_header_bytes) return Fail(431, "trailer too large");
        if (state_ == State::kTrailerStart) {
          if (c == '\r') {
            state_ = State::kFinalLF;
          } else if (c == '\n') {
            *consumed = i + 1;
            state_ = State::kDone;
            return Result::kDone;
          } else if (c == ' ' || c == '\t') {
            return Fail(400, "obs-fold in trailer");
          } else if (Is(c, kToken)) {
            if (++trailers_ > limits_.max_fields) return Fail(431, "too many trailer fields");
            state_ = State::kTrailerName;
          } else {
            return Fail(400, "bad trailer field");
          }
        } else if (state_ == State::kTrailerName) {
          if (c == ':')
            state_ = State::kTrailerValue;
          else if (!Is(c, kToken))
            return Fail(400, "bad trailer field name");
        } else if (state_ == State::kTrailerValue) {
          if (c == '\r')
            state_ = State::kTrailerCR;
          else if (c == '\n')
            state_ = State::kTrailerStart;
          else if (!Is(c, kValue))
            return Fail(400, "bad trailer field value");
        } else if (state_ == State::kTrailerCR) {
          if (c != '\n') return Fail(400, "bad trailer line end");
          state_ = State::kTrailerStart;
        } else {  // kFinalLF
          if (c != '\n') return Fail(400, "bad trailer end");
          *consumed = i + 1;
          state_ = State::kDone;
          return Result::kDone;
        }
        break;
      case State::kLength:
      case State::kDone:
        break;
    }
  }
  *consumed = n;
  return Result::kNeedMore;
}

// ---------------------------------------------------------------------------
// RequestReader

RequestReader::RequestReader(const RequestLimits& limits)
    : buf_(new char[limits.max_header_bytes + 4096]),
      capacity_(limits.max_header_bytes + 4096),
      header_(limits),
      body_(limits),
      limits_(limits) {}

std::string_view RequestReader::ErrorRequestLine() const {
  return header_.RequestLine(data());
}

RequestReader::Result RequestReader::Next() {
  for (;;) {
    switch (state_) {
      case State::kDone: {
        // The previous request's header goes; its body was already dropped.
        begin_ += header_.header_size();
        state_ = State::kIdle;
        [[fallthrough]];
      }
      case State::kIdle:
        if (begin_ == end_) {
          begin_ = end_ = 0;
        } else if (begin_ > 0) {
          std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
          end_ -= begin_;
          begin_ = 0;
        }
        header_.Reset();
        state_ = State::kHeader;
        [[fallthrough]];
      case State::kHeader: {
        const HeaderParser::Result r = header_.Parse(data());
        if (r == HeaderParser::Result::kNeedMore) {
          if (space_size() == 0) {  // cannot happen: the buffer is larger than the header limit
            error_ = {431, "header too large"};
            state_ = State::kError;
            return Result::kError;
          }
          return Result::kNeedMore;
        }
        if (r == HeaderParser::Result::kError) {
          error_ = header_.error();
          state_ = State::kError;
          return Result::kError;
        }
        ParsedRequest& req = header_.request();
        const bool has_body = header_.chunked() || header_.content_length() > 0;
        if (!has_body) {
          state_ = State::kDone;
          return Result::kRequest;
        }
        // A client waiting for 100-continue, or a body too large to read through:
        // answer now and close, so no byte of the body is read as a request.
        if (header_.expect_continue() ||
            (!header_.chunked() && header_.content_length() > limits_.max_body_bytes)) {
          req.close_after = true;
          state_ = State::kError;
          error_ = {400, "closed after the request"};
          return Result::kRequest;
        }
        body_.Start(header_.chunked(), header_.content_length());
        state_ = State::kBody;
        continue;
      }
      case State::kBody: {
        const size_t hs = header_.header_size();
        char* const at = buf_.get() + begin_ + hs;
        const size_t have = end_ - begin_ - hs;
        size_t consumed = 0;
        const BodyDiscarder::Result r = body_.Parse(std::string_view(at, have), &consumed);
        // The discarded bytes go; what follows them (a pipelined request) moves up.
        std::memmove(at, at + consumed, have - consumed);
        end_ -= consumed;
        switch (r) {
          case BodyDiscarder::Result::kNeedMore:
            return Result::kNeedMore;
          case BodyDiscarder::Result::kDone:
            state_ = State::kDone;
            return Result::kRequest;
          case BodyDiscarder::Result::kTooLarge:
            header_.request().close_after = true;
            state_ = State::kError;
            error_ = {400, "closed after the request"};
            return Result::kRequest;
          case BodyDiscarder::Result::kError:
            error_ = body_.error();
            state_ = State::kError;
            return Result::kError;
        }
        return Result::kError;
      }
      case State::kError:
        return Result::kError;
    }
  }
}

std::vector<RequestOutcome> ParseRequests(std::string_view bytes, const RequestLimits& limits,
                                        size_t chunk) {
  std::vector<RequestOutcome> out;
  RequestReader reader(limits);
  size_t fed = 0;
  for (;;) {
    const RequestReader::Result r = reader.Next();
    if (r == RequestReader::Result::kNeedMore) {
      if (fed == bytes.size()) break;
      size_t n = std::min(reader.space_size(), bytes.size() - fed);
      if (chunk > 0) n = std::min(n, chunk);
      std::memcpy(reader.space(), bytes.data() + fed, n);
      reader.Commit(n);
      fed += n;
      continue;
    }
    if (r == RequestReader::Result::kError) {
      out.push_back({reader.error().status, {}, {}, false});
      break;
    }
    const ParsedRequest& req = reader.request();
    const bool keep = req.keep_alive && !req.close_after;
    out.push_back({0, std::string(req.method), std::string(req.target), keep});
    if (!keep) break;
  }
  return out;
}

}  // namespace feedd::daemon
