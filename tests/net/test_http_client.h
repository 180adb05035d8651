#pragma once
// A tiny blocking HTTP/1.1 test client over one TCP connection, with a timeout on every read so a broken
// server fails a test instead of hanging it. Used by http_server_test.cpp and tests/sandbox/.
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "net/asio.h"

namespace fanout::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

using HttpResponse = http::response<http::string_body>;

class TestConnection {
 public:
  explicit TestConnection(uint16_t port, const std::string& host = "127.0.0.1") : stream_(io_) {
    stream_.connect(tcp::endpoint(asio::ip::make_address(host), port));
  }

  // Writes raw bytes (whole requests, pipelined requests, or fragments).
  void send(const std::string& bytes) { asio::write(stream_.socket(), asio::buffer(bytes)); }

  // Half-closes: the server sees EOF after what was sent.
  void shutdown_send() { stream_.socket().shutdown(tcp::socket::shutdown_send); }

  // Reads one response (an interim "100 Continue" counts as one). Returns the error, if any.
  beast::error_code read(HttpResponse& out, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    beast::error_code result;
    out = {};
    stream_.expires_after(timeout);
    http::async_read(stream_, buffer_, out, [&](beast::error_code ec, size_t) { result = ec; });
    io_.restart();
    io_.run();
    return result;
  }

  // Sends one request and reads its response; status 0 when no response came.
  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    send(format(method, target, body, headers));
    HttpResponse response;
    if (read(response)) response.result(0);
    return response;
  }

  // True when the server closed the connection (reading yields EOF/reset rather than a response).
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    HttpResponse response;
    const auto ec = read(response, timeout);
    return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == http::error::partial_message;
  }

  static std::string format(const std::string& method, const std::string& target, const std::string& body = "",
                            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    std::string out = method + " " + target + " HTTP/1.1\r\nHost: test\r\n";
    for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
    if (!body.empty() || method == "POST") out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += "\r\n" + body;
    return out;
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

}  // namespace fanout::testing
