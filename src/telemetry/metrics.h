#pragma once
// The Prometheus metrics of docs/operations.md ("Metrics"). Labels are bounded: route, status code, reason code,
// destination, outcome; never ids. Lookups of a label set are cached by prometheus-cpp's family.
#include <functional>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace fanout::telemetry {

class Metrics {
 public:
  Metrics();

  // fanout_http_requests_total{route,code}
  void http_request(const std::string& route, int code);
  // fanout_events_accepted_total
  void events_accepted(double n);
  // fanout_events_rejected_total{reason}
  void events_rejected(const std::string& reason, double n = 1);
  // fanout_deliveries_total{destination,outcome}: outcome delivered|retry|failed|skipped
  void delivery(const std::string& destination, const std::string& outcome, double n = 1);
  // fanout_delivery_attempt_seconds{destination}
  void attempt_latency(const std::string& destination, double seconds);
  // fanout_queue_depth{destination}
  void queue_depth(const std::string& destination, double depth);
  // fanout_dead_letters_total{destination}
  void dead_letters(const std::string& destination, double n = 1);

  // fanout_http_requests_rejected_total{reason}: requests the HTTP server answered itself before any route saw
  // them (reason body_budget|framing|body_too_large|headers_too_large|malformed).
  void http_request_rejected(const std::string& reason, double n = 1);
  // fanout_http_connections_shed_total{reason}: idle keep-alive connections closed to make room
  // (reason max_connections|out_of_file_descriptors).
  void connections_shed(const std::string& reason, double n = 1);
  // fanout_http_connections_refused_total{reason}: new connections turned away (reason max_connections: closed
  // at once, none idle to shed; accept_failed: accept() failed, e.g. out of file descriptors).
  void connections_refused(const std::string& reason, double n = 1);
  // fanout_spool_write_failures_total: times spool writes started failing (disk full, I/O error).
  void spool_write_failure();

  // fanout_ready: 1 while /readyz would answer 200 (spool writable, config loaded), else 0.
  void ready(bool ready);
  // fanout_spool_bytes (live size; left as it was when unknown, < 0) and fanout_spool_max_bytes.
  void spool_size(double bytes, double max_bytes);

  // Runs `refresh` at the start of every render(), so gauges like fanout_ready are read from their
  // source when scraped. Set once, before the first render.
  void on_render(std::function<void()> refresh) { refresh_ = std::move(refresh); }
  // fanout_node_info{node_id} 1: which node of a shared spool answers this scrape.
  void node_info(const std::string& node_id);

  // Prometheus text exposition format of everything above.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Counter>& accepted_family_;
  prometheus::Counter& accepted_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Family<prometheus::Histogram>& attempt_seconds_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Counter>& dead_letters_;
  prometheus::Family<prometheus::Counter>& http_rejected_;
  prometheus::Family<prometheus::Counter>& connections_shed_;
  prometheus::Family<prometheus::Counter>& connections_refused_;
  prometheus::Counter& spool_write_failures_;
  prometheus::Gauge& ready_;
  prometheus::Gauge& spool_bytes_;
  prometheus::Gauge& spool_max_bytes_;
  std::function<void()> refresh_;
};

}  // namespace fanout::telemetry
