#pragma once
// The newest events as the console's Events view shows them, kept per live stream: each poll() reads
// the events accepted since the last one and the delivery states of the whole window (one range query
// on the spool's primary keys), and returns only the rows that are new or changed, so a stream sends
// differences, not the window again and again. On a spool shared by several nodes, where an event can
// commit after one with a higher seq, each poll reads the newest events again instead (one index scan
// of at most the window's size), so a late one takes its place in the window.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/result.h"
#include "spool/spool.h"

namespace fanout::console {

// One event row of the Events view.
struct EventRow {
  int64_t seq = 0;
  std::string event_id;
  std::string event_name;  // canonical name, "" when the payload cannot be read
  int64_t received_at_ms = 0;
  std::vector<spool::Delivery> deliveries;  // by destination name
};

// A row from one stored event and its deliveries (the event's name is read from its payload).
EventRow make_row(const spool::StoredEvent& event, std::vector<spool::Delivery> deliveries);

// {"seq":..,"event_id":..,"event_name":..,"received_at_ms":..,"destinations":{"meta":{"state":..,...}}}
void append_row_json(std::string& out, const EventRow& row);

class EventWindow {
 public:
  // The most rows a window holds (and a page shows).
  static constexpr size_t kMaxRows = 500;

  explicit EventWindow(size_t capacity = kMaxRows) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Reads the spool and returns the rows that are new or changed since the previous poll (all of
  // them on the first), newest first.
  Result<std::vector<EventRow>> poll(spool::Spool& spool);

  // The rows held, newest first.
  const std::deque<EventRow>& rows() const { return rows_; }

 private:
  // One node: the events newer than the newest held go in front. Several nodes: the window becomes the
  // spool's newest events. Both return, parallel to the rows, true for each row not held before.
  Result<std::vector<bool>> read_newer(spool::Spool& spool);
  Result<std::vector<bool>> reread(spool::Spool& spool);
  // Reads the window's delivery states; returns the rows changed (flagged in `changed` or by state).
  Result<std::vector<EventRow>> with_states(spool::Spool& spool, std::vector<bool>& changed);

  size_t capacity_;
  std::deque<EventRow> rows_;  // newest first; seqs strictly decreasing
};

}  // namespace fanout::console
