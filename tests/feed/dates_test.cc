#include "feed/dates.h"

#include <gtest/gtest.h>

namespace feedd::feed {
namespace {

TEST(DatesTest, ParsesAndFormats) {
  struct Case {
    const char* input;
    const char* rfc3339;
    const char* rfc822;
  } cases[] = {
      {"2026-11-20T09:30:00+03:30", "2026-11-20T09:30:00+03:30", "Fri, 20 Nov 2026 09:30:00 +0330"},
      {"2026-11-25 14:05 +0330", "2026-11-25T14:05:00+03:30", "Wed, 25 Nov 2026 14:05:00 +0330"},
      {"2026-11-20", "2026-11-20T00:00:00Z", "Fri, 20 Nov 2026 00:00:00 +0000"},
      {"2026-11-20T09:30:00.123Z", "2026-11-20T09:30:00Z", "Fri, 20 Nov 2026 09:30:00 +0000"},
      {"2026-11-20 09:30", "2026-11-20T09:30:00Z", "Fri, 20 Nov 2026 09:30:00 +0000"},
      {"2002-10-02T10:00:00-05:00", "2002-10-02T10:00:00-05:00", "Wed, 02 Oct 2002 10:00:00 -0500"},
      {"Wed, 02 Oct 2002 13:00:00 GMT", "2002-10-02T13:00:00Z", "Wed, 02 Oct 2002 13:00:00 +0000"},
      {"Wed, 02 Oct 2002 08:00:00 EST", "2002-10-02T08:00:00-05:00", "Wed, 02 Oct 2002 08:00:00 -0500"},
      {"2 Oct 2002 13:00 +0100", "2002-10-02T13:00:00+01:00", "Wed, 02 Oct 2002 13:00:00 +0100"},
      {"Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z", "Sun, 06 Nov 1994 08:49:37 +0000"},
      {"Sun Nov  6 08:49:37 1994", "1994-11-06T08:49:37Z", "Sun, 06 Nov 1994 08:49:37 +0000"},
      {"2024-02-29T23:59:60Z", "2024-02-29T23:59:59Z", "Thu, 29 Feb 2024 23:59:59 +0000"},
      {"1969-12-31T23:00:00Z", "1969-12-31T23:00:00Z", "Wed, 31 Dec 1969 23:00:00 +0000"},
  };
  for (const Case& c : cases) {
    std::optional<Timestamp> t = ParseDate(c.input);
    ASSERT_TRUE(t) << c.input;
    EXPECT_EQ(c.rfc3339, FormatRfc3339(*t)) << c.input;
    EXPECT_EQ(c.rfc822, FormatRfc822(*t)) << c.input;
  }
}

// Feeds write every date in UTC (issue 10): the same instant, the offset gone.
TEST(DatesTest, UtcFormsKeepTheInstantAndDropTheOffset) {
  struct Case {
    const char* input;
    const char* rfc3339;
    const char* rfc822;
  } cases[] = {
      {"2026-11-25 14:05 +0330", "2026-11-25T10:35:00Z", "Wed, 25 Nov 2026 10:35:00 +0000"},
      {"2026-11-20T09:30:00+03:30", "2026-11-20T06:00:00Z", "Fri, 20 Nov 2026 06:00:00 +0000"},
      {"2026-11-20T01:00:00+03:30", "2026-11-19T21:30:00Z", "Thu, 19 Nov 2026 21:30:00 +0000"},
      {"2002-10-02T22:00:00-05:00", "2002-10-03T03:00:00Z", "Thu, 03 Oct 2002 03:00:00 +0000"},
      {"Wed, 02 Oct 2002 08:00:00 EST", "2002-10-02T13:00:00Z", "Wed, 02 Oct 2002 13:00:00 +0000"},
      {"2026-11-20", "2026-11-20T00:00:00Z", "Fri, 20 Nov 2026 00:00:00 +0000"},
      {"1969-12-31T23:00:00-01:30", "1970-01-01T00:30:00Z", "Thu, 01 Jan 1970 00:30:00 +0000"},
  };
  for (const Case& c : cases) {
    std::optional<Timestamp> t = ParseDate(c.input);
    ASSERT_TRUE(t) << c.input;
    EXPECT_EQ(c.rfc3339, FormatRfc3339Utc(*t)) << c.input;
    EXPECT_EQ(c.rfc822, FormatRfc822Utc(*t)) << c.input;
  }
}

TEST(DatesTest, RejectsNonDates) {
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2023-02-29",
                          "2026-11-20T25:00", "2026-11-20 10:00 +25:00", "2026-11-20Tx",
                          "32 Oct 2002 10:00 GMT", "Wed, 02 Foo 2002 10:00 GMT",
                          "2026-11-20 10:00 Mars"}) {
    EXPECT_FALSE(ParseDate(bad)) << bad;
  }
}

TEST(DatesTest, HttpDate) {
  EXPECT_EQ("Sun, 06 Nov 1994 08:49:37 GMT", FormatHttpDate(784111777));
  EXPECT_EQ(784111777, ParseDate("Sun, 06 Nov 1994 08:49:37 GMT")->seconds);
}

TEST(DatesTest, CivilRoundTrip) {
  for (int64_t days : {-719468LL, -1LL, 0LL, 59LL, 11016LL, 20000LL, 2932896LL}) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    EXPECT_EQ(days, DaysFromCivil(y, m, d));
  }
}

}  // namespace
}  // namespace feedd::feed
