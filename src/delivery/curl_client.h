#pragma once
// Outbound HTTP for the delivery thread over libcurl's multi interface: one CURLM (shared connection
// cache: keep-alive, HTTP/2 multiplexing where TLS offers it), a pool of reused easy handles, a
// per-request timeout. Everything except wakeup() must be called from the one thread that owns it.
#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "destinations/destination.h"

namespace fanout::delivery {

class CurlClient {
 public:
  // Gets back the request it was given (so callers need not copy bodies to classify the answer) and the
  // response: status 0 = no HTTP answer (transport_error says why). `latency_s` is the request's wall time.
  using Completion = std::function<void(dest::HttpRequest&& request, dest::HttpResponse&& response, double latency_s)>;

  // Response bodies are truncated to `max_body_bytes`; header count and size are bounded too.
  explicit CurlClient(size_t max_body_bytes = 1 << 20);
  ~CurlClient();
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  // Starts `request`, bounded by `timeout_ms` end to end. `done` runs exactly once, from a later run()
  // on this thread (never from inside start()), unless abort_all() drops the transfer first.
  void start(dest::HttpRequest request, int64_t timeout_ms, Completion done);

  // Drives transfers: waits up to `timeout_ms` for network activity, a due curl timer or wakeup(), then
  // runs the completions of every finished transfer. Returns at once when completions were already due.
  void run(int timeout_ms);

  // Interrupts a run() in progress (or makes the next one return at once). Thread-safe.
  void wakeup();

  // Idle connections kept for reuse, at most kMaxKeptConnections: as many as transfers can be in flight
  // at once (the sum of the lanes' max_in_flight). Without it libcurl keeps 4 per transfer in flight at
  // the moment one ends, so when concurrency dips it closes connections that the next burst opens again
  // (measured: ~550 connections opened for 15,000 GA4 requests at 3,000/s, each a TCP and, in
  // production, a TLS handshake).
  static constexpr size_t kMaxKeptConnections = 1024;
  void keep_connections(size_t n);

  // Transfers started and not yet completed.
  size_t in_flight() const { return active_.size() + finished_.size(); }

  // New connections curl opened for the transfers completed so far (CURLINFO_NUM_CONNECTS summed). Far
  // below the number of completed requests when keep-alive works.
  uint64_t connections_opened() const { return connections_opened_; }

  // Drops every transfer without running its completion (shutdown past its deadline).
  void abort_all();

 private:
  struct Transfer;
  CURL* acquire();
  void release(CURL* easy);
  void collect_finished();
  void run_completions();
  // A URL parsed once. `target`, when set, is the request target curl is given as such (path and query,
  // exactly the bytes curl would send), and `url` is then parsed without the query.
  struct PreparedUrl {
    CURLU* url = nullptr;
    std::string target;
  };
  const PreparedUrl* prepared_url(const std::string& url);  // nullptr: curl parses the string itself

  CURLM* multi_ = nullptr;
  size_t max_body_bytes_;
  bool environment_proxies_;  // a *_proxy variable was set when the client was made (libcurl reads them)
  std::string accept_encoding_;  // "Accept-Encoding: gzip" (accept_encoding_header()), sent with every request
  std::string line_;  // a request header line being written for curl_slist_append (which copies it)
  std::vector<CURL*> pool_;  // idle easy handles, reused (bounded by kMaxPooled)
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;
  std::vector<std::unique_ptr<Transfer>> finished_;  // done, completion not yet run
  uint64_t connections_opened_ = 0;
  // URLs parsed once (kMaxPreparedUrls of them), kept until the client goes: pooled handles point at them.
  std::unordered_map<std::string, PreparedUrl> urls_;
};

}  // namespace fanout::delivery
