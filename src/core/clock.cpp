#include "core/clock.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace fanout {

std::string format_rfc3339_ms(int64_t unix_ms) {
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  int millis = static_cast<int>(unix_ms % 1000);
  struct tm tm_utc {};
  gmtime_r(&secs, &tm_utc);
  char buf[80];  // room for any int the compiler imagines; real dates use 24
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm_utc.tm_year + 1900,
                tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec, millis);
  return buf;
}

std::string format_rfc3339(int64_t unix_s) {
  // Google Ads and Microsoft Ads write one per event: from 1970 to 9999 the date comes from std::chrono's civil
  // calendar and the digits are placed by hand (gmtime_r and snprintf were ~3,300 instructions a call).
  constexpr int64_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z
  if (unix_s >= 0 && unix_s < kYear10000) {
    using namespace std::chrono;
    const int64_t day = unix_s / 86400;
    const year_month_day date{sys_days{days{day}}};
    const int64_t second = unix_s - day * 86400;
    char text[] = "0000-00-00T00:00:00Z";
    auto put = [&text](size_t at, unsigned value, size_t width) {
      for (size_t i = width; i-- > 0; value /= 10) text[at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, static_cast<unsigned>(static_cast<int>(date.year())), 4);
    put(5, static_cast<unsigned>(date.month()), 2);
    put(8, static_cast<unsigned>(date.day()), 2);
    put(11, static_cast<unsigned>(second / 3600), 2);
    put(14, static_cast<unsigned>(second / 60 % 60), 2);
    put(17, static_cast<unsigned>(second % 60), 2);
    return std::string(text, sizeof text - 1);
  }
  time_t secs = static_cast<time_t>(unix_s);
  struct tm tm_utc {};
  gmtime_r(&secs, &tm_utc);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm_utc.tm_year + 1900, tm_utc.tm_mon + 1,
                tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec);
  return buf;
}

namespace {
bool digits(const std::string& s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}
}  // namespace

bool parse_rfc3339(const std::string& s, int64_t& unix_s) {
  int year, mon, day, hour, min, sec;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mon) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, min) || s[16] != ':' || !digits(s, 17, 2, sec))
    return false;
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return false;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == start) return false;
  }
  int offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
      return false;
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  struct tm tm_utc {};
  tm_utc.tm_year = year - 1900;
  tm_utc.tm_mon = mon - 1;
  tm_utc.tm_mday = day;
  tm_utc.tm_hour = hour;
  tm_utc.tm_min = min;
  tm_utc.tm_sec = sec;
  unix_s = static_cast<int64_t>(timegm(&tm_utc)) - offset_s;
  return true;
}

}  // namespace fanout
