// GA4 Measurement Protocol: per-event outcome of one request from the answer. Pure.
// What each answer means, and why: README.md here, "Answers".
#include <string>

#include "destinations/ga4/ga4.h"

namespace fanout::dest::ga4 {

// MP answers 2xx whenever it received the request, even for a payload it drops: only transport problems, rate
// limiting and server errors are worth a retry.
Classification Ga4Destination::classify(const Request& request, const HttpResponse& response) const {
  Classification c;
  EventResult result;
  const int s = response.status;
  if (s >= 200 && s < 300) {
    result = {Outcome::delivered, ""};
  } else if (s == 0) {
    result = {Outcome::retry, transport_reason(response)};
  } else if (s == 408 || s == 429 || s >= 500) {
    result = {Outcome::retry, "http_" + std::to_string(s)};
  } else {
    result = {Outcome::reject, "ga4: http_" + std::to_string(s)};
  }
  c.events.assign(request.indices.size(), result);
  return c;
}

}  // namespace fanout::dest::ga4
