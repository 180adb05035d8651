#include "sandbox/json.h"

#include <array>

namespace fanout::sandbox {

ParsedJson::ParsedJson(std::string_view body) : text_(body), pool_(inline_, sizeof inline_), doc_(&pool_) {
  // In place needs the terminating NUL std::string guarantees; like the length-bounded parse, a NUL byte
  // ends the text.
  doc_.ParseInsitu(text_.data());
  is_json_ = !doc_.HasParseError();
  if (!is_json_) doc_.SetNull();
}

const Json* member(const Json& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string_view> string_member(const Json& object, const char* name) {
  const Json* v = member(object, name);
  if (!v || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> int_member(const Json& object, const char* name) {
  const Json* v = member(object, name);
  if (!v || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

bool has_text(const Json& object, const char* name) {
  auto s = string_member(object, name);
  return s && !s->empty();
}

namespace {

// Lowercase hex digits, as a table: every hashed identifier of every event goes through here.
constexpr std::array<bool, 256> kLowerHex = [] {
  std::array<bool, 256> table{};
  for (char c : std::string_view("0123456789abcdef")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

}  // namespace

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  bool ok = true;
  for (char c : text) ok &= kLowerHex[static_cast<unsigned char>(c)];  // no early exit: valid input is the norm
  return ok;
}

bool is_hashed_value(const Json& value) {
  if (value.IsString()) return is_sha256_hex(std::string_view(value.GetString(), value.GetStringLength()));
  if (!value.IsArray() || value.Empty()) return false;
  for (const auto& item : value.GetArray()) {
    if (!item.IsString() || !is_sha256_hex(std::string_view(item.GetString(), item.GetStringLength()))) return false;
  }
  return true;
}

JsonOut& JsonOut::begin_object() {
  writer_.StartObject();
  return *this;
}

JsonOut& JsonOut::end_object() {
  writer_.EndObject();
  return *this;
}

JsonOut& JsonOut::begin_array() {
  writer_.StartArray();
  return *this;
}

JsonOut& JsonOut::end_array() {
  writer_.EndArray();
  return *this;
}

JsonOut& JsonOut::key(std::string_view name) {
  writer_.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  return *this;
}

JsonOut& JsonOut::value(std::string_view text) {
  writer_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return *this;
}

JsonOut& JsonOut::value(int64_t number) {
  writer_.Int64(number);
  return *this;
}

JsonOut& JsonOut::value(uint64_t number) {
  writer_.Uint64(number);
  return *this;
}

JsonOut& JsonOut::value(bool flag) {
  writer_.Bool(flag);
  return *this;
}

JsonOut& JsonOut::null() {
  writer_.Null();
  return *this;
}

JsonOut& JsonOut::raw(std::string_view json) {
  writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  return *this;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    const size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      out[percent_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace fanout::sandbox
