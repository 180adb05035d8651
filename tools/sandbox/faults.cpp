#include "sandbox/faults.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "sandbox/json.h"

namespace fanout::sandbox {
namespace {

constexpr size_t kMaxIds = 100000;  // per fault
constexpr int64_t kMaxDelayMs = 10 * 60 * 1000;

const char* const kPlatforms[] = {"meta", "ga4", "google_ads", "microsoft_ads", "tiktok"};

bool parse_mode(std::string_view text, FaultMode& mode) {
  for (FaultMode m : {FaultMode::status, FaultMode::rate_limit, FaultMode::delay_ms, FaultMode::partial_failure,
                      FaultMode::reject_event_ids, FaultMode::auth_expired}) {
    if (text == mode_name(m)) {
      mode = m;
      return true;
    }
  }
  return false;
}

}  // namespace

const char* mode_name(FaultMode mode) {
  switch (mode) {
    case FaultMode::status:
      return "status";
    case FaultMode::rate_limit:
      return "rate_limit";
    case FaultMode::delay_ms:
      return "delay_ms";
    case FaultMode::partial_failure:
      return "partial_failure";
    case FaultMode::reject_event_ids:
      return "reject_event_ids";
    case FaultMode::auth_expired:
      return "auth_expired";
  }
  return "status";
}

Result<Fault> parse_fault(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return fail("invalid_fault", "the body must be a JSON object");
  Fault f;
  auto platform = string_member(doc, "platform");
  if (!platform ||
      std::none_of(std::begin(kPlatforms), std::end(kPlatforms), [&](const char* p) { return *platform == p; })) {
    return fail("invalid_fault", "platform must be meta, ga4, google_ads, microsoft_ads or tiktok", "platform");
  }
  f.platform = std::string(*platform);
  auto mode = string_member(doc, "mode");
  if (!mode || !parse_mode(*mode, f.mode)) {
    return fail("invalid_fault",
                "mode must be status, rate_limit, delay_ms, partial_failure, reject_event_ids or auth_expired", "mode");
  }
  if (const Json* count = member(doc, "count")) {
    if (!count->IsInt64() || count->GetInt64() < -1 || count->GetInt64() == 0) {
      return fail("invalid_fault", "count must be a positive integer or -1 (forever)", "count");
    }
    f.count = count->GetInt64();
  }
  if (f.mode == FaultMode::rate_limit) f.status = 429;
  if (f.mode == FaultMode::auth_expired) f.status = 401;
  if (const Json* status = member(doc, "status")) {
    if (!status->IsInt() || status->GetInt() < 200 || status->GetInt() > 599) {
      return fail("invalid_fault", "status must be an HTTP status (200-599)", "status");
    }
    f.status = status->GetInt();
  }
  // "retry_after" (seconds) as the integration tests write it; "retry_after_s" also accepted.
  for (const char* key : {"retry_after", "retry_after_s"}) {
    if (const Json* v = member(doc, key)) {
      if (!v->IsInt64() || v->GetInt64() < 0) return fail("invalid_fault", "retry_after must be seconds >= 0", key);
      f.retry_after_s = v->GetInt64();
    }
  }
  // The delay may come as "delay_ms" or "ms".
  for (const char* key : {"delay_ms", "ms"}) {
    if (const Json* v = member(doc, key)) {
      if (!v->IsInt64() || v->GetInt64() < 0 || v->GetInt64() > kMaxDelayMs) {
        return fail("invalid_fault", "delay_ms must be 0..600000", key);
      }
      f.delay_ms = v->GetInt64();
    }
  }
  if (f.mode == FaultMode::delay_ms && !member(doc, "delay_ms") && !member(doc, "ms")) {
    return fail("invalid_fault", "delay_ms mode needs \"delay_ms\": milliseconds", "delay_ms");
  }
  for (const char* key : {"event_ids", "order_ids", "ids"}) {
    const Json* ids = member(doc, key);
    if (!ids) continue;
    if (!ids->IsArray() || ids->Size() > kMaxIds) return fail("invalid_fault", "must be an array of strings", key);
    for (const auto& id : ids->GetArray()) {
      if (!id.IsString()) return fail("invalid_fault", "must be an array of strings", key);
      f.ids.emplace_back(id.GetString(), id.GetStringLength());
    }
  }
  if (f.mode == FaultMode::reject_event_ids && f.ids.empty()) {
    return fail("invalid_fault", "reject_event_ids needs \"event_ids\": [...]", "event_ids");
  }
  f.error_code = std::string(string_member(doc, "error_code").value_or(""));
  f.body = std::string(string_member(doc, "body").value_or(""));
  return f;
}

void FaultTable::set(Fault fault) {
  std::lock_guard lock(mutex_);
  auto& list = faults_[fault.platform];
  std::erase_if(list, [&](const Fault& f) { return f.mode == fault.mode; });
  list.push_back(std::move(fault));
}

void FaultTable::clear() {
  std::lock_guard lock(mutex_);
  faults_.clear();
}

void FaultTable::clear(const std::string& platform) {
  std::lock_guard lock(mutex_);
  faults_.erase(platform);
}

std::vector<Fault> FaultTable::active(const std::string& platform) const {
  std::lock_guard lock(mutex_);
  auto it = faults_.find(platform);
  return it == faults_.end() ? std::vector<Fault>{} : it->second;
}

void FaultTable::consume(const std::string& platform, FaultMode mode) {
  std::lock_guard lock(mutex_);
  auto it = faults_.find(platform);
  if (it == faults_.end()) return;
  auto& list = it->second;
  for (auto f = list.begin(); f != list.end(); ++f) {
    if (f->mode != mode || f->count < 0) continue;
    if (--f->count <= 0) list.erase(f);
    break;
  }
}

std::string FaultTable::json() const {
  std::lock_guard lock(mutex_);
  JsonOut j;
  j.begin_object().key("faults").begin_array();
  for (const auto& [platform, list] : faults_) {
    for (const Fault& f : list) {
      j.begin_object().field("platform", f.platform).field("mode", mode_name(f.mode)).field("count", f.count);
      j.field("status", f.status);
      if (f.mode == FaultMode::rate_limit) j.field("retry_after", f.retry_after_s);
      if (f.mode == FaultMode::delay_ms) j.field("delay_ms", f.delay_ms);
      if (!f.ids.empty()) j.field("id_count", f.ids.size());
      j.end_object();
    }
  }
  return j.end_array().end_object().take();
}

}  // namespace fanout::sandbox
