// Inputs the HTTP request fuzzer (fuzz/http_request_fuzz.cpp) found, replayed against the real server.
#include <gtest/gtest.h>

#include <thread>

#include "net/http_server.h"
#include "raw_client.h"

namespace fanout::net {
namespace {

using testing::RawClient;

// Beast 1.74 asserts in its chunk-header parser when a chunked body (here with a malformed trailer) arrives
// a byte at a time, which any client can arrange. The server must answer it, not abort.
TEST(HttpFuzzRegressions, AChunkedBodyWithATrailerSentAByteAtATimeIsAnswered) {
  auto server = HttpServer::start({}, [](Request&& request, Respond respond) {
    Response r;
    r.body = request.body;
    respond(std::move(r));
  });
  ASSERT_TRUE(server);
  RawClient client((*server)->port());
  const std::string request =
      "POST / HTTP/1.1\r\nHos!: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nhello\r\n0\r\n\r\n";
  for (char c : request) {
    ASSERT_TRUE(client.send(std::string(1, c)));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // separate segments, as an attacker sends them
  }
  const auto r = client.read_response();
  EXPECT_TRUE(r.status == 200 || r.status == 400) << r.status;
}

}  // namespace
}  // namespace fanout::net
