// Delivery-thread CPU per request: CurlClient against an in-process loopback server, with requests shaped
// like GA4's (one event per request, 16 in flight). The CPU column is the calling thread's time only, so
// the server's threads do not count: it is the client's per-request cost (curl, syscalls, allocations).
#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>

#include "delivery/curl_client.h"
#include "net/http_server.h"

namespace {

using fanout::delivery::CurlClient;

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
  size_t completed = 0;
  auto start_one = [&] {
    fanout::dest::HttpRequest r;
    r.url = url;
    r.headers = {{"content-type", "application/json"}};
    r.body = body;
    ++running;
    client.start(std::move(r), 10000, [&](fanout::dest::HttpRequest&&, fanout::dest::HttpResponse&& response, double) {
      if (response.status != 204) throw std::runtime_error("unexpected answer");
      --running;
      ++completed;
    });
  };
  for (auto _ : state) {
    while (running < in_flight) start_one();
    const size_t target = completed + 1;
    while (completed < target) client.run(100);
  }
  while (running > 0) client.run(100);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  (*server)->stop(std::chrono::milliseconds(1000));
}
BENCHMARK(BM_CurlRequests)->Arg(16)->MinTime(2.0);

}  // namespace
