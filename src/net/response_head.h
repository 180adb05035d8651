#pragma once
// The head (status line and headers) of a response, written straight into a reusable string. Building a
// Beast http::response for every answer cost a heap node per header and a serializer; this writes the same
// bytes Beast wrote (Content-Type, the extra headers in order, Connection, Content-Length).
#include <string>

#include "net/http_server.h"

namespace fanout::net {

// True for statuses whose responses carry no body (1xx, 204, 304): their body is not sent and their
// Content-Length is 0, as Boost 1.74's Beast wrote it.
bool status_has_no_body(int status);

// Replaces `out` with the head of `response` sent as `status` (100..999) in answer to an HTTP/`version`
// request (11 = 1.1). `keep_alive` decides the Connection header. Content-Length is response.body's size
// unless the status has no body (also for HEAD, whose body is not sent). The framing headers are the
// server's: extra headers named Content-Length, Transfer-Encoding or Connection are not sent. A streamed
// response (response.stream) gets Transfer-Encoding: chunked (HTTP/1.1) instead of a Content-Length.
void format_response_head(std::string& out, const Response& response, int status, unsigned version, bool keep_alive);

}  // namespace fanout::net
