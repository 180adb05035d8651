// Log lines reach stderr whole, one JSON object per line; a Batch writes its thread's lines together.
#include "telemetry/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <string>
#include <vector>

#include "stderr_capture.h"

namespace fanout::log {
namespace {

using ::fanout::testing::StderrCapture;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(text.substr(start, nl - start));
  }
  EXPECT_EQ(start, text.size()) << "a partial line was written";
  return out;
}

TEST(Log, ALineIsWrittenWhenEmitted) {
  StderrCapture capture;
  Line("hello").str("who", "world").num("n", int64_t{3}).emit();
  const auto lines = lines_of(capture.take());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"("msg":"hello","who":"world","n":3})"), std::string::npos) << lines[0];
}

TEST(Log, ABatchHoldsItsThreadsLinesUntilItFlushes) {
  StderrCapture capture;
  {
    Batch batch;
    Line("first").emit();
    Line("second").emit();
    EXPECT_EQ(capture.take(), "");  // nothing written yet
    batch.flush();
    EXPECT_EQ(lines_of(capture.take()).size(), 2u);
    Line("third").emit();
  }  // the rest goes when the batch ends
  const auto lines = lines_of(capture.take());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"("msg":"third")"), std::string::npos);
  Line("after").emit();  // no batch any more: written at once
  EXPECT_EQ(lines_of(capture.take()).size(), 1u);
}

TEST(Log, ABatchWritesWholeLinesInOrderWhenItFillsUp) {
  StderrCapture capture;
  std::vector<std::string> lines;
  {
    Batch batch;
    for (int i = 0; i < 100; ++i) Line("attempt").num("i", int64_t{i}).str("pad", std::string(100, 'x')).emit();
    // ~14 KB of lines: what no longer fitted one write has been written already, whole lines only.
    lines = lines_of(capture.take());
    EXPECT_GT(lines.size(), 0u);
    EXPECT_LT(lines.size(), 100u);
  }
  for (const std::string& line : lines_of(capture.take())) lines.push_back(line);  // the rest, at the end
  ASSERT_EQ(lines.size(), 100u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_NE(lines[i].find("\"i\":" + std::to_string(i) + ","), std::string::npos) << lines[i];
  }
}

TEST(Log, LinesBelowTheLevelAreDroppedInABatchToo) {
  StderrCapture capture;
  const Level before = level();
  set_level(Level::warn);
  {
    Batch batch;
    Line("quiet").emit();
    Line("loud", Level::error).emit();
  }
  set_level(before);
  const auto lines = lines_of(capture.take());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"("msg":"loud")"), std::string::npos);
}

// Numbers are written as they were with std::to_string and printf("%.3f"), byte for byte.
TEST(Log, NumbersAreWrittenLikePrintf) {
  StderrCapture capture;
  const std::vector<double> doubles = {0.0,     -0.0,      0.0005,   0.0015,    1.0005,  2.5e-4,  123.4565,
                                       999.9995, 1e20,     -12.3456, 0.1 + 0.2, 1e-300,  1.7e308, 3.14159265};
  const std::vector<int64_t> ints = {0, -1, 42, std::numeric_limits<int64_t>::min(),
                                     std::numeric_limits<int64_t>::max()};
  for (double d : doubles) Line("d").num("v", d).emit();
  for (int64_t i : ints) Line("i").num("v", i).emit();
  const auto lines = lines_of(capture.take());
  ASSERT_EQ(lines.size(), doubles.size() + ints.size());
  for (size_t k = 0; k < doubles.size(); ++k) {
    char want[400];
    std::snprintf(want, sizeof want, "\"v\":%.3f}", doubles[k]);
    EXPECT_NE(lines[k].find(want), std::string::npos) << lines[k] << " wants " << want;
  }
  for (size_t k = 0; k < ints.size(); ++k) {
    const std::string want = "\"v\":" + std::to_string(ints[k]) + "}";
    EXPECT_NE(lines[doubles.size() + k].find(want), std::string::npos) << lines[doubles.size() + k];
  }
}

TEST(Log, StringsAreEscapedForJson) {
  std::string out;
  append_json_string(out, std::string_view("a\"b\\c\nd\re\tf\x01g\x1fh\x7f\xc3\xa9", 18));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh\x7f\xc3\xa9\"");
  out.clear();
  append_json_string(out, "");
  EXPECT_EQ(out, "\"\"");
  std::string after_text(1, 'x');
  append_json_string(after_text, "plain");
  EXPECT_EQ(after_text, "x\"plain\"");
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
std::string rfc3339_ms(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm t {};
  gmtime_r(&secs, &t);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

// The timestamp is the time of the line (UTC, milliseconds), across a change of second too.
TEST(Log, TimestampsFollowTheClockAcrossSeconds) {
  StderrCapture capture;
  std::vector<std::pair<std::string, std::string>> bounds;  // per line: the time before and after it
  auto tick = [&] {
    const int64_t before = now_ms();
    Line("tick").emit();
    bounds.emplace_back(rfc3339_ms(before), rfc3339_ms(now_ms()));
    return before;
  };
  const int64_t first = tick();
  while (tick() / 1000 == first / 1000) ::usleep(20000);  // lines every 20 ms until the next second
  tick();
  const auto lines = lines_of(capture.take());
  ASSERT_EQ(lines.size(), bounds.size());
  for (size_t k = 0; k < lines.size(); ++k) {
    ASSERT_EQ(lines[k].rfind("{\"ts\":\"", 0), 0u) << lines[k];
    const std::string ts = lines[k].substr(7, bounds[k].first.size());
    EXPECT_LE(bounds[k].first, ts) << lines[k];  // same length: text order is time order
    EXPECT_LE(ts, bounds[k].second) << lines[k];
    EXPECT_EQ(lines[k][7 + ts.size()], '"') << lines[k];
  }
}

}  // namespace
}  // namespace fanout::log
