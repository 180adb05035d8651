#include "console/console.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <utility>

#include "console/assets.h"
#include "console/counts.h"
#include "console/detail.h"
#include "console/event_window.h"
#include "console/json.h"
#include "console/stats.h"
#include "console/worker.h"
#include "core/clock.h"
#include "ingest/routes.h"
#include "ingest/signature.h"
#include "telemetry/log.h"

namespace fanout::console {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A live stream looks for changes this often: changes show within 2 s with room to spare.
constexpr std::chrono::milliseconds kStreamPoll{500};
// A stream with nothing new still writes a comment this often, so a client that left is noticed (the
// write fails) and proxies do not time the stream out.
constexpr std::chrono::seconds kStreamKeepalive{10};
// Most dead letters one listing returns.
constexpr size_t kMaxDeadLetters = 500;
// Most rows one GET /ui/api/events returns (and a stream holds).
constexpr size_t kMaxRows = EventWindow::kMaxRows;

// Strict: the page loads its own script and style only, never inline code, never in a frame.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void add_security_headers(net::Response& r) {
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
}

net::Response json_response(int status, std::string body) {
  net::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  add_security_headers(r);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

net::Response error(int status, std::string_view code, std::string_view message) {
  std::string body = "{\"error\":";
  append_json_string(body, code);
  body += ",\"message\":";
  append_json_string(body, message);
  body += '}';
  return json_response(status, std::move(body));
}

const std::string& header(const net::Request& request, const std::string& lowercase_name) {
  static const std::string kEmpty;
  auto it = request.headers.find(lowercase_name);
  return it == request.headers.end() ? kEmpty : it->second;
}

// The percent-decoded value of query parameter `name` ("" when absent or malformed).
std::string query_param(std::string_view target, std::string_view name) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string out;
    if (eq == std::string_view::npos || !ingest::percent_decode(pair.substr(eq + 1), out)) return {};
    return out;
  }
  return {};
}

size_t limit_param(std::string_view target, size_t fallback, size_t most) {
  const std::string text = query_param(target, "limit");
  if (text.empty()) return fallback;
  char* end = nullptr;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || n <= 0) return fallback;
  return std::min(static_cast<size_t>(n), most);
}

std::string rows_json(const std::vector<EventRow>& rows) {
  std::string out;
  out.reserve(rows.size() * 320 + 16);
  out += '[';
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i) out += ',';
    append_row_json(out, rows[i]);
  }
  out += ']';
  return out;
}

// One live stream (GET /ui/api/stream): its window and pacing. Used on the worker thread only.
struct Stream {
  EventWindow window;
  std::atomic<bool> started{false};  // read by the connection thread when it asks for the next piece
  SteadyClock::time_point last_write{};
};

}  // namespace

struct Console::State : std::enable_shared_from_this<Console::State> {
  State(ConsoleOptions o, spool::Spool& s, telemetry::Metrics& m) : options(std::move(o)), spool(s), metrics(m) {}

  const ConsoleOptions options;
  spool::Spool& spool;
  telemetry::Metrics& metrics;
  RateHistory rates;
  SpoolCounts counts;  // worker thread only
  std::atomic<int> streams{0};
  Worker worker;  // last member: its thread stops first

  // Completes one console request: counts it, logs one line, answers.
  struct Finisher {
    std::shared_ptr<State> state;
    std::string method, route;
    SteadyClock::time_point started;
    net::Respond respond;
    void operator()(net::Response response) const {
      state->metrics.http_request(route, response.status);
      log::Line("http_request")
          .str("method", method)
          .str("route", route)
          .num("status", static_cast<int64_t>(response.status))
          .num("latency_ms", std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count())
          .emit();
      respond(std::move(response));
    }
  };

  // Runs `work` on the worker; 503 when the worker is saturated or stopping.
  void on_worker(Finisher finish, std::function<net::Response()> work) {
    auto shared = std::make_shared<Finisher>(std::move(finish));
    const bool queued = worker.post([shared, work = std::move(work)](bool stopping) {
      if (stopping) return (*shared)(error(503, "unavailable", "the console is stopping"));
      (*shared)(work());
    });
    if (!queued) (*shared)(error(503, "unavailable", "the console is busy; retry shortly"));
  }

