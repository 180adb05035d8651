// format_rfc3339 places the digits itself from 1970 to 9999: it must write what gmtime_r and snprintf write
// (the Google Ads and Microsoft Ads bodies carry it), at the edges of days, months, leap years and its range.
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <string>

#include "core/clock.h"

namespace fanout {
namespace {

std::string by_libc(int64_t unix_s) {
  time_t secs = static_cast<time_t>(unix_s);
  struct tm t {};
  gmtime_r(&secs, &t);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                t.tm_min, t.tm_sec);
  return buf;
}

TEST(FormatRfc3339, WritesWhatGmtimeAndSnprintfWrite) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1795435200), by_libc(1795435200));
  // Each day from 1970 to 2100: both sides of its midnight and a time of day that moves from day to day.
  for (int64_t day = 0; day < 47482; ++day) {
    const int64_t midnight = day * 86400;
    ASSERT_EQ(format_rfc3339(midnight), by_libc(midnight)) << midnight;
    ASSERT_EQ(format_rfc3339(midnight + 86399), by_libc(midnight + 86399)) << midnight + 86399;
    ASSERT_EQ(format_rfc3339(midnight + day * 3613 % 86400), by_libc(midnight + day * 3613 % 86400)) << day;
  }
  // Odd seconds across the whole range, its last second and past it (where libc's path still answers).
  for (int64_t t = 7; t < 253402300800; t += 999999937) ASSERT_EQ(format_rfc3339(t), by_libc(t)) << t;
  for (int64_t t : {int64_t{253402300799}, int64_t{253402300800}, int64_t{-1}, int64_t{-86401}})
    EXPECT_EQ(format_rfc3339(t), by_libc(t)) << t;
}

}  // namespace
}  // namespace fanout
