// Each way of finding the clean run of a string (core/json_clean_run.h) answers what a byte loop answers and
// copies exactly that run, writing nothing past the text: every byte value at every offset of texts of every
// length up to two and a half 16-byte blocks, with the text's start and the output's moved across a 16-byte alignment.
#include "core/json_clean_run.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace fanout {
namespace {

using CopyCleanRun = size_t (*)(const char*, size_t, char*);

size_t reference(const char* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\') break;
    ++i;
  }
  return i;
}

std::vector<std::pair<const char*, CopyCleanRun>> implementations() {
  // copy_clean_run is one of these (the SSE2 one where there is SSE2).
  std::vector<std::pair<const char*, CopyCleanRun>> all{{"words", copy_clean_run_words}};
#if defined(__SSE2__)
  all.emplace_back("sse2", copy_clean_run_sse2);
#else
  all.emplace_back("chosen", copy_clean_run);
#endif
  return all;
}

TEST(JsonCleanRun, EachByteValueAtEveryOffsetOfEveryLength) {
  constexpr size_t kMaxLength = 40;  // two 16-byte blocks and a partial one; five words
  constexpr char kGuard = '#';
  alignas(64) char in[16 + kMaxLength];
  alignas(64) char out[16 + kMaxLength + 16];
  for (const auto& [name, copy] : implementations()) {
    for (int byte = 0; byte < 256; ++byte) {
      for (size_t length = 1; length <= kMaxLength; ++length) {
        for (size_t align = 0; align < 16; ++align) {
          for (size_t at = 0; at < length; ++at) {
            std::memset(in, 'a', sizeof in);
            in[align + at] = static_cast<char>(byte);
            const char* s = in + align;
            char* o = out + (15 - align);  // the output's alignment moves the other way
            std::memset(out, kGuard, sizeof out);
            const size_t got = copy(s, length, o);
            const size_t want = reference(s, length);
            ASSERT_EQ(got, want) << name << ": byte " << byte << " at " << at << " of " << length << ", align " << align;
            ASSERT_EQ(std::memcmp(o, s, got), 0) << name << ": the run's copy, byte " << byte << " at " << at;
            for (size_t j = length; j < length + 16; ++j)
              ASSERT_EQ(o[j], kGuard) << name << ": wrote past the text, length " << length;
            for (size_t j = 0; j < 15 - align; ++j) ASSERT_EQ(out[j], kGuard) << name << ": wrote before the output";
          }
        }
      }
    }
  }
}

TEST(JsonCleanRun, CleanTextsOfEveryLengthAreCopiedWhole) {
  std::string text;
  for (int c = 0x20; c < 0x100; ++c)
    if (c != '"' && c != '\\') text += static_cast<char>(c);  // every byte that needs no escaping, UTF-8 and 0x7F too
  for (const auto& [name, copy] : implementations()) {
    for (size_t length = 0; length <= text.size(); ++length) {
      std::string out(length + 16, '#');
      ASSERT_EQ(copy(text.data(), length, out.data()), length) << name << ", length " << length;
      EXPECT_EQ(out.substr(0, length), text.substr(0, length)) << name;
      EXPECT_EQ(out.substr(length), std::string(16, '#')) << name << ": wrote past the text";
    }
  }
}

}  // namespace
}  // namespace fanout