  net::Response session() const {
    std::string out = "{\"destinations\":[";
    for (size_t i = 0; i < options.destination_names.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, options.destination_names[i]);
    }
    out += "],\"max_rows\":" + std::to_string(kMaxRows) + "}";
    return json_response(200, std::move(out));
  }

  net::Response events(std::string_view target) {
    EventWindow window(limit_param(target, kMaxRows, kMaxRows));
    auto rows = window.poll(spool);
    if (!rows) return error(503, "unavailable", "the spool cannot be read right now");
    return json_response(200, "{\"events\":" + rows_json(*rows) + "}");
  }

  net::Response detail(const std::string& event_id) {
    auto detail = event_detail_json(spool, event_id, options.preview_destinations);
    if (!detail) return error(503, "unavailable", "the spool cannot be read right now");
    if (!*detail) return error(404, "not_found", "no event with this id");
    return json_response(200, std::move(**detail));
  }

  net::Response destinations() {
    const MetricsSnapshot m = parse_metrics(metrics.render());
    const SpoolCounts::Snapshot& held = counts.get(spool);
    std::string out = "{\"accepted\":";
    append_json_number(out, m.accepted);
    out += ",\"counts_at_ms\":";
    out += std::to_string(held.at_ms);
    out += ",\"destinations\":[";
    bool first = true;
    for (const std::string& name : options.destination_names) {
      if (!first) out += ',';
      first = false;
      // delivered / failed / skipped / pending: what the spool holds; retries and backlog: this process.
      auto stored = [&](spool::State state) -> int64_t {
        auto d = held.counts.find(name);
        if (d == held.counts.end()) return 0;
        auto c = d->second.find(state);
        return c == d->second.end() ? 0 : c->second;
      };
      auto retries = [&] {
        auto d = m.deliveries.find(name);
        if (d == m.deliveries.end()) return 0.0;
        auto o = d->second.find("retry");
        return o == d->second.end() ? 0.0 : o->second;
      };
      auto depth = m.queue_depth.find(name);
      out += "{\"destination\":";
      append_json_string(out, name);
      for (spool::State state : {spool::State::delivered, spool::State::failed, spool::State::skipped,
                                 spool::State::pending}) {
        out += ",\"";
        out += spool::state_name(state);
        out += "\":";
        out += std::to_string(stored(state));
      }
      out += ",\"retries\":";
      append_json_number(out, retries());
      out += ",\"backlog\":";
      append_json_number(out, depth == m.queue_depth.end() ? 0.0 : depth->second);
      // The last error an operator must act on: the newest dead letter's reason.
      auto last = spool.dead_letters(name, "", 1);
      out += ",\"last_error\":";
      append_json_string(out, last && !last->empty() ? last->front().reason : "");
      out += ",\"last_error_at_ms\":";
      out += std::to_string(last && !last->empty() ? last->front().updated_at_ms : 0);
      out += '}';
    }
    out += "],";
    rates.append_json(out);
    out += '}';
    return json_response(200, std::move(out));
  }

  net::Response dead_letters(std::string_view target) {
    auto list = spool.dead_letters(query_param(target, "destination"), query_param(target, "event_id"),
                                   limit_param(target, 100, kMaxDeadLetters));
    if (!list) return error(503, "unavailable", "the spool cannot be read right now");
    std::string out = "{\"dead_letters\":[";
    for (size_t i = 0; i < list->size(); ++i) {
      const spool::DeadLetter& d = (*list)[i];
      if (i) out += ',';
      out += "{\"event_id\":";
      append_json_string(out, d.event_id);
      out += ",\"destination\":";
      append_json_string(out, d.destination);
      out += ",\"reason\":";
      append_json_string(out, d.reason);
      out += ",\"attempts\":" + std::to_string(d.attempts) + ",\"updated_at_ms\":" + std::to_string(d.updated_at_ms);
      out += '}';
    }
    out += "]}";
    return json_response(200, std::move(out));
  }

  net::Response replay(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return error(400, "invalid_json", "expected a JSON object");
    std::string destination, event_id;
    for (const char* key : {"destination", "event_id"}) {
      auto it = doc.FindMember(key);
      if (it == doc.MemberEnd()) continue;
      if (!it->value.IsString()) return error(400, "invalid_json", std::string(key) + " must be a string");
      (key[0] == 'd' ? destination : event_id) = it->value.GetString();
    }
    if (destination.empty() && event_id.empty())
      return error(400, "invalid_json", "name a destination, an event_id or both (replaying everything is the CLI's job)");
    auto n = spool.replay(destination, event_id);
    if (!n) return error(503, "unavailable", "the spool cannot replay right now");
    log::Line("console_replay").str("destination", destination).str("event_id", event_id).num("replayed", *n).emit();
    return json_response(200, "{\"replayed\":" + std::to_string(*n) + "}");
  }

  // The SSE stream: the window's changes every kStreamPoll, "event: rows" frames.
  net::Response stream() {
    if (streams.fetch_add(1) >= Console::kMaxStreams) {
      streams.fetch_sub(1);
      return error(503, "unavailable", "too many console streams are open");
    }
    // Decrements the count when the connection drops the stream (and with it the last copy of this).
    auto slot = std::shared_ptr<void>(nullptr, [self = shared_from_this()](void*) { self->streams.fetch_sub(1); });
    auto s = std::make_shared<Stream>();
    auto body = std::make_shared<net::BodyStream>();
    std::weak_ptr<State> weak = weak_from_this();
    body->next = [weak, s, slot](net::BodyStream::Piece piece) {
      auto self = weak.lock();
      if (!self) return piece(std::nullopt);
      self->pull(s, std::move(piece), s->started ? SteadyClock::now() + kStreamPoll : SteadyClock::time_point());
    };
    net::Response r;
    r.content_type = "text/event-stream";
    r.stream = std::move(body);
    add_security_headers(r);
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("X-Accel-Buffering", "no");  // reverse proxies: do not hold frames back
    return r;
  }

  // Answers one pull of stream `s` at `due` or later: rows that changed, a keepalive, or (nothing new
  // yet) looks again kStreamPoll later without answering.
  void pull(std::shared_ptr<Stream> s, net::BodyStream::Piece piece, SteadyClock::time_point due) {
    auto shared_piece = std::make_shared<net::BodyStream::Piece>(std::move(piece));
    std::weak_ptr<State> weak = weak_from_this();
    const bool queued = worker.post(
        [weak, s, shared_piece](bool stopping) {
          auto self = weak.lock();
          if (stopping || !self) return (*shared_piece)(std::nullopt);
          auto rows = self->start_or_poll(*s);
          if (!rows) return (*shared_piece)(std::nullopt);  // the client reconnects
          const auto now = SteadyClock::now();
          if (!rows->empty() || !s->started) {
            s->started = true;
            s->last_write = now;
            return (*shared_piece)("event: rows\ndata: {\"rows\":" + rows_json(*rows) + "}\n\n");
          }
          if (now - s->last_write >= kStreamKeepalive) {
            s->last_write = now;
            return (*shared_piece)(std::string(": keepalive\n\n"));
          }
          self->pull(s, std::move(*shared_piece), now + kStreamPoll);
        },
        due);
    if (!queued) (*shared_piece)(std::nullopt);
  }

  Result<std::vector<EventRow>> start_or_poll(Stream& s) { return s.window.poll(spool); }

  // Samples the metrics for the events-per-second series, then again kSampleEvery later.
  void sample() {
    rates.add(now_ms(), parse_metrics(metrics.render()));
    std::weak_ptr<State> weak = weak_from_this();
    worker.post(
        [weak](bool stopping) {
          if (auto self = weak.lock(); self && !stopping) self->sample();
        },
        SteadyClock::now() + RateHistory::kSampleEvery);
  }
};

