#include "net/response_head.h"

#include <charconv>
#include <cstdio>

#include "net/asio.h"

namespace fanout::net {
namespace {

bool is_framing_header(const std::string& text) {
  const beast::string_view name(text.data(), text.size());
  return beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
         beast::iequals(name, "connection");
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

bool status_has_no_body(int status) {
  return status / 100 == 1 || status == 204 || status == 304;
}

void format_response_head(std::string& out, const Response& response, int status, unsigned version, bool keep_alive) {
  out.clear();
  char line[32];
  const int n = std::snprintf(line, sizeof line, "HTTP/%u.%u %03d ", version / 10, version % 10, status);
  out.append(line, static_cast<size_t>(n));
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  out.append(reason.data(), reason.size()).append("\r\n");

  if (!response.content_type.empty()) append_header(out, "Content-Type", response.content_type);
  for (const auto& [name, value] : response.headers) {
    if (!is_framing_header(name)) append_header(out, name, value);
  }
  // HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 closes it unless told otherwise.
  if (version >= 11 && !keep_alive) append_header(out, "Connection", "close");
  if (version < 11 && keep_alive) append_header(out, "Connection", "keep-alive");
  if (response.stream && !status_has_no_body(status)) {
    // Streamed: chunked on HTTP/1.1; on HTTP/1.0 the body ends when the connection closes.
    if (version >= 11) append_header(out, "Transfer-Encoding", "chunked");
    out.append("\r\n");
    return;
  }
  char digits[24];
  const size_t length = status_has_no_body(status) ? 0 : response.body.size();
  const auto end = std::to_chars(digits, digits + sizeof digits, length).ptr;
  append_header(out, "Content-Length", std::string_view(digits, static_cast<size_t>(end - digits)));
  out.append("\r\n");
}

}  // namespace fanout::net
