#include "destinations/google_ads/google_error.h"

#include <algorithm>
#include <cctype>

namespace fanout::dest::google_ads {
namespace {

constexpr size_t kMaxReasons = 50;  // a 2000-row failure may list 2000 errors; operators need a few

std::string string_member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                     : std::string();
}

void note_delay(GoogleError& e, const rapidjson::Value& v) {
  if (auto d = parse_duration(string_member(v, "retryDelay")); d && (!e.retry_delay || *d > *e.retry_delay))
    e.retry_delay = d;
}

void add_reason(GoogleError& e, std::string reason) {
  if (!reason.empty() && e.reasons.size() < kMaxReasons) e.reasons.push_back(std::move(reason));
}

// errorCode is a one-member object such as {"conversionUploadError": "TOO_RECENT_EVENT"}.
std::string error_code(const rapidjson::Value& error) {
  auto it = error.FindMember("errorCode");
  if (it == error.MemberEnd() || !it->value.IsObject()) return {};
  for (const auto& m : it->value.GetObject())
    if (m.value.IsString()) return std::string(m.value.GetString(), m.value.GetStringLength());
  return {};
}

std::optional<size_t> error_row(const rapidjson::Value& error) {
  auto loc = error.FindMember("location");
  if (loc == error.MemberEnd() || !loc->value.IsObject()) return std::nullopt;
  auto path = loc->value.FindMember("fieldPathElements");
  if (path == loc->value.MemberEnd() || !path->value.IsArray() || path->value.Empty()) return std::nullopt;
  const rapidjson::Value& first = path->value[0];
  if (!first.IsObject()) return std::nullopt;
  auto index = first.FindMember("index");
  if (index == first.MemberEnd() || !index->value.IsUint64()) return std::nullopt;
  return static_cast<size_t>(index->value.GetUint64());
}

void parse_ads_errors(GoogleError& e, const rapidjson::Value& errors) {
  for (const auto& err : errors.GetArray()) {
    if (!err.IsObject()) continue;
    AdsError ads{error_code(err), error_row(err)};
    add_reason(e, ads.code);
    if (auto d = err.FindMember("details"); d != err.MemberEnd() && d->value.IsObject())
      if (auto q = d->value.FindMember("quotaErrorDetails"); q != d->value.MemberEnd()) note_delay(e, q->value);
    e.ads_errors.push_back(std::move(ads));
  }
}

void parse_detail(GoogleError& e, const rapidjson::Value& d) {
  if (!d.IsObject()) return;
  add_reason(e, string_member(d, "reason"));                                                  // google.rpc.ErrorInfo
  note_delay(e, d);                                                                           // google.rpc.RetryInfo
  if (auto fv = d.FindMember("fieldViolations"); fv != d.MemberEnd() && fv->value.IsArray())  // BadRequest
    for (const auto& v : fv->value.GetArray()) add_reason(e, string_member(v, "reason"));
  if (auto errs = d.FindMember("errors"); errs != d.MemberEnd() && errs->value.IsArray())  // GoogleAdsFailure
    parse_ads_errors(e, errs->value);
}

}  // namespace

GoogleError parse_status(const rapidjson::Value& status) {
  GoogleError e;
  if (!status.IsObject()) return e;
  e.status = string_member(status, "status");
  if (auto details = status.FindMember("details"); details != status.MemberEnd() && details->value.IsArray())
    for (const auto& d : details->value.GetArray()) parse_detail(e, d);
  return e;
}

GoogleError parse_error_body(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return {};
  auto it = doc.FindMember("error");
  return it == doc.MemberEnd() ? GoogleError{} : parse_status(it->value);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.size() < 2 || text.size() > 20 || text.back() != 's') return std::nullopt;
  text.remove_suffix(1);
  int64_t whole = 0;
  int64_t millis = 0;
  size_t i = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
    whole = whole * 10 + (text[i] - '0');
  if (i == 0) return std::nullopt;
  if (i < text.size()) {
    if (text[i] != '.') return std::nullopt;
    int64_t scale = 100;
    for (++i; i < text.size(); ++i, scale /= 10) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
      millis += (text[i] - '0') * scale;
    }
  }
  if (whole > 86400) return std::nullopt;
  return std::chrono::milliseconds(whole * 1000 + millis);
}

}  // namespace fanout::dest::google_ads
