#include "net/connection.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>

#include "net/request_checks.h"
#include "net/response_head.h"

namespace fanout::net {
namespace {

constexpr size_t kHeaderLimit = 16 * 1024;                     // request line + headers, bytes
constexpr size_t kReadChunk = 16 * 1024;                       // bytes asked of the socket per read
constexpr std::chrono::milliseconds kLingerLimit{1000};        // draining a client after an error response
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";  // answer to Expect: 100-continue
// A read buffer grown past this by a large request is shrunk back once empty, so an idle keep-alive
// connection holds kReadChunk, not the largest request it ever carried.
constexpr size_t kKeepBufferBytes = 4 * kReadChunk;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

using asio::redirect_error;

Response error_response(int status, const char* code, const std::string& message) {
  Response r;
  r.status = status;
  r.body.reserve(40 + message.size());
  r.body.append(R"({"error":")").append(code).append(R"(","message":")").append(message).append("\"}");
  return r;
}

// Completes one request exactly once, from any thread. If the handler drops it without answering, the
// destructor answers 500 so the in-order writer never waits forever for a forgotten request.
class Responder {
 public:
  Responder(std::shared_ptr<Connection> connection, uint64_t seq) : connection_(std::move(connection)), seq_(seq) {}
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder() {
    if (!done_.exchange(true)) send(error_response(500, "internal", "the request was not answered"));
  }

  void respond(Response response) {
    if (!done_.exchange(true)) send(std::move(response));
  }

 private:
  void send(Response response) {
    ServerCore& core = connection_->core();
    std::shared_lock lock(core.gate_mutex);
    if (!core.gate_open) return;  // the server has stopped: nobody would write it
    asio::dispatch(connection_->executor(), [c = connection_, seq = seq_, r = std::move(response)]() mutable {
      c->complete(seq, std::move(r));
    });
  }

  std::shared_ptr<Connection> connection_;
  uint64_t seq_;
  std::atomic<bool> done_{false};
};

// ASCII lower case: header names are tokens, and std::tolower pays a locale lookup per character.
constexpr std::array<char, 256> kLower = [] {
  std::array<char, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  return table;
}();

bool is_parse_error(const beast::error_code& ec) {
  static const auto& category = http::make_error_code(http::error::bad_method).category();
  return ec.category() == category && ec != http::error::end_of_stream && ec != http::error::partial_message;
}

}  // namespace

Connection::Connection(std::shared_ptr<ServerCore> core, Socket socket)
    : core_(std::move(core)),
      stream_(std::move(socket)),
      reader_wake_(stream_.get_executor()),
      writer_wake_(stream_.get_executor()),
      running_(2) {
  reader_wake_.expires_at(Timer::time_point::max());
  writer_wake_.expires_at(Timer::time_point::max());
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) peer_ip_ = peer.address().to_string();
}

Connection::~Connection() {
  release_body();
}

void Connection::start() {
  // Idle from its first moment: a client that connects and sends nothing can be shed like any idle one,
  // before its reader has run on its own thread (with several threads that can be after the next accepts).
  idle_since_ms_.store(steady_ms(), std::memory_order_relaxed);
  auto self = shared_from_this();
  asio::co_spawn(
      stream_.get_executor(), [self] { return self->read_loop(); }, asio::detached);
  asio::co_spawn(
      stream_.get_executor(), [self] { return self->write_loop(); }, asio::detached);
}

void Connection::shutdown() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->closed_) return;
    self->stop_reading_ = true;
    if (self->slots_.empty() && self->read_state_ != ReadState::reading && !self->streaming_) {
      self->close_now();  // nothing in progress
      return;
    }
    if (self->read_state_ == ReadState::waiting) self->cancel_read();
    if (self->read_state_ == ReadState::full) self->reader_wake_.cancel();
    if (self->stream_waiting_) self->writer_wake_.cancel();  // a streamed body ends at the next wake
  });
}

void Connection::abort() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close_now(); });
}

void Connection::shed() {
  if (shed_requested_.exchange(true)) return;
  core_->shedding.fetch_add(1);
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    // It may have become busy since it was picked: only a connection still idle is closed (and stays
    // counted as shedding until it is unregistered); a busy one is no longer being shed.
    if (self->idle_since_ms() != 0 && self->slots_.empty() && self->read_state_ == ReadState::waiting) {
      self->close_now();
    } else if (self->shed_requested_.exchange(false)) {
      self->core_->shedding.fetch_sub(1);
    }
  });
}

