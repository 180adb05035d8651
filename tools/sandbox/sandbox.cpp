#include "sandbox/sandbox.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>

#include "core/clock.h"
#include "net/http_server.h"
#include "sandbox/faults.h"
#include "sandbox/json.h"
#include "sandbox/platform.h"
#include "sandbox/scheduler.h"
#include "sandbox/tokens.h"

namespace fanout::sandbox {
namespace {

constexpr size_t kMaxBodyBytes = 64 << 20;  // a 2000-row batch with every identifier fits
constexpr std::chrono::milliseconds kStopGrace{1000};
constexpr size_t kDefaultLast = 10;  // GET /_sandbox/requests without last=

net::Response control_error(int status, const char* code, const std::string& message, const std::string& field = "") {
  JsonOut j;
  j.begin_object().field("error", code).field("message", message);
  if (!field.empty()) j.field("field", field);
  return json_response(status, j.end_object().take());
}

net::Response ok(std::string body) {
  return json_response(200, std::move(body));
}

net::Response ok() {
  JsonOut j;
  return ok(j.begin_object().field("ok", true).end_object().take());
}

bool truthy(const std::map<std::string, std::string>& query, const char* key) {
  auto it = query.find(key);
  return it != query.end() && (it->second == "1" || it->second == "true" || it->second.empty());
}

}  // namespace

struct Sandbox::Impl {
  explicit Impl(SandboxOptions opts) : options(std::move(opts)) {
    for (auto* make : {make_meta, make_ga4, make_google_ads, make_microsoft_ads, make_tiktok}) {
      auto platform = make();
      std::string name(platform->name());
      recorders.emplace(name, std::make_unique<Recorder>());
      platforms.emplace(std::move(name), std::move(platform));
    }
  }

  void handle(net::Request&& request, net::Respond respond);
  net::Response control(const net::Request& request, std::string_view path,
                        const std::map<std::string, std::string>& query);
  void platform_request(const std::string& name, std::string_view rest, std::map<std::string, std::string> query,
                        net::Request&& request, net::Respond respond);
  Recorder* recorder(const std::string& platform) const {
    auto it = recorders.find(platform);
    return it == recorders.end() ? nullptr : it->second.get();
  }
  void stop() {
    std::lock_guard lock(stop_mutex);
    if (stopped) return;
    stopped = true;
    if (server) server->stop(kStopGrace);
    scheduler.stop();
  }

