// Log lines reach stderr whole, one JSON object per line; a Batch writes its thread's lines together.
#include "telemetry/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace fanout::log {
namespace {

// Redirects stderr into a pipe for the test's lifetime; take() returns what was written to it so far.
class StderrCapture {
 public:
  StderrCapture() {
    EXPECT_EQ(::pipe(fds_), 0);
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    ::fcntl(fds_[1], F_SETPIPE_SZ, 1 << 20);
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(fds_[1], STDERR_FILENO);
  }
  ~StderrCapture() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  std::string take() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds_[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
  int saved_ = -1;
};

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

}  // namespace
}  // namespace fanout::log
