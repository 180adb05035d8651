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

void Recorder::append_ids(std::string& out) const {
  out += '{';
  bool first = true;
  ids_.for_each([&](std::string_view id, uint64_t count) {
    if (!first) out += ',';
    first = false;
    append_quoted(out, id);
    out += ':';
    out += std::to_string(count);
  });
  out += '}';
}

std::string Recorder::stats_json(bool with_ids) const {
  std::lock_guard lock(mutex_);
  std::string b = R"({"requests":)" + std::to_string(stats_.requests) + R"(,"events":)" +
                  std::to_string(stats_.events) + R"(,"rejected_requests":)" +
                  std::to_string(stats_.rejected_requests) + R"(,"faulted_requests":)" +
                  std::to_string(stats_.faulted_requests) + R"(,"duplicate_events":)" +
                  std::to_string(stats_.duplicate_events) + R"(,"distinct_event_ids":)" + std::to_string(ids_.size()) +
                  R"(,"token_requests":)" + std::to_string(stats_.token_requests);
  if (with_ids) {
    b += R"(,"event_ids":)";
    append_ids(b);
  }
  return b + "}";
}

std::string Recorder::event_ids_json() const {
  std::lock_guard lock(mutex_);
  std::string b;
  b.reserve(ids_.size() * 24 + 64);
  b += R"({"event_ids":)";
  append_ids(b);
  return b + R"(,"dropped_ids":)" + std::to_string(dropped_ids_) + "}";
}

std::string Recorder::requests_json(size_t n) const {
  std::lock_guard lock(mutex_);
  std::string b = R"({"requests":[)";
  const size_t start = ring_.size() > n ? ring_.size() - n : 0;
  for (size_t i = start; i < ring_.size(); ++i) {
    const RecordedRequest& r = ring_[i];
    if (i > start) b += ',';
    b += R"({"method":)" + quoted(r.method) + R"(,"target":)" + quoted(redact_target(r.target)) + R"(,"status":)" +
         std::to_string(r.status) + R"(,"headers":{)";
    bool first = true;
    for (const auto& [name, value] : r.headers) {
      if (!first) b += ',';
      first = false;
      append_quoted(b, name);
      b += ':';
      append_quoted(b, redact_header(name, value));
    }
    b += R"(},"body":)";
    if (r.body_is_json) {
      b += r.body;
    } else {
      append_quoted(b, r.body);
    }
    b += '}';
  }
  return b + "]}";
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
