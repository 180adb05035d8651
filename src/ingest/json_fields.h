#pragma once
// Typed reads of JSON fields that record a FieldError naming the field instead of failing fast, so one
// answer lists every problem. Internal to ingest/.
#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/event_parser.h"

namespace fanout::ingest {

using JsonValue = rapidjson::Value;

// Parses `body` without recursion (deep nesting cannot exhaust the stack), validating UTF-8.
// Returns false when it is not JSON.
bool parse_json(std::string_view body, rapidjson::Document& doc);

// The JSON type of `v` in words ("a string", "an array", ...), for messages.
const char* json_type_name(const JsonValue& v);

class FieldReader {
 public:
  // Errors go to `errors`, each field name prefixed with `prefix` ("" or "events[3].").
  FieldReader(std::vector<FieldError>& errors, std::string prefix);

  void error(std::string_view field, std::string message);
  size_t error_count() const { return errors_.size(); }

  // Optional string: null or "" -> nullopt silently; another type, more than `max_bytes`, or control
  // characters -> error and nullopt.
  std::optional<std::string> text(const JsonValue& v, std::string_view field, size_t max_bytes);

  // Personal data (email, phone, names, address, ...): like text(), but leading and trailing white space
  // (trim_white_space: tab, CR, LF, NBSP, ...) is removed first, as the platforms' own SDKs do; control
  // characters inside the value stay an error.
  std::optional<std::string> trimmed_text(const JsonValue& v, std::string_view field, size_t max_bytes);

  // A string or an array of at most `max_count` strings; null and "" entries are skipped. `trimmed`: each
  // entry is read by trimmed_text() instead of text().
  std::vector<std::string> text_list(const JsonValue& v, std::string_view field, size_t max_count, size_t max_bytes,
                                     bool trimmed = false);

  // Optional finite number >= 0: null -> nullopt; anything else -> error.
  std::optional<double> non_negative(const JsonValue& v, std::string_view field);

  // True when `v` is an object; null -> false silently; another type -> error.
  bool object(const JsonValue& v, std::string_view field);

  // Records "duplicate field" when `v` (an object) repeats a member name. Returns false if it does.
  bool unique_members(const JsonValue& v, std::string_view field);

 private:
  // The length and control-character checks shared by text() and trimmed_text().
  std::optional<std::string> checked(std::string_view s, std::string_view field, size_t max_bytes);

  std::vector<FieldError>& errors_;
  std::string prefix_;
};

// One known member of an object: its key and the function that reads its value (`field` names it in errors)
// into a Context. Tables of these are static, so reading an event builds no dispatch structure.
template <typename Context>
struct MemberReader {
  std::string_view key;
  void (*read)(Context& context, const JsonValue& value, std::string_view field);
};

// The entry of `table` for `key`, or null. A linear scan: sections have at most ~16 keys.
template <typename Context>
const MemberReader<Context>* find_reader(std::span<const MemberReader<Context>> table, std::string_view key) {
  for (const auto& entry : table)
    if (entry.key == key) return &entry;
  return nullptr;
}

// "<parent>.<name>" or "<name>" when parent is empty.
std::string join_field(std::string_view parent, std::string_view name);

}  // namespace fanout::ingest
