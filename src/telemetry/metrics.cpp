#include "telemetry/metrics.h"

#include <prometheus/text_serializer.h>

namespace fanout::telemetry {

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      http_requests_(prometheus::BuildCounter()
                         .Name("fanout_http_requests_total")
                         .Help("HTTP requests answered, by route and status code")
                         .Register(*registry_)),
      accepted_family_(prometheus::BuildCounter()
                           .Name("fanout_events_accepted_total")
                           .Help("Events durably accepted into the spool")
                           .Register(*registry_)),
      accepted_(accepted_family_.Add({})),
      rejected_(prometheus::BuildCounter()
                    .Name("fanout_events_rejected_total")
                    .Help("Events refused at intake, by reason")
                    .Register(*registry_)),
      deliveries_(prometheus::BuildCounter()
                      .Name("fanout_deliveries_total")
                      .Help("Delivery outcomes per event, by destination and outcome")
                      .Register(*registry_)),
      attempt_seconds_(prometheus::BuildHistogram()
                           .Name("fanout_delivery_attempt_seconds")
                           .Help("Latency of one HTTP attempt to a platform")
                           .Register(*registry_)),
      queue_depth_(prometheus::BuildGauge()
                       .Name("fanout_queue_depth")
                       .Help("Deliveries waiting in memory for a destination")
                       .Register(*registry_)),
      dead_letters_(prometheus::BuildCounter()
                        .Name("fanout_dead_letters_total")
                        .Help("Deliveries dead-lettered, by destination")
                        .Register(*registry_)),
      http_rejected_(prometheus::BuildCounter()
                         .Name("fanout_http_requests_rejected_total")
                         .Help("Requests the HTTP server refused itself before any route saw them, by reason")
                         .Register(*registry_)),
      connections_shed_(prometheus::BuildCounter()
                            .Name("fanout_http_connections_shed_total")
                            .Help("Idle keep-alive connections closed to admit new ones, by reason")
                            .Register(*registry_)),
      connections_refused_(prometheus::BuildCounter()
                               .Name("fanout_http_connections_refused_total")
                               .Help("New connections turned away, by reason")
                               .Register(*registry_)),
      spool_write_failures_(prometheus::BuildCounter()
                                .Name("fanout_spool_write_failures_total")
                                .Help("Times spool writes started failing (disk full, I/O error)")
                                .Register(*registry_)
                                .Add({})),
      ready_(prometheus::BuildGauge()
                 .Name("fanout_ready")
                 .Help("1 while fanout accepts events (spool writable, config loaded), else 0")
                 .Register(*registry_)
                 .Add({})),
      spool_bytes_(prometheus::BuildGauge()
                       .Name("fanout_spool_bytes")
                       .Help("Live size of the spool; intake answers 503 above fanout_spool_max_bytes")
                       .Register(*registry_)
                       .Add({})),
      spool_max_bytes_(prometheus::BuildGauge()
                           .Name("fanout_spool_max_bytes")
                           .Help("spool.max_bytes: the live size above which intake refuses events")
                           .Register(*registry_)
                           .Add({})) {
  prometheus::BuildGauge()
      .Name("fanout_build_info")
      .Help("Always 1; the version label is the running release")
      .Register(*registry_)
      .Add({{"version", FANOUT_VERSION}})
      .Set(1);
}

void Metrics::http_request(const std::string& route, int code) {
  http_requests_.Add({{"route", route}, {"code", std::to_string(code)}}).Increment();
}

void Metrics::events_accepted(double n) { accepted_.Increment(n); }

void Metrics::events_rejected(const std::string& reason, double n) { rejected_.Add({{"reason", reason}}).Increment(n); }

void Metrics::delivery(const std::string& destination, const std::string& outcome, double n) {
  deliveries_.Add({{"destination", destination}, {"outcome", outcome}}).Increment(n);
}

void Metrics::attempt_latency(const std::string& destination, double seconds) {
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                0.5,   1,    2.5,   5,    10};
  attempt_seconds_.Add({{"destination", destination}}, kBuckets).Observe(seconds);
}

void Metrics::queue_depth(const std::string& destination, double depth) {
  queue_depth_.Add({{"destination", destination}}).Set(depth);
}

void Metrics::dead_letters(const std::string& destination, double n) {
  dead_letters_.Add({{"destination", destination}}).Increment(n);
}

void Metrics::http_request_rejected(const std::string& reason, double n) {
  http_rejected_.Add({{"reason", reason}}).Increment(n);
}

void Metrics::connections_shed(const std::string& reason, double n) {
  connections_shed_.Add({{"reason", reason}}).Increment(n);
}

void Metrics::connections_refused(const std::string& reason, double n) {
  connections_refused_.Add({{"reason", reason}}).Increment(n);
}

void Metrics::spool_write_failure() { spool_write_failures_.Increment(); }

void Metrics::ready(bool ready) { ready_.Set(ready ? 1 : 0); }

void Metrics::spool_size(double bytes, double max_bytes) {
  if (bytes >= 0) spool_bytes_.Set(bytes);
  spool_max_bytes_.Set(max_bytes);
}

void Metrics::node_info(const std::string& node_id) {
  prometheus::BuildGauge()
      .Name("fanout_node_info")
      .Help("This fanout node (1); node_id as in [spool] node_id")
      .Register(*registry_)
      .Add({{"node_id", node_id}})
      .Set(1);
}

std::string Metrics::render() const {
  if (refresh_) refresh_();
  prometheus::TextSerializer serializer;
  return serializer.Serialize(registry_->Collect());
}

}  // namespace fanout::telemetry
