// net/'s streamed responses (Response::stream): chunked framing, the source ending the body, and the
// connection no longer asking once the client has gone.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/http_client.h"
#include "net/http_server.h"

namespace fanout::net {
namespace {

// Threads that answer pieces, joined at the end of each test (after the server has stopped).
class Answerers {
 public:
  ~Answerers() {
    std::lock_guard lock(mu_);
    for (auto& t : threads_) t.join();
  }
  // Answers `piece` with `value` from another thread after `delay`.
  void answer(BodyStream::Piece piece, std::optional<std::string> value,
              std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
    std::lock_guard lock(mu_);
    threads_.emplace_back([piece = std::move(piece), value = std::move(value), delay] {
      std::this_thread::sleep_for(delay);
      piece(value);
    });
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

// A source that answers from a list of pieces (nullopt ends), answering from another thread.
std::shared_ptr<BodyStream> list_stream(std::vector<std::optional<std::string>> pieces, std::atomic<int>* asked,
                                        Answerers* answerers) {
  auto body = std::make_shared<BodyStream>();
  auto shared = std::make_shared<std::vector<std::optional<std::string>>>(std::move(pieces));
  auto index = std::make_shared<std::atomic<size_t>>(0);
  body->next = [shared, index, asked, answerers](BodyStream::Piece piece) {
    ++*asked;
    const size_t i = (*index)++;
    answerers->answer(std::move(piece), i < shared->size() ? (*shared)[i] : std::nullopt);
  };
  return body;
}

TEST(StreamResponse, WritesPiecesChunkedUntilTheSourceEnds) {
  Answerers answerers;
  std::atomic<int> asked{0};
  auto server = HttpServer::start(ServerOptions{}, [&](Request&&, Respond respond) {
    Response r;
    r.content_type = "text/event-stream";
    r.stream = list_stream({std::string("data: a\n\n"), std::string(""), std::string("data: b\n\n"), std::nullopt},
                           &asked, &answerers);
    respond(std::move(r));
  });
  ASSERT_TRUE(server) << server.error().message;
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/s";
  auto got = app::http_call("GET", url, {}, "");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "data: a\n\ndata: b\n\n");  // curl undid the chunked framing
  EXPECT_EQ(asked.load(), 4);
  // The connection stays usable after a streamed response.
  auto again = app::http_call("GET", url, {}, "");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "data: a\n\ndata: b\n\n");
  (*server)->stop(std::chrono::milliseconds(1000));
}

TEST(StreamResponse, StopsAskingOnceTheClientHasGone) {
  Answerers answerers;
  std::atomic<int> asked{0};
  auto server = HttpServer::start(ServerOptions{}, [&](Request&&, Respond respond) {
    auto body = std::make_shared<BodyStream>();
    body->next = [&asked, &answerers](BodyStream::Piece piece) {
      ++asked;
      answerers.answer(std::move(piece), std::string("data: tick\n\n"), std::chrono::milliseconds(20));
    };
    Response r;
    r.stream = body;
    respond(std::move(r));
  });
  ASSERT_TRUE(server) << server.error().message;

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((*server)->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request = "GET /s HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string received;
  char buf[4096];
  while (received.find("tick") == std::string::npos) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ASSERT_GT(n, 0);
    received.append(buf, static_cast<size_t>(n));
  }
  EXPECT_NE(received.find("Transfer-Encoding: chunked"), std::string::npos) << received;
  EXPECT_EQ(received.find("Content-Length"), std::string::npos) << received;
  ::close(fd);

  // Once the close is seen, asking stops: the count settles.
  int settled = -1;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int now = asked.load();
    if (now == settled) break;
    settled = now;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(asked.load(), settled);
  (*server)->stop(std::chrono::milliseconds(1000));
}

TEST(StreamResponse, ServerStopEndsAnEndlessStream) {
  Answerers answerers;
  auto server = HttpServer::start(ServerOptions{}, [&](Request&&, Respond respond) {
    auto body = std::make_shared<BodyStream>();
    body->next = [&answerers](BodyStream::Piece piece) {
      answerers.answer(std::move(piece), std::string("data: tick\n\n"), std::chrono::milliseconds(20));
    };
    Response r;
    r.stream = body;
    respond(std::move(r));
  });
  ASSERT_TRUE(server);
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/s";
  std::thread client([&] {
    auto got = app::http_call("GET", url, {}, "", 30000);
    // The stream ended cleanly (a last chunk), with what had been written before the stop.
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_NE(got->body.find("data: tick"), std::string::npos);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  (*server)->stop(std::chrono::milliseconds(5000));
  client.join();
}

}  // namespace
}  // namespace fanout::net