Console::Console(ConsoleOptions options, spool::Spool& spool, telemetry::Metrics& metrics)
    : state_(std::make_shared<State>(std::move(options), spool, metrics)) {
  std::weak_ptr<State> weak = state_;
  state_->worker.post([weak](bool stopping) {
    if (auto self = weak.lock(); self && !stopping) self->sample();
  });
}

Console::~Console() { stop(); }

void Console::stop() { state_->worker.stop(); }

bool Console::owns(std::string_view target) {
  const std::string_view path = target.substr(0, target.find_first_of("?#"));
  return path == "/ui" || path.substr(0, 4) == "/ui/";
}

void Console::handle(net::Request&& request, net::Respond respond) {
  const std::string_view target = request.target;
  const std::string path(target.substr(0, target.find_first_of("?#")));
  constexpr std::string_view kApi = "/ui/api/";
  const bool api = path.compare(0, kApi.size(), kApi) == 0;
  std::string route = api ? path : "/ui/";
  std::string event_id;
  constexpr std::string_view kEvents = "/ui/api/events/";
  if (path.compare(0, kEvents.size(), kEvents) == 0) {
    route = "/ui/api/events/{id}";
    if (!ingest::percent_decode(std::string_view(path).substr(kEvents.size()), event_id)) event_id.clear();
  }
  const bool known_api = route == "/ui/api/session" || route == "/ui/api/events" || route == "/ui/api/events/{id}" ||
                         route == "/ui/api/stream" || route == "/ui/api/destinations" ||
                         route == "/ui/api/dead-letters" || route == "/ui/api/replay";
  if (api && !known_api) route = "/ui/api/unmatched";  // bounded metric labels
  State::Finisher finish{state_, request.method, route, SteadyClock::now(), std::move(respond)};

  if (path == "/ui") {  // the page's relative URLs need the trailing slash
    net::Response r = json_response(308, "");
    r.content_type.clear();
    r.headers.emplace_back("Location", "/ui/");
    return finish(std::move(r));
  }
  if (!api) {
    if (request.method != "GET" && request.method != "HEAD") {
      net::Response r = error(405, "method_not_allowed", request.method + " is not allowed here; use GET");
      r.headers.emplace_back("Allow", "GET, HEAD");
      return finish(std::move(r));
    }
    std::string name = path.substr(4);
    if (name.empty()) name = "index.html";
    const Asset* asset = find_asset(name);
    if (!asset) return finish(error(404, "not_found", "no such resource"));
    net::Response r;
    r.content_type = std::string(asset->content_type);
    add_security_headers(r);
    r.headers.emplace_back("ETag", std::string(asset->etag));
    r.headers.emplace_back("Cache-Control", "no-cache");  // revalidated with the ETag: a new binary shows at once
    if (header(request, "if-none-match") == asset->etag) {
      r.status = 304;
      return finish(std::move(r));
    }
    r.body.assign(asset->body.data(), asset->body.size());
    return finish(std::move(r));
  }

  if (!known_api || (route == "/ui/api/events/{id}" && event_id.empty()))
    return finish(error(404, "not_found", "no such resource"));
  const std::string allow = route == "/ui/api/replay" ? "POST" : "GET";
  if (request.method != allow) {
    net::Response r = error(405, "method_not_allowed", request.method + " is not allowed here; use " + allow);
    r.headers.emplace_back("Allow", allow);
    return finish(std::move(r));
  }
  if (!ingest::bearer_matches(header(request, "authorization"), state_->options.admin_token)) {
    net::Response r = error(401, "unauthorized", "missing or wrong admin bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return finish(std::move(r));
  }

  State& s = *state_;
  if (route == "/ui/api/session") return finish(s.session());
  if (route == "/ui/api/stream") return finish(s.stream());
  std::string target_copy(target);
  if (route == "/ui/api/events")
    return s.on_worker(std::move(finish), [&s, target_copy] { return s.events(target_copy); });
  if (route == "/ui/api/events/{id}")
    return s.on_worker(std::move(finish), [&s, event_id] { return s.detail(event_id); });
  if (route == "/ui/api/destinations") return s.on_worker(std::move(finish), [&s] { return s.destinations(); });
  if (route == "/ui/api/dead-letters")
    return s.on_worker(std::move(finish), [&s, target_copy] { return s.dead_letters(target_copy); });
  return s.on_worker(std::move(finish), [&s, body = std::move(request.body)] { return s.replay(body); });
}

}  // namespace fanout::console
