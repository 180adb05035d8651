#pragma once
// Helpers for the delivery engine tests: a scripted fake platform on a real loopback socket
// (net::HttpServer), a test destination speaking a tiny protocol with it, and a harness around a real
// SQLite spool in a temp directory. Tests wait for outcomes with generous deadlines; they never assert timings.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/event_codec.h"
#include "delivery/engine.h"
#include "destinations/destination.h"
#include "net/http_server.h"
#include "spool/spool.h"
#include "telemetry/metrics.h"

namespace fanout::delivery::testing {

inline std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string id;
  while (std::getline(in, id, ','))
    if (!id.empty()) out.push_back(id);
  return out;
}

// What the fake platform answers to one request.
struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int delay_ms = 0;   // answer after this long (from a timer thread)
  bool hang = false;  // never answer (until the platform is destroyed)
};

inline Reply answer(int status, std::string body = {}, std::vector<std::pair<std::string, std::string>> headers = {}) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}
inline Reply hang() {
  Reply r;
  r.hang = true;
  return r;
}
inline Reply after(int delay_ms, int status = 200) {
  Reply r = answer(status);
  r.delay_ms = delay_ms;
  return r;
}

// One request as the fake platform saw it.
struct Seen {
  std::string target;
  std::map<std::string, std::string> headers;
  std::string body;
  std::vector<std::string> ids;  // the body's comma-separated event ids
  int64_t at_ms = 0;             // wall clock when it arrived
};

// A loopback HTTP server whose answers a test scripts. Thread-safe.
class FakePlatform {
 public:
  using Script = std::function<Reply(const Seen& request)>;

  FakePlatform() {
    timer_ = std::thread([this] { timer_loop(); });
    auto server = net::HttpServer::start(net::ServerOptions{}, [this](net::Request&& r, net::Respond respond) {
      handle(std::move(r), std::move(respond));
    });
    if (!server) throw std::runtime_error("fake platform: " + server.error().message);
    server_ = std::move(*server);
  }

  ~FakePlatform() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    timer_.join();  // answers every delayed request first
    release_hung(net::Response{503, "text/plain", "closing", {}});
    server_->stop(std::chrono::milliseconds(2000));
  }

  // "http://127.0.0.1:PORT" + prefix.
  std::string url(const std::string& prefix = "") const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + prefix;
  }

  // Sets how requests whose target starts with `prefix` are answered (longest prefix wins; default: 200 "").
  void script(const std::string& prefix, Script script) {
    std::lock_guard lock(mu_);
    scripts_[prefix] = std::move(script);
  }

  // Requests seen so far whose target starts with `prefix`.
  std::vector<Seen> requests(const std::string& prefix = "") {
    std::lock_guard lock(mu_);
    std::vector<Seen> out;
    for (const Seen& s : seen_)
      if (s.target.rfind(prefix, 0) == 0) out.push_back(s);
    return out;
  }

  // Highest number of requests under `prefix` that were waiting for their answer at the same time.
  int max_concurrent(const std::string& prefix) {
    std::lock_guard lock(mu_);
    return max_concurrent_[prefix];
  }

  // Answers every request left hanging, with `reply`.
  void release_hung(net::Response reply) {
    std::vector<std::pair<std::string, net::Respond>> hung;
    {
      std::lock_guard lock(mu_);
      hung.swap(hung_);
      for (auto& [prefix, respond] : hung) --concurrent_[prefix];
    }
    for (auto& [prefix, respond] : hung) respond(reply);
  }

 private:
  void handle(net::Request&& r, net::Respond respond) {
    Seen s{r.target, r.headers, r.body, split_ids(r.body), now_ms()};
    Script script;
    std::string prefix;
    {
      std::lock_guard lock(mu_);
      seen_.push_back(s);
      for (const auto& [p, fn] : scripts_)
        if (s.target.rfind(p, 0) == 0 && p.size() >= prefix.size()) {
          prefix = p;
          script = fn;
        }
      int& now = concurrent_[prefix];
      ++now;
      max_concurrent_[prefix] = std::max(max_concurrent_[prefix], now);
    }
    Reply reply = script ? script(s) : Reply{};
    net::Response out{reply.status, "text/plain", reply.body, reply.headers};
    auto finish = [this, prefix, respond, out]() {
      {
        std::lock_guard lock(mu_);
        --concurrent_[prefix];
      }
      respond(out);
    };
    std::lock_guard lock(mu_);
    if (reply.hang) {
      hung_.emplace_back(prefix, std::move(respond));
    } else if (reply.delay_ms > 0) {
      delayed_.emplace(std::chrono::steady_clock::now() + std::chrono::milliseconds(reply.delay_ms), finish);
      cv_.notify_all();
    } else {
      timer_now_.push_back(finish);  // answered from the timer thread too, keeping one code path
      cv_.notify_all();
    }
  }

  void timer_loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      while (!timer_now_.empty()) {
        auto fn = std::move(timer_now_.front());
        timer_now_.erase(timer_now_.begin());
        lock.unlock();
        fn();
        lock.lock();
      }
      auto now = std::chrono::steady_clock::now();
      if (!delayed_.empty() && (delayed_.begin()->first <= now || closing_)) {
        auto fn = std::move(delayed_.begin()->second);
        delayed_.erase(delayed_.begin());
        lock.unlock();
        fn();
        lock.lock();
        continue;
      }
      if (closing_ && delayed_.empty() && timer_now_.empty()) return;
      if (delayed_.empty())
        cv_.wait(lock);
      else
        cv_.wait_until(lock, delayed_.begin()->first);
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Script> scripts_;
  std::vector<Seen> seen_;
  std::map<std::string, int> concurrent_, max_concurrent_;
  std::vector<std::pair<std::string, net::Respond>> hung_;  // (script prefix, respond) never answered yet
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> delayed_;
  std::vector<std::function<void()>> timer_now_;
  bool closing_ = false;
  std::thread timer_;
  std::unique_ptr<net::HttpServer> server_;
};

