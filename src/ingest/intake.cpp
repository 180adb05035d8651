#include "ingest/intake.h"

#include <algorithm>

#include <cctype>
#include <chrono>

#include "core/clock.h"
#include "identity/phone.h"
#include "ingest/acceptance.h"
#include "ingest/event_parser.h"
#include "ingest/http_reply.h"
#include "ingest/legacy.h"
#include "ingest/routes.h"
#include "ingest/signature.h"
#include "ingest/status_json.h"
#include "telemetry/log.h"

namespace fanout::ingest {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const std::string& header(const net::Request& request, const std::string& lowercase_name) {
  static const std::string kEmpty;
  auto it = request.headers.find(lowercase_name);
  return it == request.headers.end() ? kEmpty : it->second;
}

// "application/json", with or without parameters ("; charset=utf-8"), any case. Compared in place: this runs
// twice on every event request (head check, then handling), and a lowercased copy allocated each time.
bool is_json_content_type(std::string_view value) {
  std::string_view media = value.substr(0, value.find(';'));
  const size_t b = media.find_first_not_of(" \t"), e = media.find_last_not_of(" \t");
  if (b == std::string_view::npos) return false;
  media = media.substr(b, e - b + 1);
  constexpr std::string_view kJson = "application/json";
  if (media.size() != kJson.size()) return false;
  for (size_t i = 0; i < kJson.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(media[i])) != kJson[i]) return false;
  return true;
}

// What the per-request log line says beyond route/status/latency. Never bodies or personal data.
struct LogNote {
  std::string event_id;  // single event
  int64_t count = -1;    // batch size, -1 = not a batch
  std::string error;     // error code when refused
  bool duplicate = false;
};

// Everything a request needs, shared by in-flight requests (and their spool callbacks) and immutable after
// construction; Metrics and Spool are thread-safe.
struct Shared {
  Shared(IntakeOptions options_in, std::vector<const dest::Destination*> destinations_in, spool::Spool& spool_in,
         telemetry::Metrics& metrics_in, std::function<void(std::vector<spool::Accepted>)> on_accepted_in,
         std::function<bool()> ready_in)
      : options(std::move(options_in)),
        signature_header(lower(options.signature_header)),
        destinations(std::move(destinations_in)),
        spool(spool_in),
        metrics(metrics_in),
        on_accepted(std::move(on_accepted_in)),
        ready(std::move(ready_in)) {}

  IntakeOptions options;
  std::string signature_header;  // lower case, as net::Request stores header names
  std::vector<const dest::Destination*> destinations;
  spool::Spool& spool;
  telemetry::Metrics& metrics;
  std::function<void(std::vector<spool::Accepted>)> on_accepted;
  std::function<bool()> ready;
};

// Completes one request: counts it, logs one line, answers. Copyable so it can ride in the spool's callback.
struct Finisher {
  std::shared_ptr<Shared> state;
  std::string method;
  std::string route;
  SteadyClock::time_point started;
  net::Respond respond;

  void operator()(net::Response response, const LogNote& note = {}) const {
    state->metrics.http_request(route, response.status);
    double latency_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
    log::Line line("http_request");
    line.str("method", method).str("route", route).num("status", static_cast<int64_t>(response.status));
    line.num("latency_ms", latency_ms);
    if (!note.event_id.empty()) line.str("event_id", note.event_id);
    if (note.count >= 0) line.num("count", note.count);
    if (note.duplicate) line.boolean("duplicate", true);
    if (!note.error.empty()) line.str("error", note.error);
    line.emit();
    respond(std::move(response));
  }
};

void refuse(const Finisher& finish, int status, const std::string& code, const std::string& message,
            const std::vector<FieldError>& details = {}) {
  finish.state->metrics.events_rejected(code);
  finish(error_response(status, code, message, details), LogNote{{}, -1, code});
}

void not_found(const Finisher& finish) {
  finish(error_response(404, "not_found", "no such resource"), {{}, -1, "not_found"});
}

// Checks what every event route needs before parsing: the body's signature.
bool signature_ok(const Shared& state, const net::Request& request) {
  return verify_signature(header(request, state.signature_header), request.body, state.options.secrets);
}

