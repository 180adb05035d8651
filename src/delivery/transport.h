#pragma once
// What a delivery lane needs from the outside world besides the spool: outbound HTTP and the time. Both
// are interfaces so that the lane state machine runs in tests over a scripted transport and a simulated
// clock (tests/delivery/lane_test.cpp: no sockets, no sleeps). In the gateway they are the delivery
// thread's CurlClient and the wall clock.
#include <cstdint>
#include <functional>

#include "core/clock.h"
#include "destinations/destination.h"

namespace fanout::delivery {

class Transport {
 public:
  // Gets back the request it was given (callers need not copy bodies to classify the answer) and the
  // response: status 0 = no HTTP answer (transport_error says why). `latency_s` is the request's duration.
  using Completion = std::function<void(dest::HttpRequest&& request, dest::HttpResponse&& response, double latency_s)>;

  virtual ~Transport() = default;

  // Starts `request`, bounded by `timeout_ms` end to end. `done` runs exactly once, later, on the
  // thread that drives the transport (never from inside start()), unless the transfer is abandoned at
  // shutdown.
  virtual void start(dest::HttpRequest request, int64_t timeout_ms, Completion done) = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t now_ms() const = 0;
};

// The wall clock (the gateway's).
class WallClock final : public Clock {
 public:
  int64_t now_ms() const override { return fanout::now_ms(); }
};

}  // namespace fanout::delivery
