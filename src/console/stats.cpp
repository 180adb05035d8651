#include "console/stats.h"

#include <charconv>
#include <cstdlib>

#include "console/json.h"

namespace fanout::console {
namespace {

// The value of label `name` in a label set like `destination="meta",outcome="delivered"`.
std::string label(std::string_view labels, std::string_view name) {
  const std::string key = std::string(name) + "=\"";
  size_t at = labels.find(key);
  while (at != std::string_view::npos && at > 0 && labels[at - 1] != ',' && labels[at - 1] != '{') {
    at = labels.find(key, at + 1);
  }
  if (at == std::string_view::npos) return {};
  const size_t start = at + key.size();
  const size_t end = labels.find('"', start);
  if (end == std::string_view::npos) return {};
  return std::string(labels.substr(start, end - start));
}

double rate(double from, double to, int64_t ms) {
  if (ms <= 0 || to < from) return 0;  // a counter restart reads as no traffic, not a negative rate
  return (to - from) * 1000.0 / static_cast<double>(ms);
}

}  // namespace

MetricsSnapshot parse_metrics(std::string_view text) {
  MetricsSnapshot out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line.front() == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string_view::npos) continue;
    const std::string value_text(line.substr(space + 1));
    const double value = std::strtod(value_text.c_str(), nullptr);
    std::string_view series = line.substr(0, space);
    std::string_view name = series.substr(0, series.find('{'));
    std::string_view labels = series.size() > name.size() ? series.substr(name.size()) : std::string_view();
    if (name == "fanout_events_accepted_total") {
      out.accepted = value;
    } else if (name == "fanout_deliveries_total") {
      out.deliveries[label(labels, "destination")][label(labels, "outcome")] = value;
    } else if (name == "fanout_queue_depth") {
      out.queue_depth[label(labels, "destination")] = value;
    }
  }
  return out;
}

void RateHistory::add(int64_t at_ms, const MetricsSnapshot& snapshot) {
  Sample s;
  s.at_ms = at_ms;
  s.accepted = snapshot.accepted;
  for (const auto& [destination, outcomes] : snapshot.deliveries) {
    double finished = 0;
    for (const auto& [outcome, count] : outcomes)
      if (outcome == "delivered" || outcome == "failed" || outcome == "skipped") finished += count;
    s.finished[destination] = finished;
  }
  std::lock_guard lock(mu_);
  samples_.push_back(std::move(s));
  while (samples_.size() > kSamples + 1) samples_.pop_front();
}

void RateHistory::append_json(std::string& out) const {
  std::lock_guard lock(mu_);
  out += "\"rates\":{\"step_s\":";
  out += std::to_string(kSampleEvery.count());
  out += ",\"until_ms\":";
  out += std::to_string(samples_.empty() ? 0 : samples_.back().at_ms);
  out += ",\"accepted\":[";
  for (size_t i = 1; i < samples_.size(); ++i) {
    if (i > 1) out += ',';
    append_json_number(out, rate(samples_[i - 1].accepted, samples_[i].accepted, samples_[i].at_ms - samples_[i - 1].at_ms));
  }
  out += "],\"destinations\":{";
  std::map<std::string, bool> names;
  if (!samples_.empty())
    for (const auto& [name, v] : samples_.back().finished) names[name] = true;
  bool first = true;
  for (const auto& [name, unused] : names) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ":[";
    for (size_t i = 1; i < samples_.size(); ++i) {
      if (i > 1) out += ',';
      auto find = [&](const Sample& s) {
        auto it = s.finished.find(name);
        return it == s.finished.end() ? 0.0 : it->second;
      };
      append_json_number(out, rate(find(samples_[i - 1]), find(samples_[i]), samples_[i].at_ms - samples_[i - 1].at_ms));
    }
    out += ']';
  }
  out += "}}";
}

}  // namespace fanout::console