void Connection::complete(uint64_t seq, Response response) {
  if (closed_ || slots_.empty()) return;
  const uint64_t front = slots_.front().seq;
  if (seq < front || seq - front >= slots_.size()) return;
  Slot& slot = slots_[seq - front];
  if (slot.ready) return;
  slot.response = std::move(response);
  slot.ready = true;
  if (seq == front) writer_wake_.cancel();
}

size_t Connection::in_flight_limit() const {
  const size_t max_pipelined = core_->options.max_pipelined == 0 ? 1 : core_->options.max_pipelined;
  return pipelined_ ? max_pipelined : 1;
}

Awaitable<> Connection::read_loop() {
  const ServerOptions& options = core_->options;
  beast::error_code ec;
  while (!closed_ && !stop_reading_) {
    if (slots_.size() >= in_flight_limit()) {
      read_state_ = ReadState::full;
      co_await reader_wake_.async_wait(redirect_error(use_awaitable, ec));
      continue;
    }
    if (buffer_.size() == 0) {
      // Between requests. With responses pending the client is waiting for us, not idle: no timeout,
      // and the writer cancels this read to re-arm it with idle_timeout once everything is answered.
      read_state_ = ReadState::waiting;
      read_ahead_ = !slots_.empty();
      if (read_ahead_) {
        stream_.expires_never();
      } else {
        stream_.expires_after(options.idle_timeout);
        idle_since_ms_.store(steady_ms(), std::memory_order_relaxed);
      }
      const size_t n = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), redirect_error(use_awaitable, ec));
      idle_since_ms_.store(0, std::memory_order_relaxed);
      buffer_.commit(n);
      read_ahead_ = false;
      if (ec == asio::error::operation_aborted && n == 0) continue;  // re-arm or stop: the loop decides
      if (ec && n == 0) {
        if (ec != asio::error::eof) close_now();  // timeout, reset: nobody to answer
        break;                                    // clean EOF: the writer still answers what was asked
      }
    }

    read_state_ = ReadState::reading;
    const auto deadline = std::chrono::steady_clock::now() + options.read_timeout;
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(options.max_body_bytes);
    stream_.expires_at(deadline);
    co_await http::async_read_header(stream_, buffer_, *parser_, redirect_error(use_awaitable, ec));
    if (!ec) {
      // Decided on the head alone, before any body byte is buffered: smuggling attempts, requests the
      // handler refuses anyway (unsigned events), and bodies beyond the server's budget.
      if (auto problem = check_framing(parser_->get())) {
        core_->notice(ServerNotice::Kind::bad_framing, 1);
        push_final_error(problem->status, problem->code, problem->message);
        break;
      }
      read_head();
      if (options.check_head && !parser_->is_done()) {
        std::optional<Response> early;
        try {
          early = options.check_head(head_request_);
        } catch (...) {
          early = error_response(500, "internal", "the request handler failed");
        }
        if (early) {
          push_final(std::move(*early));
          break;
        }
      }
      if (!parser_->is_done()) {
        const auto length = parser_->content_length();
        const size_t want = length ? static_cast<size_t>(*length) : options.max_body_bytes;
        if (!core_->reserve_body(want)) {
          Response busy = error_response(503, "busy", "too many request bodies in flight; retry shortly");
          busy.headers.emplace_back("Retry-After", "1");
          push_final(std::move(busy));
          break;
        }
        body_reserved_ = want;
      }
    }
    if (!ec && !parser_->is_done()) {
      // curl and others wait for "100 Continue" before sending a large body. Only safe to send when no
      // response is pending: interim responses must not overtake earlier final ones.
      if (beast::iequals(parser_->get()[http::field::expect], "100-continue") && slots_.empty()) {
        writing_ = true;
        stream_.expires_at(deadline);
        co_await asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1),
                                   redirect_error(use_awaitable, ec));
        writing_ = false;
      }
      if (!ec) {
        stream_.expires_at(deadline);
        co_await http::async_read(stream_, buffer_, *parser_, redirect_error(use_awaitable, ec));
      }
    }
    if (ec) {
      if (ec == http::error::body_limit) {
        core_->notice(ServerNotice::Kind::body_too_large, 1);
        push_final_error(413, "payload_too_large",
                         "request body exceeds " + std::to_string(options.max_body_bytes) + " bytes");
      } else if (ec == http::error::header_limit) {
        core_->notice(ServerNotice::Kind::headers_too_large, 1);
        push_final_error(431, "headers_too_large", "request headers exceed " + std::to_string(kHeaderLimit) + " bytes");
      } else if (is_parse_error(ec)) {
        const bool framing = ec == http::error::bad_transfer_encoding || ec == http::error::bad_content_length;
        core_->notice(framing ? ServerNotice::Kind::bad_framing : ServerNotice::Kind::malformed_request, 1);
        push_final_error(400, "bad_request", "malformed HTTP request");
      } else if (ec != http::error::end_of_stream) {
        close_now();  // timeout, reset, half a request
      }
      break;
    }
    dispatch_request();
    if (buffer_.size() > 0) pipelined_ = true;  // the next request came before this one's answer
    if (pipelined_ && buffer_.size() == 0 && slots_.size() == 1 && slots_.front().ready) {
      // The handler answered at once. Let the writer send it before the next read is started: a read started
      // with a response pending runs without a timeout and has to be cancelled and restarted under
      // idle_timeout once the writer is done, which costs a failed recvmsg and a timer per request.
      co_await asio::post(stream_.get_executor(), use_awaitable);
    }
  }
  read_state_ = ReadState::done;
  parser_.reset();
  release_body();
  writer_wake_.cancel();  // the writer may finish now
  coroutine_done();
}

