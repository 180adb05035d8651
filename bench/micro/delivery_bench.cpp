// Delivery-thread CPU per request: CurlClient against an in-process loopback server, with requests shaped
// like GA4's (one event per request, 16 in flight). One iteration is one request: it starts one and, while
// `in_flight` are outstanding, drives the client until one finishes (finished answers often arrive several
// at a time; the following iterations then start requests without waiting). The CPU column is the calling
// thread's time only: the client's cost per request (curl, syscalls, allocations). Counters:
// `process_cpu_us` = CPU per request of the whole process, i.e. client plus loopback server threads;
// `connects` = new connections per request (keep-alive working: ~0).
#include <benchmark/benchmark.h>
#include <time.h>

#include <stdexcept>
#include <string>

#include "delivery/curl_client.h"
#include "net/http_server.h"

namespace {

using fanout::delivery::CurlClient;

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void BM_CurlRequests(benchmark::State& state) {
  const size_t in_flight = static_cast<size_t>(state.range(0));
  auto server = fanout::net::HttpServer::start(fanout::net::ServerOptions{},
                                               [](fanout::net::Request&&, fanout::net::Respond respond) {
                                                 respond(fanout::net::Response{204, "text/plain", "", {}});
                                               });
  if (!server) throw std::runtime_error(server.error().message);
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) +
                          "/ga4/mp/collect?measurement_id=G-BENCH1234&api_secret=bench-token";
  const std::string body(900, 'x');
  CurlClient client;
  size_t running = 0;
  auto start_one = [&] {
    fanout::dest::HttpRequest r;
    r.url = url;
    r.headers = {{"content-type", "application/json"}};
    r.body = body;
    ++running;
    client.start(std::move(r), 10000, [&](fanout::dest::HttpRequest&&, fanout::dest::HttpResponse&& response, double) {
      if (response.status != 204) throw std::runtime_error("unexpected answer");
      --running;
    });
  };
  const uint64_t connects_before = client.connections_opened();
  const double cpu_before = process_cpu_seconds();
  for (auto _ : state) {
    start_one();
    while (running >= in_flight) client.run(100);
  }
  while (running > 0) client.run(100);
  const double cpu = process_cpu_seconds() - cpu_before;
  const auto requests = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.counters["process_cpu_us"] = cpu * 1e6 / requests;
  state.counters["connects"] = static_cast<double>(client.connections_opened() - connects_before) / requests;
  (*server)->stop(std::chrono::milliseconds(1000));
}
BENCHMARK(BM_CurlRequests)->Arg(16)->Arg(64)->MinTime(2.0);

}  // namespace