// A destination speaking the test protocol with FakePlatform: POST {base_url}/events, body = the event
// ids joined by ',', "authorization: Bearer <token>" when a token is given. classify():
//   2xx: every event delivered, except ids listed in the body as "reject:<id>" or "retry:<id>" lines;
//   400: "bad" batch: split when it holds more than one event, else reject "bad_event";
//   401: refresh_auth; 429/5xx/no answer: retry; other 4xx: reject. Like a real destination it leaves the
//   Retry-After header to delivery's retry policy.
class TestDestination : public dest::Destination {
 public:
  TestDestination(std::string name, dest::DeliveryOptions options) : name_(std::move(name)), options_(options) {}

  std::optional<dest::OAuthSettings> oauth_settings;
  std::chrono::seconds window_length{7 * 24 * 3600};

  std::string_view name() const override { return name_; }
  std::string skip_reason(const Event&, int64_t) const override { return {}; }
  std::chrono::seconds window() const override { return window_length; }
  std::optional<dest::OAuthSettings> oauth() const override { return oauth_settings; }
  const dest::DeliveryOptions& options() const override { return options_; }

  std::vector<dest::Request> build(std::span<const Event* const> events, const dest::Auth& auth) const override {
    std::vector<dest::Request> out;
    for (size_t start = 0; start < events.size(); start += options_.max_batch) {
      dest::Request r;
      r.http.url = options_.base_url + "/events";
      r.http.headers.push_back({"content-type", "text/plain"});
      if (!auth.access_token.empty()) r.http.headers.push_back({"authorization", "Bearer " + auth.access_token});
      for (size_t i = start; i < std::min(events.size(), start + options_.max_batch); ++i) {
        if (!r.http.body.empty()) r.http.body.push_back(',');
        r.http.body += events[i]->event_id;
        r.indices.push_back(i);
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  dest::Classification classify(const dest::Request& request, const dest::HttpResponse& response) const override {
    std::vector<std::string> ids = split_ids(request.http.body);
    dest::Classification c;
    auto all = [&](dest::Outcome o, const std::string& reason) {
      c.events.assign(ids.size(), dest::EventResult{o, reason});
    };
    int s = response.status;
    if (s >= 200 && s < 300) {
      all(dest::Outcome::delivered, "");
      std::stringstream lines(response.body);
      std::string line;
      while (std::getline(lines, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string kind = line.substr(0, colon), id = line.substr(colon + 1);
        for (size_t i = 0; i < ids.size(); ++i) {
          if (ids[i] != id) continue;
          if (kind == "reject") c.events[i] = {dest::Outcome::reject, "rejected_by_platform"};
          if (kind == "retry") c.events[i] = {dest::Outcome::retry, "platform_busy"};
        }
      }
    } else if (s == 400) {
      c.split = ids.size() > 1;
      all(dest::Outcome::reject, "bad_event");
    } else if (s == 401) {
      c.refresh_auth = true;
      all(dest::Outcome::retry, "http_401");
    } else if (s == 0 || s == 429 || s >= 500) {
      all(dest::Outcome::retry, s == 0 ? "transport" : "http_" + std::to_string(s));
    } else {
      all(dest::Outcome::reject, "http_" + std::to_string(s));
    }
    return c;
  }

 private:
  std::string name_;
  dest::DeliveryOptions options_;
};

// Delivery options pointing at `base_url`, fast enough for tests.
inline dest::DeliveryOptions test_options(const std::string& base_url) {
  dest::DeliveryOptions o;
  o.base_url = base_url;
  o.timeout_ms = 5000;
  o.max_batch = 100;
  o.linger_ms = 20;
  o.max_in_flight = 4;
  o.retry_base_ms = 50;
  o.retry_max_ms = 200;
  return o;
}

inline Event make_event(const std::string& id, int64_t event_time_s = now_ms() / 1000) {
  Event e;
  e.event_id = id;
  e.event_name = "purchase";
  e.event_time = event_time_s;
  e.received_at_ms = now_ms();
  return e;
}

// One event per id, as make_event() builds them.
inline std::vector<Event> make_events(const std::vector<std::string>& event_ids) {
  std::vector<Event> out;
  for (const auto& id : event_ids) out.push_back(make_event(id));
  return out;
}

inline std::vector<std::string> ids(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

// Polls `done` until it holds or `limit` passes; the limit is a deadline for a hung test, not a timing claim.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// A real SQLite spool in a private temp directory, plus metrics.
class Harness {
 public:
  Harness() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fanout-delivery-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    open();
  }
  ~Harness() {
    if (spool) spool->close();
    spool.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void open() {
    spool::SqliteOptions o;
    o.path = dir_ + "/spool.db";
    auto s = spool::open_sqlite(o);
    if (!s) throw std::runtime_error("spool: " + s.error().message);
    spool = std::move(*s);
  }
  // Closes and reopens the spool (a restart).
  void reopen() {
    spool->close();
    spool.reset();
    open();
  }

  // Commits `events` pending for `destinations`; returns what the engine's submit() expects.
  std::vector<Accepted> commit(const std::vector<Event>& events, const std::vector<std::string>& destinations) {
    std::vector<spool::NewEvent> rows;
    for (const Event& e : events) {
      spool::NewEvent n;
      n.event_id = e.event_id;
      n.received_at_ms = e.received_at_ms;
      n.payload = encode_event(e);
      for (const auto& d : destinations)
        n.deliveries.push_back(spool::Delivery{d, spool::State::pending, "", 0, 0, 0, ""});
      rows.push_back(std::move(n));
    }
    std::promise<Result<spool::EnqueueResult>> promise;
    auto future = promise.get_future();
    spool->enqueue(std::move(rows), [&](Result<spool::EnqueueResult> r) { promise.set_value(std::move(r)); });
    auto result = future.get();
    std::vector<Accepted> out;
    if (!result) throw std::runtime_error("enqueue: " + result.error().message);
    for (size_t i = 0; i < events.size(); ++i)
      out.push_back(Accepted{result->seq[i], std::make_shared<const Event>(events[i]), destinations});
    return out;
  }

  // The delivery of `event_id` to `destination` as the spool has it (after pending writes are committed).
  std::optional<spool::Delivery> delivery(const std::string& event_id, const std::string& destination) {
    flush();
    auto status = spool->lookup(event_id);
    if (!status || !*status) return std::nullopt;
    for (const auto& d : (*status)->deliveries)
      if (d.destination == destination) return d;
    return std::nullopt;
  }

  // True when every id is in `state` for `destination`.
  bool all_in(const std::vector<std::string>& event_ids, const std::string& destination, spool::State state) {
    for (const auto& id : event_ids) {
      auto d = delivery(id, destination);
      if (!d || d->state != state) return false;
    }
    return true;
  }

  // update() is asynchronous: an empty enqueue queued behind it returns once it is committed.
  void flush() {
    std::promise<void> promise;
    auto future = promise.get_future();
    spool->enqueue({}, [&](Result<spool::EnqueueResult>) { promise.set_value(); });
    future.get();
  }

  std::unique_ptr<spool::Spool> spool;
  telemetry::Metrics metrics;

 private:
  std::string dir_;
};

// Counts how many times each id reached the platform under `prefix`.
inline std::map<std::string, int> id_counts(FakePlatform& platform, const std::string& prefix) {
  std::map<std::string, int> out;
  for (const Seen& s : platform.requests(prefix))
    for (const auto& id : s.ids) ++out[id];
  return out;
}

}  // namespace fanout::delivery::testing