  const SandboxOptions options;
  std::map<std::string, std::unique_ptr<Platform>, std::less<>> platforms;
  std::map<std::string, std::unique_ptr<Recorder>, std::less<>> recorders;
  FaultTable faults;
  TokenBook tokens;
  Scheduler scheduler;
  std::unique_ptr<net::HttpServer> server;  // started last, stopped first
  std::mutex stop_mutex;
  bool stopped = false;
};

void Sandbox::Impl::handle(net::Request&& request, net::Respond respond) {
  const std::string_view target = request.target;
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  auto query = parse_query(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
  if (path.rfind("/_sandbox/", 0) == 0) {
    respond(control(request, path, query));
    return;
  }
  const size_t end = path.size() > 1 ? path.find('/', 1) : std::string_view::npos;
  const std::string name(path.size() > 1 && path[0] == '/'
                             ? path.substr(1, end == std::string_view::npos ? end : end - 1)
                             : std::string_view());
  if (!platforms.count(name)) {
    respond(control_error(404, "not_found",
                          "no such path; platforms live under /meta, /ga4, /google_ads, "
                          "/microsoft_ads, /tiktok and the control API under /_sandbox/"));
    return;
  }
  if (request.method != "POST") {
    respond(control_error(405, "method_not_allowed", "the platform endpoints take POST"));
    return;
  }
  const std::string_view rest = end == std::string_view::npos ? std::string_view() : path.substr(end);
  if (rest == "/token" && (name == "google_ads" || name == "microsoft_ads")) {
    recorder(name)->token_request();
    respond(tokens.issue(name, request.body));
    return;
  }
  platform_request(name, rest, std::move(query), std::move(request), std::move(respond));
}

void Sandbox::Impl::platform_request(const std::string& name, std::string_view rest,
                                     std::map<std::string, std::string> query, net::Request&& request,
                                     net::Respond respond) {
  const Platform& platform = *platforms.find(name)->second;
  const ParsedJson body(request.body);  // the accepted ids are views into it: it outlives the recording

  // Faults in the order they were set: delays add up, the first status-like fault answers, the
  // event-dependent ones go to the platform as an Injection.
  std::chrono::milliseconds delay{0};
  Injection injection;
  std::optional<net::Response> forced;
  for (const Fault& f : faults.active(name)) {
    switch (f.mode) {
      case FaultMode::delay_ms:
        delay += std::chrono::milliseconds(f.delay_ms);
        faults.consume(name, f.mode);
        break;
      case FaultMode::status:
        if (forced) break;
        forced = f.body.empty() ? platform.error(rest, f.status, ErrorKind::failure) : json_response(f.status, f.body);
        faults.consume(name, f.mode);
        break;
      case FaultMode::rate_limit:
        if (forced) break;
        forced = platform.error(rest, f.status, ErrorKind::rate_limited);
        forced->headers.emplace_back("Retry-After", std::to_string(f.retry_after_s));
        faults.consume(name, f.mode);
        break;
      case FaultMode::auth_expired:
        if (forced) break;
        tokens.revoke(name);  // the client has to fetch a new token to get through again
        forced = platform.error(rest, f.status, ErrorKind::auth_expired);
        faults.consume(name, f.mode);
        break;
      case FaultMode::reject_event_ids:
        injection.reject_event_ids = f.ids;
        break;
      case FaultMode::partial_failure:
        injection.partial_failure = true;
        injection.fail_ids = f.ids;
        injection.error_code = f.error_code;
        break;
    }
  }

  Outcome out;
  const bool faulted = forced.has_value();
  if (faulted) {
    out.response = std::move(*forced);
  } else {
    const Call call{
        rest,   query,    request.headers, body.doc(), request.body.size(), now_ms() / 1000, options.check_event_time,
        tokens, injection};
    out = platform.handle(call);
    if (out.used_reject) faults.consume(name, FaultMode::reject_event_ids);
    if (out.used_partial) faults.consume(name, FaultMode::partial_failure);
  }

  // The request is consumed here (moved into the log): nothing below may use it or views of it (`rest`).
  RecordedRequest recorded;
  recorded.method = std::move(request.method);
  recorded.target = std::move(request.target);
  recorded.headers = std::move(request.headers);
  recorded.body = std::move(request.body);
  recorded.body_is_json = body.is_json();
  recorded.status = out.response.status;
  recorder(name)->request(std::move(recorded), out.event_ids, out.rejected, faulted);

  if (delay.count() > 0) {
    scheduler.after(delay, [respond = std::move(respond), response = std::move(out.response)]() mutable {
      respond(std::move(response));
    });
  } else {
    respond(std::move(out.response));
  }
}

net::Response Sandbox::Impl::control(const net::Request& request, std::string_view path,
                                     const std::map<std::string, std::string>& query) {
  const std::string& method = request.method;
  auto platform_of = [&]() -> Recorder* {
    auto it = query.find("platform");
    return it == query.end() ? nullptr : recorder(it->second);
  };
  if (path == "/_sandbox/faults") {
    if (method == "POST") {
      auto fault = parse_fault(request.body);
      if (!fault) return control_error(400, "invalid_fault", fault.error().message, fault.error().field);
      faults.set(std::move(*fault));
      return ok(faults.json());
    }
    if (method == "GET") return ok(faults.json());
    if (method == "DELETE") {
      auto it = query.find("platform");
      if (it == query.end()) {
        faults.clear();
      } else {
        faults.clear(it->second);
      }
      return ok();
    }
    return control_error(405, "method_not_allowed", "use GET, POST or DELETE");
  }
  if (path == "/_sandbox/reset") {
    if (method != "POST") return control_error(405, "method_not_allowed", "use POST");
    faults.clear();
    tokens.reset();
    for (auto& [name, r] : recorders) r->reset();
    return ok();
  }
  if (method != "GET") return control_error(405, "method_not_allowed", "use GET");
  if (path == "/_sandbox/stats") {
    const bool with_ids = truthy(query, "event_ids");
    JsonOut j;
    j.begin_object();
    for (const char* name : kPlatformNames) j.key(name).raw(recorder(name)->stats_json(with_ids));
    return ok(j.end_object().take());
  }
  if (path == "/_sandbox/events" || path == "/_sandbox/requests") {
    Recorder* r = platform_of();
    if (!r) return control_error(400, "invalid_platform", "platform= must name one of the five platforms", "platform");
    if (path == "/_sandbox/events") return ok(r->event_ids_json());
    size_t last = kDefaultLast;
    if (auto it = query.find("last"); it != query.end()) {
      const auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), last);
      if (ec != std::errc() || p != it->second.data() + it->second.size()) {
        return control_error(400, "invalid_last", "last= must be a number", "last");
      }
    }
    return ok(r->requests_json(std::min(last, Recorder::kMaxRing)));
  }
  return control_error(404, "not_found", "unknown control path: " + std::string(path));
}

