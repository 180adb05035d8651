#include "sandbox/recorder.h"

#include "sandbox/json.h"

namespace fanout::sandbox {
namespace {

bool sensitive_header(const std::string& name) {
  return name == "authorization" || name == "access-token" || name == "developer-token" || name == "developertoken" ||
         name == "cookie";
}

// Sandbox-issued tokens are not secrets and tests want to see which one was used; anything else is.
std::string_view redact_header(const std::string& name, const std::string& value) {
  if (!sensitive_header(name)) return value;
  return value.rfind("Bearer sandbox-token-", 0) == 0 ? std::string_view(value) : "REDACTED";
}

std::string redact_target(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q + 1));
  std::string_view rest = target.substr(q + 1);
  bool first = true;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    const std::string_view key = pair.substr(0, pair.find('='));
    if (!first) out += '&';
    first = false;
    if (key == "access_token" || key == "api_secret") {
      out.append(key).append("=REDACTED");
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace

void Recorder::request(RecordedRequest recorded, const std::vector<std::string_view>& accepted_ids, bool rejected,
                       bool faulted) {
  std::lock_guard lock(mutex_);
  ++stats_.requests;
  stats_.events += accepted_ids.size();
  if (rejected) ++stats_.rejected_requests;
  if (faulted) ++stats_.faulted_requests;
  for (const std::string_view id : accepted_ids) {
    if (id.empty()) continue;
    switch (ids_.add(id, kMaxEventIds)) {
      case IdCounts::Added::first:
        break;
      case IdCounts::Added::again:
        ++stats_.duplicate_events;
        break;
      case IdCounts::Added::dropped:
        ++dropped_ids_;
        break;
    }
  }
  ring_bytes_ += recorded.body.size();
  ring_.push_back(std::move(recorded));
  while (ring_.size() > kMaxRing || (ring_bytes_ > kMaxRingBytes && ring_.size() > 1)) {
    ring_bytes_ -= ring_.front().body.size();
    ring_.pop_front();
  }
}

void Recorder::token_request() {
  std::lock_guard lock(mutex_);
  ++stats_.token_requests;
}

PlatformStats Recorder::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

uint64_t Recorder::event_id_count(std::string_view event_id) const {
  std::lock_guard lock(mutex_);
  return ids_.count(event_id);
}

std::vector<std::string> Recorder::last_bodies(size_t n) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  const size_t start = ring_.size() > n ? ring_.size() - n : 0;
  for (size_t i = start; i < ring_.size(); ++i) out.push_back(ring_[i].body);
  return out;
}

void Recorder::write_ids(JsonOut& j) const {
  j.begin_object();
  ids_.for_each([&](std::string_view id, uint64_t count) { j.field(id, count); });
  j.end_object();
}

std::string Recorder::stats_json(bool with_ids) const {
  std::lock_guard lock(mutex_);
  JsonOut j;
  j.begin_object().field("requests", stats_.requests).field("events", stats_.events);
  j.field("rejected_requests", stats_.rejected_requests).field("faulted_requests", stats_.faulted_requests);
  j.field("duplicate_events", stats_.duplicate_events).field("distinct_event_ids", ids_.size());
  j.field("token_requests", stats_.token_requests);
  if (with_ids) write_ids(j.key("event_ids"));
  return j.end_object().take();
}

std::string Recorder::event_ids_json() const {
  std::lock_guard lock(mutex_);
  JsonOut j;
  write_ids(j.begin_object().key("event_ids"));
  return j.field("dropped_ids", dropped_ids_).end_object().take();
}

std::string Recorder::requests_json(size_t n) const {
  std::lock_guard lock(mutex_);
  JsonOut j;
  j.begin_object().key("requests").begin_array();
  const size_t start = ring_.size() > n ? ring_.size() - n : 0;
  for (size_t i = start; i < ring_.size(); ++i) {
    const RecordedRequest& r = ring_[i];
    j.begin_object().field("method", r.method).field("target", redact_target(r.target)).field("status", r.status);
    j.key("headers").begin_object();
    for (const auto& [name, value] : r.headers) j.field(name, redact_header(name, value));
    j.end_object().key("body");
    if (r.body_is_json) {
      j.raw(r.body);  // parsed as JSON when it was recorded
    } else {
      j.value(r.body);
    }
    j.end_object();
  }
  return j.end_array().end_object().take();
}

void Recorder::reset() {
  std::lock_guard lock(mutex_);
  stats_ = {};
  ids_.clear();
  dropped_ids_ = 0;
  ring_.clear();
  ring_bytes_ = 0;
}

}  // namespace fanout::sandbox
