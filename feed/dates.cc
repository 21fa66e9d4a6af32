#include "feed/dates.h"
#include "feed/utf8.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace feedd::feed {
namespace {

constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<const char*, 7> kWeekdays = {"Thu", "Fri", "Sat", "Sun",
                                                  "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday

// A small cursor over the input; every reader returns false without consuming on mismatch.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return i_ == s_.size(); }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  void SkipSpaces() {
    while (Peek() == ' ' || Peek() == '\t') ++i_;
  }
  // Reads exactly `min`..`max` digits.
  bool Number(int min, int max, int* out) {
    size_t j = i_;
    int v = 0;
    while (j < s_.size() && j - i_ < static_cast<size_t>(max) &&
           std::isdigit(static_cast<unsigned char>(s_[j]))) {
      v = v * 10 + (s_[j] - '0');
      ++j;
    }
    if (j - i_ < static_cast<size_t>(min)) return false;
    i_ = j;
    *out = v;
    return true;
  }
  std::string_view Word() {
    size_t j = i_;
    while (j < s_.size() && std::isalpha(static_cast<unsigned char>(s_[j]))) ++j;
    std::string_view w = s_.substr(i_, j - i_);
    i_ = j;
    return w;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

int MonthFromName(std::string_view w) {
  if (w.size() < 3) return 0;
  for (size_t m = 0; m < kMonths.size(); ++m) {
    if (EqualsIgnoreCase(w.substr(0, 3), kMonths[m])) return static_cast<int>(m) + 1;
  }
  return 0;
}

bool ValidCivil(int y, int mo, int d, int h, int mi, int s) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return false;
  return h <= 23 && mi <= 59 && s <= 60;  // a leap second is accepted and folded
}

std::optional<Timestamp> Make(int y, int mo, int d, int h, int mi, int s, int offset) {
  if (!ValidCivil(y, mo, d, h, mi, s) || offset < -18 * 60 || offset > 18 * 60)
    return std::nullopt;
  if (s == 60) s = 59;
  const int64_t local = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  return Timestamp{local - offset * 60, offset};
}

// Numeric zones (+HH:MM, +HHMM, +HH) and the names RFC 822 defines. Empty is UTC.
bool Zone(Cursor* c, int* offset) {
  c->SkipSpaces();
  *offset = 0;
  if (c->Done()) return true;
  if (c->Peek() == '+' || c->Peek() == '-') {
    const int sign = c->Peek() == '-' ? -1 : 1;
    c->Eat(c->Peek());
    int hh = 0, mm = 0;
    if (!c->Number(2, 2, &hh)) return false;
    c->Eat(':');
    if (!c->Done()) {
      if (!c->Number(2, 2, &mm)) return false;
    }
    if (hh > 18 || mm > 59) return false;
    *offset = sign * (hh * 60 + mm);
    return c->Done();
  }
  const std::string_view w = c->Word();
  static constexpr struct { const char* name; int offset; } kNames[] = {
      {"Z", 0},          {"UT", 0},         {"UTC", 0},        {"GMT", 0},
      {"EST", -5 * 60},  {"EDT", -4 * 60},  {"CST", -6 * 60},  {"CDT", -5 * 60},
      {"MST", -7 * 60},  {"MDT", -6 * 60},  {"PST", -8 * 60},  {"PDT", -7 * 60}};
  for (const auto& z : kNames) {
    if (EqualsIgnoreCase(w, z.name)) {
      *offset = z.offset;
      return c->Done();
    }
  }
  return false;
}

bool Clock(Cursor* c, int* h, int* mi, int* s) {
  *s = 0;
  if (!c->Number(1, 2, h) || !c->Eat(':') || !c->Number(2, 2, mi)) return false;
  if (c->Eat(':')) {
    if (!c->Number(2, 2, s)) return false;
    if (c->Eat('.') || c->Eat(',')) {
      int frac = 0;
      if (!c->Number(1, 9, &frac)) return false;  // fractions of a second are dropped
    }
  }
  return true;
}

std::optional<Timestamp> ParseIso(std::string_view text) {
  Cursor c(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, offset = 0;
  if (!c.Number(4, 4, &y) || !c.Eat('-') || !c.Number(1, 2, &mo) || !c.Eat('-') ||
      !c.Number(1, 2, &d))
    return std::nullopt;
  if (c.Eat('T') || c.Eat('t') || c.Eat(' ')) {
    c.SkipSpaces();
    if (!Clock(&c, &h, &mi, &s)) return std::nullopt;
  }
  if (!Zone(&c, &offset)) return std::nullopt;
  return Make(y, mo, d, h, mi, s, offset);
}

// RFC 822 / 1123 ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94
// 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
std::optional<Timestamp> ParseMailDate(std::string_view text) {
  Cursor c(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, offset = 0;
  if (std::isalpha(static_cast<unsigned char>(c.Peek()))) {
    const std::string_view first = c.Word();
    if (!c.Eat(',')) {  // asctime: weekday month day time year
      c.SkipSpaces();
      if (MonthFromName(first) != 0) return std::nullopt;
      mo = MonthFromName(c.Word());
      c.SkipSpaces();
      if (mo == 0 || !c.Number(1, 2, &d)) return std::nullopt;
      c.SkipSpaces();
      if (!Clock(&c, &h, &mi, &s)) return std::nullopt;
      c.SkipSpaces();
      if (!c.Number(4, 4, &y) || !Zone(&c, &offset)) return std::nullopt;
      return Make(y, mo, d, h, mi, s, offset);
    }
  }
  c.SkipSpaces();
  if (!c.Number(1, 2, &d)) return std::nullopt;
  const bool dashed = c.Eat('-');
  if (!dashed) c.SkipSpaces();
  mo = MonthFromName(c.Word());
  if (mo == 0) return std::nullopt;
  if (!(dashed ? c.Eat('-') : (c.SkipSpaces(), true))) return std::nullopt;
  Cursor before = c;
  if (!c.Number(4, 4, &y)) {
    c = before;
    if (!c.Number(2, 2, &y)) return std::nullopt;
    y += y < 70 ? 2000 : 1900;  // RFC 2822 section 4.3
  }
  c.SkipSpaces();
  if (!Clock(&c, &h, &mi, &s) || !Zone(&c, &offset)) return std::nullopt;
  return Make(y, mo, d, h, mi, s, offset);
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {  // H. Hinnant's algorithm
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

std::optional<Timestamp> ParseDate(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (std::optional<Timestamp> t = ParseIso(text)) return t;
  return ParseMailDate(text);
}

namespace {

struct Civil {
  int64_t y;
  unsigned mo, d;
  int h, mi, s;
  int64_t days;
};

Civil ToCivil(int64_t local) {
  Civil c{};
  c.days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  const int64_t secs = local - c.days * 86400;
  CivilFromDays(c.days, &c.y, &c.mo, &c.d);
  c.h = static_cast<int>(secs / 3600);
  c.mi = static_cast<int>(secs / 60 % 60);
  c.s = static_cast<int>(secs % 60);
  return c;
}

const char* Weekday(int64_t days) { return kWeekdays[((days % 7) + 7) % 7]; }

}  // namespace

std::string FormatRfc822(Timestamp t) {
  const Civil c = ToCivil(t.seconds + int64_t{t.offset_minutes} * 60);
  const int off = t.offset_minutes < 0 ? -t.offset_minutes : t.offset_minutes;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02d:%02d:%02d %c%02d%02d", Weekday(c.days),
                c.d, kMonths[c.mo - 1], static_cast<long long>(c.y), c.h, c.mi, c.s,
                t.offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

std::string FormatRfc3339(Timestamp t) {
  const Civil c = ToCivil(t.seconds + int64_t{t.offset_minutes} * 60);
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d",
                              static_cast<long long>(c.y), c.mo, c.d, c.h, c.mi, c.s);
  std::string out(buf, static_cast<size_t>(n));
  if (t.offset_minutes == 0) {
    out += 'Z';
  } else {
    const int off = t.offset_minutes < 0 ? -t.offset_minutes : t.offset_minutes;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", t.offset_minutes < 0 ? '-' : '+', off / 60,
                  off % 60);
    out += buf;
  }
  return out;
}

std::string FormatRfc822Utc(Timestamp t) { return FormatRfc822(Timestamp{t.seconds, 0}); }

std::string FormatRfc3339Utc(Timestamp t) { return FormatRfc3339(Timestamp{t.seconds, 0}); }

std::string FormatHttpDate(int64_t seconds) {
  const Civil c = ToCivil(seconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02d:%02d:%02d GMT", Weekday(c.days), c.d,
                kMonths[c.mo - 1], static_cast<long long>(c.y), c.h, c.mi, c.s);
  return buf;
}

}  // namespace feedd::feed