Result<std::unique_ptr<Sandbox>> Sandbox::start(SandboxOptions options) {
  auto impl = std::make_unique<Impl>(options);
  net::ServerOptions server_options;
  server_options.listen = options.listen;
  server_options.threads = options.threads == 0 ? 1 : options.threads;
  server_options.max_body_bytes = kMaxBodyBytes;
  Impl* raw = impl.get();
  auto server = net::HttpServer::start(server_options, [raw](net::Request&& request, net::Respond respond) {
    raw->handle(std::move(request), std::move(respond));
  });
  if (!server) return tl::unexpected(server.error());
  impl->server = std::move(*server);
  return std::unique_ptr<Sandbox>(new Sandbox(std::move(impl)));
}

Sandbox::Sandbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Sandbox::~Sandbox() {
  if (impl_) impl_->stop();
}

uint16_t Sandbox::port() const {
  return impl_->server->port();
}

std::string Sandbox::base_url(const std::string& platform) const {
  std::string host = impl_->server->host();
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port()) + "/" + platform;
}

void Sandbox::stop() {
  impl_->stop();
}

uint64_t Sandbox::requests(const std::string& platform) const {
  return stats(platform).requests;
}

uint64_t Sandbox::events(const std::string& platform) const {
  return stats(platform).events;
}

PlatformStats Sandbox::stats(const std::string& platform) const {
  Recorder* r = impl_->recorder(platform);
  return r ? r->stats() : PlatformStats{};
}

uint64_t Sandbox::event_id_count(const std::string& platform, const std::string& event_id) const {
  Recorder* r = impl_->recorder(platform);
  return r ? r->event_id_count(event_id) : 0;
}

std::vector<std::string> Sandbox::last_bodies(const std::string& platform, size_t n) const {
  Recorder* r = impl_->recorder(platform);
  return r ? r->last_bodies(n) : std::vector<std::string>{};
}

Status Sandbox::add_fault(const std::string& json) {
  auto fault = parse_fault(json);
  if (!fault) return tl::unexpected(fault.error());
  impl_->faults.set(std::move(*fault));
  return {};
}

void Sandbox::clear_faults() {
  impl_->faults.clear();
}

void Sandbox::reset() {
  impl_->faults.clear();
  impl_->tokens.reset();
  for (auto& [name, r] : impl_->recorders) r->reset();
}

}  // namespace fanout::sandbox