void Connection::push_final_error(int status, const char* code, const std::string& message) {
  push_final(error_response(status, code, message));
}

void Connection::push_final(Response response) {
  Slot& slot = slots_.emplace_back();
  slot.seq = next_seq_++;
  slot.ready = true;
  slot.keep_alive = false;
  slot.response = std::move(response);
  stop_reading_ = true;
  drain_on_close_ = true;
  if (slots_.size() == 1) writer_wake_.cancel();
}

void Connection::read_head() {
  const auto& message = parser_->get();
  Request& request = head_request_;
  request = Request{};
  const auto method = message.method_string();
  const auto target = message.target();
  request.method.assign(method.data(), method.size());
  request.target.assign(target.data(), target.size());
  for (const auto& field : message) {
    const auto raw_name = field.name_string();
    const auto raw_value = field.value();
    std::string name(raw_name.data(), raw_name.size());
    for (char& c : name) c = kLower[static_cast<unsigned char>(c)];
    auto [it, inserted] = request.headers.try_emplace(std::move(name), raw_value.data(), raw_value.size());
    if (!inserted) it->second.append(", ").append(raw_value.data(), raw_value.size());
  }
  request.peer_ip = peer_ip_;
}

void Connection::release_body() {
  core_->release_body(body_reserved_);
  body_reserved_ = 0;
}

void Connection::dispatch_request() {
  http::request<http::string_body> message = parser_->release();
  parser_.reset();

  Slot& slot = slots_.emplace_back();
  slot.seq = next_seq_++;
  slot.keep_alive = message.keep_alive();
  slot.version = message.version();
  slot.head = message.method() == http::verb::head;

  Request request = std::move(head_request_);
  request.body = std::move(message.body());

  auto responder = std::make_shared<Responder>(shared_from_this(), slot.seq);
  try {
    core_->handler(std::move(request), [responder](Response response) { responder->respond(std::move(response)); });
  } catch (...) {
    responder->respond(error_response(500, "internal", "the request handler failed"));
  }
  // The handler has consumed the body (intake parses it synchronously): its budget share is free again.
  release_body();
  if (buffer_.size() == 0 && buffer_.capacity() > kKeepBufferBytes) buffer_.shrink_to_fit();
}

Awaitable<> Connection::write_loop() {
  const ServerOptions& options = core_->options;
  beast::error_code ec;
  bool graceful = true;
  for (;;) {
    if (closed_) break;
    if (slots_.empty() || !slots_.front().ready) {
      if (read_state_ == ReadState::done && slots_.empty()) break;  // nothing more will be asked
      co_await writer_wake_.async_wait(redirect_error(use_awaitable, ec));
      continue;
    }
    Slot slot = std::move(slots_.front());
    slots_.pop_front();
    const bool last = read_state_ == ReadState::done && slots_.empty();
    const bool keep_alive = slot.keep_alive && !last && !core_->stopping.load(std::memory_order_relaxed);

    const Response& r = slot.response;
    const int status = (r.status >= 100 && r.status <= 999) ? r.status : 500;
    format_response_head(head_, r, status, slot.version, keep_alive);
    const bool send_body = !slot.head && !status_has_no_body(status);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_),
                                                    send_body ? asio::buffer(r.body) : asio::const_buffer()};

    writing_ = true;
    stream_.expires_after(options.write_timeout);
    co_await asio::async_write(stream_, buffers, redirect_error(use_awaitable, ec));
    writing_ = false;
    if (ec) {
      graceful = false;
      break;
    }
    if (r.stream && send_body) {
      // A stream ends by the source, the server stopping or the client leaving; HTTP/1.0 has no other end
      // than closing the connection.
      const bool chunked = slot.version >= 11;
      if (!co_await write_stream(r.stream, chunked)) {
        graceful = false;
        break;
      }
      if (!chunked || closed_ || core_->stopping.load(std::memory_order_relaxed)) break;
    }
    if (!keep_alive) break;
    if (cancel_after_write_) {
      cancel_after_write_ = false;
      cancel_read();
    }
    if (read_state_ == ReadState::full && slots_.size() < in_flight_limit()) reader_wake_.cancel();
    if (slots_.empty() && read_ahead_) cancel_read();  // now idle: restart the read under idle_timeout
  }
  if (!closed_ && graceful && drain_on_close_ && read_state_ == ReadState::done) {
    // Closing with unread request bytes makes the kernel send RST, which can destroy the error response
    // before the client reads it. Half-close and drain briefly instead (a "lingering close").
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    const auto deadline = std::chrono::steady_clock::now() + kLingerLimit;
    while (!closed_) {
      stream_.expires_at(deadline);
      const size_t n = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), redirect_error(use_awaitable, ec));
      buffer_.consume(buffer_.size());
      if (ec || n == 0) break;
    }
  }
  close_now();
  coroutine_done();
}

