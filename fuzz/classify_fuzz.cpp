// libFuzzer target: every destination's classify() on an arbitrary answer to a real request of its own.
// Input: byte 0 picks the destination, bytes 1-2 the status (0..999), then "<retry-after>\n<body>".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "app/config.h"
#include "ingest/event_parser.h"

namespace {

using namespace fanout;

const char* kConfig = R"([ingest]
secret_env = "F_SECRET"
[destinations.meta]
pixel_id = "1234567890123456"
access_token_env = "F_META"
[destinations.ga4]
measurement_id = "G-TEST12345"
api_secret_env = "F_GA4"
[destinations.google_ads]
customer_id = "123-456-7890"
refresh_token_env = "F_G"
client_id_env = "F_G"
client_secret_env = "F_G"
[destinations.microsoft_ads]
tag_id = "12345678"
capi_token_env = "F_MS"
[destinations.tiktok]
pixel_code = "CTEST00000000000000A"
access_token_env = "F_TT"
[events.purchase]
google_ads = "customers/1234567890/conversionActions/111"
)";

const char* kEvents = R"({"events":[
{"event_id":"f1","event_name":"purchase","event_time":1767225000,"event_source_url":"https://shop.example.com/",
 "user":{"email":"a@example.com","phone":"+16505551212","ip":"203.0.113.7","user_agent":"Mozilla/5.0"},
 "ids":{"fbclid":"IwAR2x","gclid":"Cj0KCQtest","msclkid":"4a5b6c7d","ttclid":"E.C.P.x","ga_client_id":"1.2"},
 "value":10.5,"currency":"USD"},
{"event_id":"f2","event_name":"purchase","event_time":1767225000,"user":{"email":"b@example.com"},
 "ids":{"gclid":"Cj0KCQtest2","ga_client_id":"3.4","msclkid":"x","ttclid":"y"},"value":1,"currency":"EUR"}]})";

struct Fixture {
  app::Config config;
  std::vector<Event> events;
  std::vector<std::vector<dest::Request>> requests;  // per destination
};

Fixture* make_fixture() {
  auto config = app::load_config_text(kConfig, "fuzz.toml", app::LoadOptions{.redact_secrets = true});
  if (!config) std::abort();
  auto fixture = new Fixture{std::move(*config), {}, {}};
  ingest::ParseOptions options;
  options.now_s = 1767225600;
  std::vector<ingest::FieldError> errors;
  auto parsed = ingest::parse_body(kEvents, options, errors);
  if (!parsed) std::abort();
  fixture->events = std::move(parsed->events);
  std::vector<const Event*> pointers;
  for (const auto& e : fixture->events) pointers.push_back(&e);
  dest::Auth auth{"token"};
  for (const auto* d : fixture->config.destination_ptrs()) fixture->requests.push_back(d->build(pointers, auth));
  return fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = make_fixture();
  if (size < 3) return 0;
  const auto destinations = fixture->config.destination_ptrs();
  const size_t which = data[0] % destinations.size();
  const auto& requests = fixture->requests[which];
  if (requests.empty()) return 0;
  dest::HttpResponse response;
  response.status = (data[1] << 8 | data[2]) % 1000;
  const std::string rest(reinterpret_cast<const char*>(data + 3), size - 3);
  const size_t newline = rest.find('\n');
  if (newline != std::string::npos) {
    response.headers["retry-after"] = rest.substr(0, newline);
    response.body = rest.substr(newline + 1);
  } else {
    response.body = rest;
  }
  if (response.status == 0) response.transport_error = "timeout";
  for (const auto& request : requests) {
    const dest::Classification c = destinations[which]->classify(request, response);
    // The contract delivery/ relies on: exactly one outcome per event of the request.
    if (c.events.size() != request.indices.size()) std::abort();
  }
  return 0;
}
