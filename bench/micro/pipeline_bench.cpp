// Micro benchmarks of the intake and envelope hot paths: HMAC verification, parsing + validation
// (which includes hashing), normalization + hashing alone, and each destination's build() of a batch.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "app/config.h"
#include "core/clock.h"
#include "core/event_codec.h"
#include "identity/identity.h"
#include "identity/phone.h"
#include "ingest/event_parser.h"
#include "ingest/signature.h"

namespace {

std::string sample_event(int i) {
  return R"({"event_id":"bench-)" + std::to_string(i) + R"(","event_name":"purchase","event_time":)" +
         std::to_string(fanout::now_ms() / 1000 - 10) +
         R"(,"event_source_url":"https://shop.example.com/done","user":{"email":"Jane.Doe+x@Example.com",)"
         R"("phone":"+44 7911 123456","first_name":"Jane","last_name":"Doe","city":"London","zip":"SW1A 1AA",)"
         R"("country":"GB","ip":"203.0.113.7","user_agent":"Mozilla/5.0"},"ids":{"fbclid":"IwAR2x","gclid":"Cj0KCQ",)"
         R"("msclkid":"4a5b6c7d-1234-4abc-9def-0123456789ab","ttclid":"E.C.P.x","ga_client_id":"GA1.1.1197596843.1673515099"},)"
         R"("value":10.5,"currency":"GBP","order_id":"o-1","contents":[{"id":"SKU-1","quantity":2,"price":5.25}]})";
}

void BM_VerifySignature(benchmark::State& state) {
  std::string body = sample_event(1);
  std::vector<std::string> secrets{"old-secret", "current-secret"};
  std::string header = "sha256=" + fanout::ingest::sign_body(body, "current-secret");
  for (auto _ : state) benchmark::DoNotOptimize(fanout::ingest::verify_signature(header, body, secrets));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifySignature);

void BM_ParseAndValidate(benchmark::State& state) {
  std::string body = sample_event(1);
  fanout::ingest::ParseOptions options;
  for (auto _ : state) {
    std::vector<fanout::ingest::FieldError> errors;
    auto parsed = fanout::ingest::parse_body(body, options, errors);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndValidate);

void BM_HashUser(benchmark::State& state) {
  fanout::RawUser raw;
  raw.email = {"Jane.Doe+x@Example.com"};
  raw.phone = {"+44 7911 123456"};
  raw.first_name = "Jane";
  raw.last_name = "Doe";
  raw.city = "London";
  raw.zip = "SW1A 1AA";
  raw.country = "GB";
  raw.external_id = "crm-42";
  fanout::identity::Options options;
  for (auto _ : state) benchmark::DoNotOptimize(fanout::identity::hash_user(raw, options));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HashUser);

// One phone number to E.164: NANP numbers already in E.164 take a shortcut; every other form is
// parsed by libphonenumber.
void BM_PhoneE164(benchmark::State& state, const char* raw, const char* region) {
  for (auto _ : state) benchmark::DoNotOptimize(fanout::identity::phone_e164(raw, region));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_PhoneE164, nanp_e164, "+16505551212", "US");
BENCHMARK_CAPTURE(BM_PhoneE164, us_national, "(650) 555-1212", "US");
BENCHMARK_CAPTURE(BM_PhoneE164, uk_international, "+44 7911 123456", "US");

// The spool payload of one parsed event (built at intake for every accepted event).
void BM_EncodeEvent(benchmark::State& state) {
  std::vector<fanout::ingest::FieldError> errors;
  auto parsed = fanout::ingest::parse_body(sample_event(1), {}, errors);
  const fanout::Event& event = parsed->events.front();
  for (auto _ : state) benchmark::DoNotOptimize(fanout::encode_event(event));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeEvent);

// Decoding a spool payload back into an Event (a destination reading its backlog from the spool).
void BM_DecodeEvent(benchmark::State& state) {
  std::vector<fanout::ingest::FieldError> errors;
  auto parsed = fanout::ingest::parse_body(sample_event(1), {}, errors);
  const std::string payload = fanout::encode_event(parsed->events.front());
  for (auto _ : state) benchmark::DoNotOptimize(fanout::decode_event(payload));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeEvent);

// One destination's build() over a batch of state.range(0) events.
void BM_Build(benchmark::State& state, const char* destination) {
  setenv("BENCH_TOKEN", "token", 1);
  setenv("BENCH_SECRET", "secret", 1);
  std::string toml = R"([ingest]
secret_env = "BENCH_SECRET"
[destinations.meta]
pixel_id = "1"
access_token_env = "BENCH_TOKEN"
[destinations.ga4]
measurement_id = "G-1"
api_secret_env = "BENCH_TOKEN"
[destinations.google_ads]
customer_id = "1234567890"
access_token_env = "BENCH_TOKEN"
[destinations.microsoft_ads]
tag_id = "1"
capi_token_env = "BENCH_TOKEN"
[destinations.tiktok]
pixel_code = "C1"
access_token_env = "BENCH_TOKEN"
[events.purchase]
google_ads = "111"
)";
  auto config = fanout::app::load_config_text(toml, "bench.toml");
  if (!config) {
    state.SkipWithError(config.error().message.c_str());
    return;
  }
  const fanout::dest::Destination* d = nullptr;
  for (const auto* x : config->destination_ptrs())
    if (x->name() == destination) d = x;
  std::vector<fanout::Event> events;
  for (int i = 0; i < state.range(0); ++i) {
    std::vector<fanout::ingest::FieldError> errors;
    auto parsed = fanout::ingest::parse_body(sample_event(i), {}, errors);
    events.push_back(parsed->events.front());
  }
  std::vector<const fanout::Event*> ptrs;
  for (const auto& e : events) ptrs.push_back(&e);
  fanout::dest::Auth auth{"token"};
  for (auto _ : state) benchmark::DoNotOptimize(d->build(ptrs, auth));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK_CAPTURE(BM_Build, meta, "meta")->Arg(1000);
BENCHMARK_CAPTURE(BM_Build, ga4, "ga4")->Arg(25);
BENCHMARK_CAPTURE(BM_Build, google_ads, "google_ads")->Arg(2000);
BENCHMARK_CAPTURE(BM_Build, microsoft_ads, "microsoft_ads")->Arg(1000);
BENCHMARK_CAPTURE(BM_Build, tiktok, "tiktok")->Arg(1000);

}  // namespace
