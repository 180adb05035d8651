// JsonWriter's string path (json_writer.h): copy the text 8 bytes at a time while looking in each word for a
// byte to escape, and escape it as RapidJSON does.
#include "core/json_writer.h"

#include <bit>
#include <cstdint>

namespace fanout {
namespace {

// The words are read as numbers whose lowest byte comes first in memory.
static_assert(std::endian::native == std::endian::little, "the word scan expects a little-endian machine");

constexpr uint64_t kOnes = 0x0101010101010101ULL;   // 0x01 in each byte of a word
constexpr uint64_t kHighs = 0x8080808080808080ULL;  // the top bit of each byte

// Whole words are stored to the buffer and only the bytes that belong to the text are kept (pushed): room for
// a word past the end of the text is reserved with the text.
constexpr size_t kSlack = 8;

// The top bit of each byte of `word` whose value is below `limit` (limit <= 0x80). The lowest marked byte is
// always right; bytes above a marked one may be marked wrongly (the subtraction's borrow) and are never used.
constexpr uint64_t bytes_below(uint64_t word, uint64_t limit) { return (word - kOnes * limit) & ~word & kHighs; }

// Marks the bytes of an 8-byte word that JSON must escape: '"', '\\' and the control characters below 0x20.
constexpr uint64_t special_bytes(uint64_t word) {
  return bytes_below(word ^ (kOnes * '"'), 1) | bytes_below(word ^ (kOnes * '\\'), 1) | bytes_below(word, 0x20);
}

constexpr bool is_special(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

size_t first_marked(uint64_t marks) { return static_cast<size_t>(std::countr_zero(marks)) / 8; }

// Copies the run at the start of s[0, n) that needs no escaping to `out`, which has room for n + kSlack bytes,
// and returns its length. Bytes after the run may be written too: they are not part of the result.
size_t copy_clean_run(const char* s, size_t n, char* out) {
  size_t i = 0;
  uint64_t word;
  for (; i + 8 <= n; i += 8) {
    std::memcpy(&word, s + i, 8);
    std::memcpy(out + i, &word, 8);
    if (const uint64_t marks = special_bytes(word); marks != 0) return i + first_marked(marks);
  }
  const size_t rest = n - i;  // 0 to 7 bytes
  if (rest == 0) return n;
  if (n < 8) {  // a short text (most keys): byte by byte
    for (; i < n && !is_special(static_cast<unsigned char>(s[i])); ++i) out[i] = s[i];
    return i;
  }
  // The last word of the text, shifted so that its first 8 - rest bytes (looked at already) fall out; the
  // zero bytes shifted in are marked as control characters, after the real ones, and are masked off.
  std::memcpy(&word, s + n - 8, 8);
  word >>= 8 * (8 - rest);
  std::memcpy(out + i, &word, 8);
  const uint64_t marks = special_bytes(word) & (kHighs >> (8 * (8 - rest)));
  return marks != 0 ? i + first_marked(marks) : n;
}

}  // namespace

void JsonWriter::write_string(const Ch* s, size_t n) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out_.Reserve(1 + n + 1 + kSlack);  // the quotes and the text; each escape reserves its own extra bytes
  out_.PutUnsafe('"');
  size_t i = 0;
  while (true) {
    const size_t clean = copy_clean_run(s + i, n - i, out_.PushUnsafe(0));
    out_.PushUnsafe(clean);
    i += clean;
    if (i == n) break;
    const auto c = static_cast<unsigned char>(s[i++]);
    out_.Reserve(6 + (n - i) + 1 + kSlack);  // this escape (at most \u00XX), the rest unescaped, the quote
    out_.PutUnsafe('\\');
    switch (c) {
      case '"': out_.PutUnsafe('"'); break;
      case '\\': out_.PutUnsafe('\\'); break;
      case '\b': out_.PutUnsafe('b'); break;
      case '\f': out_.PutUnsafe('f'); break;
      case '\n': out_.PutUnsafe('n'); break;
      case '\r': out_.PutUnsafe('r'); break;
      case '\t': out_.PutUnsafe('t'); break;
      default: {  // the other control characters, as \u00XX with upper-case hex digits
        char* u = out_.PushUnsafe(5);
        u[0] = 'u';
        u[1] = '0';
        u[2] = '0';
        u[3] = kHex[c >> 4];
        u[4] = kHex[c & 0xF];
      }
    }
  }
  out_.PutUnsafe('"');
}

}  // namespace fanout
