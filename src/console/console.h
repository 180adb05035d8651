#pragma once
// The web console at /ui/: the page (static assets compiled into the binary) and the JSON APIs behind
// it, all under the admin bearer token. It exists only when an admin token is configured. Every spool
// read it makes runs on its own worker thread and read connection, so an open console costs intake and
// delivery only what its queries cost the disk.
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "destinations/destination.h"
#include "net/http_server.h"
#include "spool/spool.h"
#include "telemetry/metrics.h"

namespace fanout::console {

struct ConsoleOptions {
  std::string admin_token;                           // must not be empty
  std::vector<std::string> destination_names;        // the enabled destinations, in config order
  // The enabled destinations built from a config read with redacted secrets (previews of request bodies);
  // empty = the detail view shows no requests.
  std::vector<const dest::Destination*> preview_destinations;
};

class Console {
 public:
  // Most live streams open at once; more get 503.
  static constexpr int kMaxStreams = 16;

  Console(ConsoleOptions options, spool::Spool& spool, telemetry::Metrics& metrics);
  ~Console();  // stop()s

  // True for the targets the console answers: /ui and everything under /ui/.
  static bool owns(std::string_view target);

  // The net::Handler for owned targets.
  void handle(net::Request&& request, net::Respond respond);

  // Ends live streams and stops the worker. Call after the HTTP server has stopped.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace fanout::console
