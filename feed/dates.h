// Parsing and formatting of article dates. Pure, thread-safe; never reads the clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedd::feed {

// An instant and the UTC offset it was written in, so that a date given as
// "+03:30" is shown in that zone again.
struct Timestamp {
  int64_t seconds = 0;         // since the Unix epoch, UTC
  int32_t offset_minutes = 0;  // east of UTC
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

// Accepts RFC 3339 / ISO 8601 ("2026-11-20T09:30:00+03:30", "2026-11-20 09:30",
// "2026-11-25 14:05 +0330", "2026-11-20"), and RFC 822 / 1123 / 850 and asctime
// dates. A missing zone means UTC. Returns std::nullopt for anything else.
std::optional<Timestamp> ParseDate(std::string_view text);

// "Wed, 02 Oct 2002 13:00:00 +0000": RFC 822 with a four-digit year and numeric zone.
std::string FormatRfc822(Timestamp t);

// "2002-10-02T13:00:00Z" or "2002-10-02T16:30:00+03:30" (RFC 3339), in the
// author's offset: for what people read.
std::string FormatRfc3339(Timestamp t);

// The same instants, always written in UTC: "Wed, 02 Oct 2002 13:00:00 +0000" and
// "2002-10-02T13:00:00Z". What feeds and machine-readable attributes carry, since
// some readers ignore numeric offsets and would shift the item (issue 10).
std::string FormatRfc822Utc(Timestamp t);
std::string FormatRfc3339Utc(Timestamp t);

// "Wed, 02 Oct 2002 13:00:00 GMT" (RFC 9110 IMF-fixdate), always in UTC.
std::string FormatHttpDate(int64_t seconds);

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);

}  // namespace feedd::feed