// Commits `events` and answers once the spool says they are durable (docs/api.md, "Acknowledgement and idempotency").
void commit(const std::shared_ptr<Shared>& state, std::vector<Event> events, bool batch, bool legacy, Finisher finish) {
  auto prepared = std::make_shared<Prepared>(prepare(std::move(events), state->destinations, now_ms()));
  std::vector<spool::NewEvent> rows = std::move(prepared->rows);
  prepared->rows.clear();
  state->spool.enqueue(std::move(rows), [state, prepared, batch, legacy,
                                         finish = std::move(finish)](Result<spool::EnqueueResult> result) {
    const size_t n = prepared->events.size();
    LogNote note;
    if (batch)
      note.count = static_cast<int64_t>(n);
    else
      note.event_id = prepared->events.front()->event_id;
    if (!result) {
      // The disk is full or failing: the sender must retry later, nothing was accepted.
      state->metrics.events_rejected("unavailable", static_cast<double>(n));
      note.error = "unavailable";
      finish(error_response(503, "unavailable", "the spool cannot accept events right now; retry later"), note);
      return;
    }
    std::vector<std::string> ids, duplicates;
    for (size_t i = 0; i < n; ++i) {
      ids.push_back(prepared->events[i]->event_id);
      if (i < result->duplicate.size() && result->duplicate[i]) {
        duplicates.push_back(ids.back());
        continue;
      }
      // Skips are final at intake: they are counted here, the other outcomes by delivery/.
      const std::vector<std::string>& pending = prepared->pending[i];
      for (const dest::Destination* d : state->destinations)
        if (std::find(pending.begin(), pending.end(), d->name()) == pending.end())
          state->metrics.delivery(std::string(d->name()), "skipped");
    }
    state->metrics.events_accepted(static_cast<double>(n - duplicates.size()));
    std::vector<spool::Accepted> accepted = accepted_for_delivery(*prepared, *result);
    if (!accepted.empty() && state->on_accepted) state->on_accepted(std::move(accepted));
    note.duplicate = !batch && !duplicates.empty();
    if (legacy)
      finish(text_response(200, "Events API worker started"), note);
    else if (batch)
      finish(received_many(202, ids, duplicates), note);
    else
      finish(received_one(duplicates.empty() ? 202 : 200, ids.front(), !duplicates.empty()), note);
  });
}

void handle_events(const std::shared_ptr<Shared>& state, const net::Request& request, Finisher finish) {
  if (!signature_ok(*state, request))
    return refuse(finish, 401, "invalid_signature",
                  "missing or wrong " + state->options.signature_header + " (hex HMAC-SHA256 of the body)");
  ParseOptions options;
  options.max_events = state->options.max_events_per_request;
  options.now_s = now_ms() / 1000;
  options.identity = state->options.identity;
  std::vector<FieldError> errors;
  auto parsed = parse_body(request.body, options, errors);
  if (!parsed) return refuse(finish, 400, parsed.error().code, parsed.error().message, errors);
  commit(state, std::move(parsed->events), parsed->batch, false, std::move(finish));
}

void handle_legacy(const std::shared_ptr<Shared>& state, const net::Request& request, Finisher finish) {
  // No Content-Type rule here: the original Worker read any body as JSON, and its clients keep working.
  if (!signature_ok(*state, request))
    return refuse(finish, 401, "invalid_signature",
                  "missing or wrong " + state->options.signature_header + " (hex HMAC-SHA256 of the body)");
  LegacyOptions options;
  options.google_ads_labels = state->options.legacy_google_ads_labels;
  options.allowed_pixel_ids = state->options.allowed_pixel_ids;
  options.allowed_measurement_ids = state->options.allowed_measurement_ids;
  options.ga4_measurement_id = state->options.ga4_measurement_id;
  options.identity = state->options.identity;
  LegacyRequest context;
  context.client_ip =
      legacy_client_ip(header(request, "x-forwarded-for"), request.peer_ip, state->options.trust_forwarded_for);
  context.user_agent = header(request, "user-agent");
  context.cookie = header(request, "cookie");
  context.now_s = now_ms() / 1000;
  std::vector<FieldError> errors;
  auto event = parse_legacy(request.body, context, options, errors);
  if (!event) return refuse(finish, 400, event.error().code, event.error().message, errors);
  std::vector<Event> events;
  events.push_back(std::move(*event));
  commit(state, std::move(events), false, true, std::move(finish));
}

// Admin routes: 404 when no admin token is configured (the routes do not exist), 401 on a wrong bearer.
bool admin_ok(const Shared& state, const net::Request& request, const Finisher& finish) {
  if (bearer_matches(header(request, "authorization"), state.options.admin_token)) return true;
  net::Response r = error_response(401, "unauthorized", "missing or wrong admin bearer token");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  finish(std::move(r), {{}, -1, "unauthorized"});
  return false;
}

