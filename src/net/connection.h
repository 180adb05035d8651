#pragma once
// One HTTP/1.1 connection (internal to net/): a reader coroutine parses requests and hands them to the
// handler, a writer coroutine writes their responses strictly in request order. Both run on the
// connection's io_context, which one thread runs; Respond callbacks hop back onto it, so no state here needs
// a lock.
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "net/asio.h"
#include "net/http_server.h"
#include "net/server_core.h"

namespace fanout::net {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket` must be bound to one of core->ios.
  Connection(std::shared_ptr<ServerCore> core, Socket socket);
  ~Connection();

  // Spawns the reader and writer coroutines. Call once, after ServerCore::add.
  void start();
  // Graceful stop (posted to the connection's io_context): read no further requests, answer the pending ones, close.
  void shutdown();
  // Immediate stop (posted to the connection's io_context): close the socket and drop pending responses.
  void abort();
  // Closes the connection if it is still idle once this runs on its io_context (making room near a limit).
  // Counted in ServerCore::shedding from the request until the connection is unregistered (or found busy);
  // a second request while one is pending does nothing.
  void shed();
  // True from shed() until the connection is unregistered or found busy: not to be picked again.
  bool shed_requested() const { return shed_requested_.load(std::memory_order_relaxed); }
  // Steady-clock ms since which the connection has been idle (between requests, nothing pending), or 0
  // when busy. Read from the acceptor's thread to pick the longest-idle connections to shed.
  int64_t idle_since_ms() const { return idle_since_ms_.load(std::memory_order_relaxed); }
  // Completes request `seq` (on the connection's io_context). Late or duplicate completions are dropped.
  void complete(uint64_t seq, Response response);

  // The connection's executor; Respond callbacks post here.
  Executor executor() { return stream_.get_executor(); }
  // The server state; outlives this connection.
  ServerCore& core() { return *core_; }

 private:
  // A request whose response is not written yet. Slots are kept in request order.
  struct Slot {
    uint64_t seq = 0;
    bool ready = false;      // the handler has answered
    bool keep_alive = true;  // the request allows keep-alive
    bool head = false;       // HEAD request: no body on the wire
    unsigned version = 11;   // HTTP version of the request (10 or 11)
    Response response;
  };
  enum class ReadState { waiting, reading, full, done };

  Awaitable<> read_loop();
  Awaitable<> write_loop();
  // Queues an error response that ends the connection (400/413/431/501/503), then stops reading.
  void push_final_error(int status, const char* code, const std::string& message);
  void push_final(Response response);
  // Fills head_request_ from the parsed head (names lower-cased, repeats joined with ", ").
  void read_head();
  // Gives the body's share of the server's body budget back.
  void release_body();
  void dispatch_request();
  // Requests this connection may have in flight: one until the client shows it pipelines, then
  // options.max_pipelined. A client that waits for each answer is not read while it waits: a read then
  // would find nothing and have to be cancelled and restarted under idle_timeout once the answer is out.
  size_t in_flight_limit() const;
  void cancel_read();
  void close_now();
  void coroutine_done();
  // Writes a streamed body (Response::stream) piece by piece; false when a write failed.
  Awaitable<bool> write_stream(const std::shared_ptr<BodyStream>& stream, bool chunked);
  // A piece of the streamed body arrived (on the connection's io_context); `generation` names the request
  // for it, so a late answer to an abandoned one is dropped.
  void stream_arrived(uint64_t generation, std::optional<std::string> piece);

  std::shared_ptr<ServerCore> core_;  // first member: destroyed last, after the socket that needs its io_context
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string peer_ip_;
  Request head_request_;        // the request being read: head first, body moved in once read
  size_t body_reserved_ = 0;    // bytes of the server's body budget held by the request being read/handled
  std::atomic<int64_t> idle_since_ms_{0};
  std::atomic<bool> shed_requested_{false};

  std::deque<Slot> slots_;  // at most options.max_pipelined (+1 final error)
  uint64_t next_seq_ = 0;
  Timer reader_wake_;  // never expires; cancel() wakes the reader
  Timer writer_wake_;  // never expires; cancel() wakes the writer
  std::string head_;   // the response head being written; reused, so its capacity is kept

  ReadState read_state_ = ReadState::waiting;
  bool read_ahead_ = false;          // the reader waits for a pipelined request with no timeout
  bool pipelined_ = false;           // the client sent a request before its previous one was answered
  bool stop_reading_ = false;        // graceful shutdown or a final error: read nothing more
  bool writing_ = false;             // a write is in flight (socket-wide cancel would abort it)
  bool cancel_after_write_ = false;  // cancel the reader's wait once the write completes
  bool drain_on_close_ = false;      // client may still be sending (413/400): drain before closing
  bool closed_ = false;
  int running_ = 0;  // live coroutines; the last one unregisters the connection

  // Streamed body (write_stream): in progress (its slot has left slots_), the piece asked for, and
  // whether it has come.
  bool streaming_ = false;
  uint64_t stream_generation_ = 0;
  bool stream_waiting_ = false;
  std::optional<std::string> stream_piece_;
};

}  // namespace fanout::net
