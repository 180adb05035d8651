#include "console/event_window.h"

#include <map>
#include <unordered_map>
#include <utility>

#include "console/json.h"
#include "core/event_codec.h"

namespace fanout::console {
namespace {

bool same(const spool::Delivery& a, const spool::Delivery& b) {
  return a.destination == b.destination && a.state == b.state && a.reason == b.reason && a.attempts == b.attempts &&
         a.last_error == b.last_error && a.next_attempt_at_ms == b.next_attempt_at_ms;
}

bool same(const std::vector<spool::Delivery>& a, const std::vector<spool::Delivery>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i])) return false;
  return true;
}

}  // namespace

EventRow make_row(const spool::StoredEvent& event, std::vector<spool::Delivery> deliveries) {
  EventRow row;
  row.seq = event.seq;
  row.event_id = event.event_id;
  row.received_at_ms = event.received_at_ms;
  if (auto decoded = decode_event(event.payload)) row.event_name = decoded->event_name;
  row.deliveries = std::move(deliveries);
  return row;
}

void append_row_json(std::string& out, const EventRow& row) {
  out += "{\"seq\":";
  out += std::to_string(row.seq);
  out += ",\"event_id\":";
  append_json_string(out, row.event_id);
  out += ",\"event_name\":";
  append_json_string(out, row.event_name);
  out += ",\"received_at_ms\":";
  out += std::to_string(row.received_at_ms);
  out += ",\"destinations\":{";
  bool first = true;
  for (const spool::Delivery& d : row.deliveries) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, d.destination);
    out += ":{\"state\":\"";
    out += spool::state_name(d.state);
    out += "\",\"reason\":";
    append_json_string(out, d.reason);
    out += ",\"attempts\":";
    out += std::to_string(d.attempts);
    out += ",\"last_error\":";
    append_json_string(out, d.last_error);
    out += ",\"next_attempt_at_ms\":";
    out += std::to_string(d.next_attempt_at_ms);
    out += ",\"updated_at_ms\":";
    out += std::to_string(d.updated_at_ms);
    out += '}';
  }
  out += "}}";
}

Result<std::vector<bool>> EventWindow::reread(spool::Spool& spool) {
  auto newest = spool.recent_events(0, capacity_);
  if (!newest) return tl::unexpected(newest.error());
  std::unordered_map<int64_t, size_t> held;
  for (size_t i = 0; i < rows_.size(); ++i) held.emplace(rows_[i].seq, i);
  std::deque<EventRow> rows;
  std::vector<bool> changed;
  for (const spool::StoredEvent& e : *newest) {
    auto it = held.find(e.seq);
    const bool known = it != held.end();
    rows.push_back(known ? std::move(rows_[it->second]) : make_row(e, {}));
    changed.push_back(!known);
  }
  rows_ = std::move(rows);
  return changed;
}

Result<std::vector<bool>> EventWindow::read_newer(spool::Spool& spool) {
  const int64_t newest = rows_.empty() ? 0 : rows_.front().seq;
  auto fresh = spool.recent_events(newest, capacity_);
  if (!fresh) return tl::unexpected(fresh.error());
  if (fresh->empty()) return std::vector<bool>(rows_.size(), false);
  std::deque<EventRow> merged;
  for (const spool::StoredEvent& e : *fresh) merged.push_back(make_row(e, {}));
  for (EventRow& r : rows_) {
    if (merged.size() >= capacity_) break;
    merged.push_back(std::move(r));
  }
  std::vector<bool> changed(merged.size(), false);
  for (size_t i = 0; i < fresh->size() && i < merged.size(); ++i) changed[i] = true;
  rows_ = std::move(merged);
  return changed;
}

Result<std::vector<EventRow>> EventWindow::poll(spool::Spool& spool) {
  auto changed = spool.seqs_in_commit_order() ? read_newer(spool) : reread(spool);
  if (!changed) return tl::unexpected(changed.error());
  if (rows_.empty()) return std::vector<EventRow>{};
  return with_states(spool, *changed);
}

Result<std::vector<EventRow>> EventWindow::with_states(spool::Spool& spool, std::vector<bool>& changed) {
  auto states = spool.delivery_states(rows_.back().seq, rows_.front().seq);
  if (!states) return tl::unexpected(states.error());
  std::map<int64_t, std::vector<spool::Delivery>> by_seq;
  for (spool::SeqDelivery& s : *states) by_seq[s.seq].push_back(std::move(s.delivery));
  std::vector<EventRow> out;
  for (size_t i = 0; i < rows_.size(); ++i) {
    EventRow& row = rows_[i];
    auto it = by_seq.find(row.seq);
    std::vector<spool::Delivery> now = it == by_seq.end() ? std::vector<spool::Delivery>{} : std::move(it->second);
    if (!same(now, row.deliveries)) {
      row.deliveries = std::move(now);
      changed[i] = true;
    }
    if (changed[i]) out.push_back(row);
  }
  return out;
}

}  // namespace fanout::console