void handle_status(const std::shared_ptr<Shared>& state, const std::string& event_id, const Finisher& finish) {
  auto status = state->spool.lookup(event_id);
  if (!status)
    return finish(error_response(503, "unavailable", "the spool cannot be read right now"), {{}, -1, "unavailable"});
  if (!*status) return not_found(finish);
  net::Response r;
  r.body = event_status_json(**status);
  LogNote note;
  note.event_id = event_id;
  finish(std::move(r), note);
}

void refuse_signature(const Shared& state, const Finisher& finish) {
  refuse(finish, 401, "invalid_signature",
         "missing or wrong " + state.options.signature_header + " (hex HMAC-SHA256 of the body)");
}

// Answers what the head alone decides (unknown route, wrong method, admin auth, content type, a signature
// header that cannot match any body) and returns true; false when the body is needed. Called before the
// body is read (Intake::check_head), so a flood of unsigned bodies is refused without buffering them.
bool answer_from_head(const Shared& state, const net::Request& request, const Route& route, const Finisher& finish) {
  const bool admin = route.id == RouteId::event_status || route.id == RouteId::metrics;
  if (route.id == RouteId::none || (admin && state.options.admin_token.empty())) {
    not_found(finish);
    return true;
  }
  if (request.method != route.allow) {
    net::Response r =
        error_response(405, "method_not_allowed", request.method + " is not allowed here; use " + route.allow);
    r.headers.emplace_back("Allow", route.allow);
    finish(std::move(r), {{}, -1, "method_not_allowed"});
    return true;
  }
  if (admin && !admin_ok(state, request, finish)) return true;
  static const std::string kContentType = "content-type";
  if (route.id == RouteId::events && !is_json_content_type(header(request, kContentType))) {
    refuse(finish, 415, "unsupported_media_type", "Content-Type must be application/json");
    return true;
  }
  if ((route.id == RouteId::events || route.id == RouteId::legacy) &&
      !signature_well_formed(header(request, state.signature_header))) {
    refuse_signature(state, finish);
    return true;
  }
  return false;
}

}  // namespace

struct Intake::State : Shared {
  using Shared::Shared;
  std::shared_ptr<const void> owner;  // keeps `destinations` alive after a reload
};

Intake::Intake(IntakeOptions options, std::vector<const dest::Destination*> destinations, spool::Spool& spool,
               telemetry::Metrics& metrics, std::function<void(std::vector<spool::Accepted>)> on_accepted,
               std::function<bool()> ready)
    : state_(std::make_shared<State>(std::move(options), std::move(destinations), spool, metrics,
                                     std::move(on_accepted), std::move(ready))) {
  identity::load_phone_metadata();  // at startup, not inside the first request that carries a phone number
}

void Intake::reconfigure(IntakeOptions options, std::vector<const dest::Destination*> destinations,
                         std::shared_ptr<const void> owner) {
  std::shared_ptr<State> current = state_.load();
  auto next = std::make_shared<State>(std::move(options), std::move(destinations), current->spool, current->metrics,
                                      current->on_accepted, current->ready);
  next->owner = std::move(owner);
  state_.store(std::move(next));
}

std::optional<net::Response> Intake::check_head(const net::Request& head) {
  const std::shared_ptr<State> state = state_.load();
  const Route route = match_route(head.target, state->options.legacy_route);
  std::optional<net::Response> answer;
  Finisher finish{state, head.method, route.label, SteadyClock::now(),
                  [&answer](net::Response r) { answer = std::move(r); }};
  if (!answer_from_head(*state, head, route, finish)) return std::nullopt;
  return answer;
}

void Intake::handle(net::Request&& request, net::Respond respond) {
  const std::shared_ptr<State> state = state_.load();  // one configuration for the whole request
  const Route route = match_route(request.target, state->options.legacy_route);
  Finisher finish{state, request.method, route.label, SteadyClock::now(), std::move(respond)};
  if (answer_from_head(*state, request, route, finish)) return;

  switch (route.id) {
    case RouteId::events:
      return handle_events(state, request, std::move(finish));
    case RouteId::legacy:
      return handle_legacy(state, request, std::move(finish));
    case RouteId::event_status:
      return handle_status(state, route.event_id, finish);
    case RouteId::healthz:
      return finish(text_response(200, "ok"));
    case RouteId::readyz: {
      bool ready = state->ready ? state->ready() : state->spool.writable();
      if (ready) return finish(text_response(200, "ready"));
      return finish(error_response(503, "unavailable", "not ready: the spool is not writable or config not loaded"),
                    {{}, -1, "unavailable"});
    }
    case RouteId::metrics: {
      net::Response r = text_response(200, state->metrics.render());
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return finish(std::move(r));
    }
    case RouteId::none:
      break;
  }
  not_found(finish);
}

}  // namespace fanout::ingest
