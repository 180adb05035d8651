// JsonWriter's string path (json_writer.h): copy the clean runs whole (json_clean_run.h) and escape the byte
// that ends each as RapidJSON does.
#include "core/json_writer.h"

#include "core/json_clean_run.h"

namespace fanout {

void JsonWriter::write_string(const Ch* s, size_t n) {
  // Most strings need no escaping: the quotes and the text in one push, the rest out of this path.
  out_.Reserve(1 + n + 1);
  char* text = out_.PushUnsafe(0);
  text[0] = '"';
  const size_t clean = copy_clean_run(s, n, text + 1);
  if (clean == n) {
    text[1 + n] = '"';
    out_.PushUnsafe(1 + n + 1);
    return;
  }
  out_.PushUnsafe(1 + clean);
  write_escaped(s + clean, n - clean);
}

void JsonWriter::write_escaped(const Ch* s, size_t n) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t i = 0;
  while (true) {
    const auto c = static_cast<unsigned char>(s[i++]);
    out_.Reserve(6 + (n - i) + 1);  // this escape (at most \u00XX), the rest unescaped, the closing quote
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
    // The run up to the next byte to escape, copied into the reserved room and then pushed onto the text.
    const size_t clean = copy_clean_run(s + i, n - i, out_.PushUnsafe(0));
    out_.PushUnsafe(clean);
    i += clean;
    if (i == n) break;
  }
  out_.PutUnsafe('"');
}

}  // namespace fanout