Awaitable<bool> Connection::write_stream(const std::shared_ptr<BodyStream>& stream, bool chunked) {
  const ServerOptions& options = core_->options;
  beast::error_code ec;     // of the writes
  beast::error_code waited;  // of the waits (cancelled to wake)
  std::string frame;
  // The client closing its side (the reader saw EOF) means nobody reads the stream any more.
  streaming_ = true;
  auto live = [this] {
    return !closed_ && !core_->stopping.load(std::memory_order_relaxed) && read_state_ != ReadState::done;
  };
  while (live()) {
    const uint64_t generation = ++stream_generation_;
    stream_waiting_ = true;
    stream_piece_.reset();
    // Answered from any thread: hop back here, unless the server has stopped running its io_contexts.
    stream->next([self = shared_from_this(), generation](std::optional<std::string> piece) {
      ServerCore& core = self->core();
      std::shared_lock lock(core.gate_mutex);
      if (!core.gate_open) return;
      asio::dispatch(self->executor(), [self, generation, p = std::move(piece)]() mutable {
        self->stream_arrived(generation, std::move(p));
      });
    });
    while (stream_waiting_ && live()) {
      co_await writer_wake_.async_wait(redirect_error(use_awaitable, waited));
    }
    if (stream_waiting_) {  // stopped or closed while waiting
      stream_waiting_ = false;
      break;
    }
    if (!stream_piece_) break;  // the source ended the body
    if (stream_piece_->empty()) continue;
    frame.clear();
    if (chunked) {
      char size[20];
      const int n = std::snprintf(size, sizeof size, "%zx\r\n", stream_piece_->size());
      frame.append(size, static_cast<size_t>(n));
    }
    frame.append(*stream_piece_);
    if (chunked) frame.append("\r\n");
    writing_ = true;
    stream_.expires_after(options.write_timeout);
    co_await asio::async_write(stream_, asio::buffer(frame), redirect_error(use_awaitable, ec));
    writing_ = false;
    if (ec) break;
  }
  if (!ec && chunked && !closed_) {
    static constexpr char kLastChunk[] = "0\r\n\r\n";
    writing_ = true;
    stream_.expires_after(options.write_timeout);
    co_await asio::async_write(stream_, asio::buffer(kLastChunk, sizeof kLastChunk - 1), redirect_error(use_awaitable, ec));
    writing_ = false;
  }
  streaming_ = false;  // only now: a graceful shutdown must not close the socket under the last chunk
  co_return !ec;
}

void Connection::stream_arrived(uint64_t generation, std::optional<std::string> piece) {
  if (closed_ || !stream_waiting_ || generation != stream_generation_) return;
  stream_piece_ = std::move(piece);
  stream_waiting_ = false;
  writer_wake_.cancel();
}

void Connection::cancel_read() {
  if (read_state_ != ReadState::waiting) return;
  if (writing_) {
    cancel_after_write_ = true;  // a socket-wide cancel would abort the write too
    return;
  }
  beast::error_code ignored;
  stream_.socket().cancel(ignored);
}

void Connection::close_now() {
  if (closed_) return;
  closed_ = true;
  stream_.close();
  reader_wake_.cancel();
  writer_wake_.cancel();
  slots_.clear();
}

void Connection::coroutine_done() {
  if (--running_ != 0) return;
  // Unregistered before it stops counting as shedding: the acceptor never sees its slot taken and not
  // being freed (it would refuse a newcomer), at worst freed twice for a moment (one more admitted).
  core_->remove(this);
  if (shed_requested_.exchange(false)) core_->shedding.fetch_sub(1);
}

}  // namespace fanout::net
