#pragma once
// A small HTTP/1.1 server on Boost.Beast + Asio (C++20 coroutines): keep-alive, bounded pipelining,
// a timeout on every operation, a body limit and graceful stop. Used by intake (ingest/) and by the
// platform sandbox (sandbox/). Routing is the handler's business.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace fanout::net {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path with query, as sent ("/v1/events?x=1")
  std::map<std::string, std::string> headers;  // lowercase names; repeated headers joined with ", "
  std::string body;
  std::string peer_ip;  // remote address of the connection
};

// A response body written as it is produced (Transfer-Encoding: chunked), e.g. Server-Sent Events.
// The connection asks for one piece at a time by calling `next` with a callback; the source calls that
// callback exactly once, from any thread and whenever it has something (it paces the stream): with the
// next piece ("" writes nothing and asks again), or with std::nullopt to end the body. The connection
// stops asking when the client is gone (a write fails) or the server stops.
struct BodyStream {
  using Piece = std::function<void(std::optional<std::string>)>;
  std::function<void(Piece)> next;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::shared_ptr<BodyStream> stream;  // when set, the body is streamed from it and `body` is ignored
};

// Completes a request. Call exactly once, from any thread; the server hops back to the connection.
using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request&& request, Respond respond)>;

// What the server did to protect itself, for the owner's logs and metrics (net/ does not log).
struct ServerNotice {
  enum class Kind {
    shed_idle,           // idle keep-alive connections closed to make room for new ones; `detail` says why
    body_budget_full,    // requests answered 503: their bodies would exceed max_body_bytes_in_flight
    accept_failed,       // accept() failed (out of file descriptors, ...); `detail` says why
    memory_released,     // free heap memory handed back to the OS after a burst of bodies
    connection_refused,  // a new connection closed at once: at max_connections with no idle one to shed
    bad_framing,         // 501/400: Transfer-Encoding other than one "chunked", or with Content-Length, or a
                         // Content-Length the parser refuses (the framing of request smuggling)
    body_too_large,      // 413: a body beyond max_body_bytes
    headers_too_large,   // 431: request line and headers beyond 16 KiB
    malformed_request,   // 400: not a request the HTTP parser accepts
  };
  static constexpr size_t kKinds = 9;
  Kind kind = Kind::shed_idle;
  uint64_t count = 0;           // occurrences since the previous notice of this kind
  size_t live_connections = 0;  // at the time of the notice
  // shed_idle: "max_connections" or "out_of_file_descriptors" (a fixed word: a metric label); accept_failed:
  // the error's text; memory_released: the peak bytes; otherwise empty.
  std::string detail;
};
// "shed_idle_connections", "body_budget_full", "accept_failed", "memory_released", "connection_refused",
// "bad_framing", "body_too_large", "headers_too_large", "malformed_request".
const char* notice_name(ServerNotice::Kind kind);
// For the kinds that answer a request by the server itself, before any handler sees it, the reason a
// metric labels it with: "body_budget", "framing", "body_too_large", "headers_too_large",
// "malformed"; nullptr for the other kinds.
const char* refusal_reason(ServerNotice::Kind kind);

struct ServerOptions {
  std::string listen = "127.0.0.1:0";             // host:port; port 0 picks a free port
  size_t max_body_bytes = 1048576;                // larger bodies get 413 payload_too_large (JSON, docs/api.md "Errors")
  size_t threads = 1;                             // io_context threads
  std::chrono::milliseconds read_timeout{30000};  // whole request (headers + body) must arrive within this
  std::chrono::milliseconds idle_timeout{60000};  // keep-alive connection idle limit
  std::chrono::milliseconds write_timeout{30000};
  size_t max_pipelined = 16;       // requests read ahead of their responses, per connection
  // Open connections. At the limit the longest-idle keep-alive connections are closed to admit new ones;
  // only when none is idle is a new connection closed at once. Capped at start to what RLIMIT_NOFILE
  // leaves room for (see HttpServer::max_connections()).
  size_t max_connections = 10000;
  // Request bodies being read or handled, all connections together (a body counts by its Content-Length;
  // a chunked body counts as max_body_bytes). A request whose body would exceed it gets 503 busy with
  // Retry-After and its connection is closed, before its body is read. Bounds memory under a flood.
  size_t max_body_bytes_in_flight = 64 * 1048576;
  // Called with the head of a request that has a body (body empty) before that body is read. An answer
  // returned here is sent at once and the connection closed, the body never read: intake refuses unsigned
  // events this way.
  std::function<std::optional<Response>(const Request& head)> check_head;
  // Protective actions, at most one call per kind per second (counts accumulate), from server threads.
  std::function<void(const ServerNotice&)> on_notice;
  // The same actions, each as it happens (not rate-limited), for counters: kind, how many, and the
  // notice's `detail`. From server threads; keep it cheap.
  std::function<void(ServerNotice::Kind kind, uint64_t count, const std::string& detail)> on_count;
};

class HttpServer {
 public:
  // Binds and starts serving on background threads. Errors: "bind_failed" naming the address.
  static Result<std::unique_ptr<HttpServer>> start(const ServerOptions& options, Handler handler);
  virtual ~HttpServer() = default;

  virtual uint16_t port() const = 0;     // the bound port (useful with port 0)
  virtual std::string host() const = 0;  // the bound host
  // The connection limit in force: options.max_connections, lowered to fit the open-files limit.
  virtual size_t max_connections() const = 0;
  // Stops accepting, lets requests in progress finish (their responses are written) for at most
  // `grace`, closes every connection and joins the threads. Idempotent.
  virtual void stop(std::chrono::milliseconds grace) = 0;
};

}  // namespace fanout::net
