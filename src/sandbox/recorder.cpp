#include "sandbox/recorder.h"

#include "sandbox/json.h"

namespace fanout::sandbox {

void Recorder::request(RecordedRequest recorded, const std::vector<std::string>& accepted_ids, bool rejected,
                       bool faulted) {
  std::lock_guard lock(mutex_);
  ++stats_.requests;
  stats_.events += accepted_ids.size();
  if (rejected) ++stats_.rejected_requests;
  if (faulted) ++stats_.faulted_requests;
  for (const std::string& id : accepted_ids) {
    if (id.empty()) continue;
    auto it = ids_.find(id);
    if (it != ids_.end()) {
      ++it->second;
      ++stats_.duplicate_events;
    } else if (ids_.size() < kMaxEventIds) {
      ids_.emplace(id, 1);
    } else {
      ++dropped_ids_;
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

uint64_t Recorder::event_id_count(const std::string& event_id) const {
  std::lock_guard lock(mutex_);
  auto it = ids_.find(event_id);
  return it == ids_.end() ? 0 : it->second;
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
  for (const auto& [id, count] : ids_) {
    if (!first) out += ',';
    first = false;
    append_quoted(out, id);
    out += ':';
    out += std::to_string(count);
  }
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
    b += R"({"method":)" + quoted(r.method) + R"(,"target":)" + quoted(r.target) + R"(,"status":)" +
         std::to_string(r.status) + R"(,"headers":{)";
    for (size_t h = 0; h < r.headers.size(); ++h) {
      if (h) b += ',';
      append_quoted(b, r.headers[h].first);
      b += ':';
      append_quoted(b, r.headers[h].second);
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
