// net::HttpServer over real loopback sockets.
#include "net/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "net/asio.h"
#include "net/listen_address.h"
#include "net/response_head.h"
#include "test_http_client.h"

namespace fanout::net {
namespace {

using fanout::testing::HttpResponse;
using fanout::testing::TestConnection;
using namespace std::chrono_literals;

std::unique_ptr<HttpServer> start_or_die(ServerOptions options, Handler handler) {
  auto server = HttpServer::start(options, std::move(handler));
  EXPECT_TRUE(server.has_value()) << (server ? "" : server.error().message);
  return server ? std::move(*server) : nullptr;
}

// Echoes what the server parsed, so tests see the Request as the handler did.
void echo(Request&& request, Respond respond) {
  Response response;
  response.content_type = "text/plain";
  response.body = request.method + " " + request.target + " " + request.body + " peer=" + request.peer_ip;
  auto it = request.headers.find("x-test");
  if (it != request.headers.end()) response.headers.emplace_back("X-Echo", it->second);
  respond(std::move(response));
}

// Collects Respond callbacks so a test can answer them later, from any thread, in any order.
class Parked {
 public:
  void add(Request&& request, Respond respond) {
    std::lock_guard lock(mutex_);
    targets_.push_back(request.target);
    responds_.push_back(std::move(respond));
    changed_.notify_all();
  }
  // Waits until at least `n` requests arrived (false after 10 s).
  bool wait_for(size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return responds_.size() >= n; });
  }
  size_t count() {
    std::lock_guard lock(mutex_);
    return responds_.size();
  }
  std::string target(size_t i) {
    std::lock_guard lock(mutex_);
    return targets_.at(i);
  }
  // Answers request `i` with its target as the body.
  void answer(size_t i) {
    Respond respond;
    std::string target;
    {
      std::lock_guard lock(mutex_);
      respond = responds_.at(i);
      target = targets_.at(i);
    }
    Response response;
    response.body = target;
    respond(std::move(response));
  }
  Handler handler() {
    return [this](Request&& request, Respond respond) { add(std::move(request), std::move(respond)); };
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> targets_;
  std::vector<Respond> responds_;
};

TEST(ListenAddress, ParsesIpv4Ipv6AndHostnames) {
  auto v4 = parse_listen_address("127.0.0.1:8080");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  auto v6 = parse_listen_address("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  auto name = parse_listen_address("localhost:9000");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "localhost");
  EXPECT_FALSE(parse_listen_address("127.0.0.1"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:70000"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:8x"));
  EXPECT_FALSE(parse_listen_address("::1:80"));
  EXPECT_FALSE(parse_listen_address("[::1]80"));
  EXPECT_FALSE(parse_listen_address(":80"));
}

// The head Beast's serializer wrote for the same answer (how the server built responses before it wrote
// heads itself): the fast path must send the same bytes.
std::string beast_head(const Response& r, int status, unsigned version, bool keep_alive, bool head_request) {
  http::response<http::string_body> response{static_cast<http::status>(status), version};
  if (!r.content_type.empty()) response.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) response.insert(name, value);
  response.keep_alive(keep_alive);
  if (status_has_no_body(status)) {
    response.prepare_payload();
  } else if (head_request) {
    response.content_length(r.body.size());
  } else {
    response.body() = r.body;
    response.prepare_payload();
  }
  std::ostringstream out;
  out << response.base();
  return out.str();
}

TEST(ResponseHead, MatchesWhatBeastWrote) {
  Response plain;
  plain.body = R"({"ok":true})";
  Response extra;
  extra.status = 429;
  extra.body = "slow down";
  extra.content_type = "text/plain";
  extra.headers = {{"Retry-After", "7"}, {"X-Two", "a"}, {"X-Two", "b"}};
  Response bare;
  bare.content_type = "";
  std::string head;
  for (const Response* r : {&plain, &extra, &bare}) {
    for (int status : {200, 202, 204, 304, 100, 400, 404, 429, 500, 299, 999}) {
      for (unsigned version : {10u, 11u}) {
        for (bool keep_alive : {true, false}) {
          for (bool head_request : {false, true}) {
            format_response_head(head, *r, status, version, keep_alive);
            EXPECT_EQ(head, beast_head(*r, status, version, keep_alive, head_request))
                << status << " HTTP/" << version << " keep_alive=" << keep_alive;
          }
        }
      }
    }
  }
}

TEST(ResponseHead, FramingHeadersAreTheServers) {
  Response r;
  r.body = "abc";
  r.headers = {{"Content-Length", "99"}, {"transfer-encoding", "chunked"}, {"Connection", "upgrade"}, {"X-A", "1"}};
  std::string head;
  format_response_head(head, r, 200, 11, false);
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-A: 1\r\nConnection: close\r\n"
            "Content-Length: 3\r\n\r\n");
}

TEST(HttpServer, PortZeroPicksAFreePortAndReportsIt) {
  auto server = start_or_die({}, echo);
  ASSERT_TRUE(server);
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->host(), "127.0.0.1");
}

TEST(HttpServer, LocalhostBindsLoopback) {
  ServerOptions options;
  options.listen = "localhost:0";
  auto server = start_or_die(options, echo);
  ASSERT_TRUE(server);
  EXPECT_EQ(server->host(), "127.0.0.1");
  TestConnection client(server->port());
  EXPECT_EQ(client.request("GET", "/x").result_int(), 200);
}

TEST(HttpServer, Ipv6Loopback) {
  ServerOptions options;
  options.listen = "[::1]:0";
  auto server = HttpServer::start(options, echo);
  if (!server) GTEST_SKIP() << "no IPv6 loopback here: " << server.error().message;
  EXPECT_EQ((*server)->host(), "::1");
  TestConnection client((*server)->port(), "::1");
  EXPECT_EQ(client.request("GET", "/six").body().substr(0, 9), "GET /six ");
}

TEST(HttpServer, BusyPortIsBindFailedNamingTheAddress) {
  auto first = start_or_die({}, echo);
  ASSERT_TRUE(first);
  ServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(first->port());
  auto second = HttpServer::start(options, echo);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, "bind_failed");
  EXPECT_NE(second.error().message.find(options.listen), std::string::npos);

  options.listen = "nonsense";
  auto third = HttpServer::start(options, echo);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, "bind_failed");
}

TEST(HttpServer, BasicGetAndPost) {
  auto server = start_or_die({}, echo);
  ASSERT_TRUE(server);
  TestConnection client(server->port());

  HttpResponse get = client.request("GET", "/v1/things?x=1", "", {{"X-Test", "a"}, {"x-test", "b"}});
  EXPECT_EQ(get.result_int(), 200);
  EXPECT_EQ(get[http::field::content_type], "text/plain");
  EXPECT_EQ(get.body(), "GET /v1/things?x=1  peer=127.0.0.1");
  EXPECT_EQ(get["X-Echo"], "a, b");  // repeated headers are joined, names are lowercase

  HttpResponse post = client.request("POST", "/v1/events", R"({"a":1})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(post.result_int(), 200);
  EXPECT_EQ(post.body(), R"(POST /v1/events {"a":1} peer=127.0.0.1)");
}

TEST(HttpServer, StatusContentTypeAndExtraHeadersAreSent) {
  auto server = start_or_die({}, [](Request&&, Respond respond) {
    Response response;
    response.status = 429;
    response.body = R"({"error":"slow_down"})";
    response.headers.emplace_back("Retry-After", "7");
    respond(std::move(response));
  });
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  HttpResponse response = client.request("POST", "/", "{}");
  EXPECT_EQ(response.result_int(), 429);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response["Retry-After"], "7");
  EXPECT_EQ(response.body(), R"({"error":"slow_down"})");
}

TEST(HttpServer, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = start_or_die({}, echo);
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  for (int i = 0; i < 5; ++i) {
    const std::string target = "/r" + std::to_string(i);
    HttpResponse response = client.request("GET", target);
    ASSERT_EQ(response.result_int(), 200);
    EXPECT_TRUE(response.keep_alive());
    EXPECT_EQ(response.body(), "GET " + target + "  peer=127.0.0.1");
  }
}

TEST(HttpServer, ConnectionCloseRequestIsAnsweredThenClosed) {
  auto server = start_or_die({}, echo);
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  HttpResponse response = client.request("GET", "/bye", "", {{"Connection", "close"}});
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrderWhenTheHandlerAnswersOutOfOrder) {
  Parked parked;
  auto server = start_or_die({}, parked.handler());
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  client.send(TestConnection::format("GET", "/1") + TestConnection::format("POST", "/2", "body") +
              TestConnection::format("GET", "/3"));
  ASSERT_TRUE(parked.wait_for(3));
  // Answer last-to-first, each from its own thread.
  for (size_t i : {2u, 1u, 0u}) std::thread([&parked, i] { parked.answer(i); }).join();
  for (const char* expected : {"/1", "/2", "/3"}) {
    HttpResponse response;
    ASSERT_FALSE(client.read(response));
    EXPECT_EQ(response.body(), expected);
  }
}

TEST(HttpServer, PipeliningIsBoundedByMaxPipelined) {
  Parked parked;
  ServerOptions options;
  options.max_pipelined = 2;
  auto server = start_or_die(options, parked.handler());
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  std::string burst;
  for (int i = 0; i < 5; ++i) burst += TestConnection::format("GET", "/" + std::to_string(i));
  client.send(burst);
  ASSERT_TRUE(parked.wait_for(2));
  std::this_thread::sleep_for(100ms);  // give a wrong server the chance to read further ahead
  EXPECT_EQ(parked.count(), 2u);
  for (size_t answered = 0; answered < 5; ++answered) {
    ASSERT_TRUE(parked.wait_for(answered + 1));
    parked.answer(answered);
    HttpResponse response;
    ASSERT_FALSE(client.read(response));
    EXPECT_EQ(response.body(), "/" + std::to_string(answered));
    EXPECT_LE(parked.count(), answered + 1 + options.max_pipelined);
  }
}

TEST(HttpServer, AClientThatWaitsForItsAnswersIsReadOnceEachIsWritten) {
  // Until a client pipelines, it has one request in flight: a second request sent before the first is
  // answered waits in the socket (it is not read ahead), and is read and handled once the answer is out.
  // Once it has sent two requests together, it may have options.max_pipelined in flight.
  Parked parked;
  auto server = start_or_die({}, parked.handler());
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  client.send(TestConnection::format("GET", "/1"));
  ASSERT_TRUE(parked.wait_for(1));
  client.send(TestConnection::format("GET", "/2"));
  std::this_thread::sleep_for(100ms);  // give a wrong server the chance to read ahead
  EXPECT_EQ(parked.count(), 1u);
  parked.answer(0);
  HttpResponse first;
  ASSERT_FALSE(client.read(first));
  EXPECT_EQ(first.body(), "/1");
  ASSERT_TRUE(parked.wait_for(2));
  parked.answer(1);
  HttpResponse second;
  ASSERT_FALSE(client.read(second));
  EXPECT_EQ(second.body(), "/2");

  client.send(TestConnection::format("GET", "/3") + TestConnection::format("GET", "/4"));
  ASSERT_TRUE(parked.wait_for(4));  // both in flight at once: the client pipelines
  client.send(TestConnection::format("GET", "/5"));
  ASSERT_TRUE(parked.wait_for(5));  // and is read ahead from now on
  for (size_t i = 2; i < 5; ++i) {
    parked.answer(i);
    HttpResponse response;
    ASSERT_FALSE(client.read(response));
    EXPECT_EQ(response.body(), "/" + std::to_string(i + 1));
  }
}

TEST(HttpServer, ClientHalfCloseAfterPipelinedRequestsStillGetsEveryResponse) {
  Parked parked;
  auto server = start_or_die({}, parked.handler());
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  client.send(TestConnection::format("GET", "/a") + TestConnection::format("GET", "/b"));
  ASSERT_TRUE(parked.wait_for(2));
  client.shutdown_send();
  parked.answer(1);
  parked.answer(0);
  HttpResponse first, second;
  ASSERT_FALSE(client.read(first));
  ASSERT_FALSE(client.read(second));
  EXPECT_EQ(first.body(), "/a");
  EXPECT_EQ(second.body(), "/b");
  EXPECT_FALSE(second.keep_alive());
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, BodyOverLimitGets413JsonAndTheConnectionCloses) {
  std::atomic<int> calls{0};
  ServerOptions options;
  options.max_body_bytes = 100;
  auto server = start_or_die(options, [&](Request&& r, Respond respond) {
    ++calls;
    echo(std::move(r), std::move(respond));
  });
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  HttpResponse response = client.request("POST", "/v1/events", std::string(5000, 'x'));
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_NE(response.body().find(R"("error":"payload_too_large")"), std::string::npos);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_EQ(calls.load(), 0);

  TestConnection at_limit(server->port());
  EXPECT_EQ(at_limit.request("POST", "/ok", std::string(100, 'y')).result_int(), 200);
}

TEST(HttpServer, ChunkedBodyOverLimitGets413) {
  ServerOptions options;
  options.max_body_bytes = 10;
  auto server = start_or_die(options, echo);
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  client.send(
      "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  HttpResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 413);
}

TEST(HttpServer, MalformedRequestGets400AndTheConnectionCloses) {
  auto server = start_or_die({}, echo);
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  client.send("THIS IS NOT HTTP\r\n\r\n");
  HttpResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_NE(response.body().find(R"("error":"bad_request")"), std::string::npos);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, ExpectContinueGetsAnInterimResponseBeforeTheBody) {
  auto server = start_or_die({}, echo);
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  client.send("POST /big HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  HttpResponse interim;
  ASSERT_FALSE(client.read(interim));
  EXPECT_EQ(interim.result_int(), 100);
  client.send("hello");
  HttpResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "POST /big hello peer=127.0.0.1");
}

TEST(HttpServer, ReadTimeoutClosesAConnectionThatStopsMidRequest) {
  ServerOptions options;
  options.read_timeout = 200ms;
  auto server = start_or_die(options, echo);
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  client.send("GET /slow HTTP/1.1\r\nHost: t\r\n");  // headers never finish
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, IdleTimeoutClosesASilentConnection) {
  ServerOptions options;
  options.idle_timeout = 200ms;
  auto server = start_or_die(options, echo);
  ASSERT_TRUE(server);
  TestConnection silent(server->port());
  EXPECT_TRUE(silent.closed_by_server());

  TestConnection after_one(server->port());
  EXPECT_EQ(after_one.request("GET", "/once").result_int(), 200);
  EXPECT_TRUE(after_one.closed_by_server());
}

TEST(HttpServer, SlowHandlerIsNotCutByTheIdleTimeout) {
  Parked parked;
  ServerOptions options;
  options.idle_timeout = 100ms;
  auto server = start_or_die(options, parked.handler());
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  client.send(TestConnection::format("GET", "/patient"));
  ASSERT_TRUE(parked.wait_for(1));
  std::this_thread::sleep_for(400ms);  // several idle timeouts while the response is pending
  parked.answer(0);
  HttpResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.body(), "/patient");
}

TEST(HttpServer, ARequestTheHandlerDropsIsAnswered500) {
  auto server = start_or_die({}, [](Request&&, Respond) {});
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  HttpResponse response = client.request("GET", "/forgotten");
  EXPECT_EQ(response.result_int(), 500);
  EXPECT_EQ(client.request("GET", "/again").result_int(), 500);  // the connection is still usable
}

TEST(HttpServer, RespondingTwiceKeepsTheFirstAnswer) {
  auto server = start_or_die({}, [](Request&&, Respond respond) {
    Response first;
    first.body = "first";
    respond(first);
    Response second;
    second.body = "second";
    respond(second);
  });
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  EXPECT_EQ(client.request("GET", "/").body(), "first");
  EXPECT_EQ(client.request("GET", "/").body(), "first");
}

// At the limit an idle keep-alive connection would be closed to make room (tests/net/); a busy one is not,
// so with none idle the newcomer is closed at once.
TEST(HttpServer, MaxConnectionsClosesExtraConnectionsAtOnceWhenNoneIsIdle) {
  Parked parked;
  ServerOptions options;
  options.max_connections = 1;
  auto server = start_or_die(options, parked.handler());
  ASSERT_TRUE(server);
  TestConnection first(server->port());
  first.send(TestConnection::format("GET", "/1"));
  ASSERT_TRUE(parked.wait_for(1));  // first has a request in progress: busy, not idle
  TestConnection second(server->port());
  second.send(TestConnection::format("GET", "/2"));
  EXPECT_TRUE(second.closed_by_server());
  parked.answer(0);
  HttpResponse response;
  ASSERT_FALSE(first.read(response));
  EXPECT_EQ(response.body(), "/1");
}

TEST(HttpServer, StopLetsInProgressRequestsFinishThenRefusesConnections) {
  Parked parked;
  auto server = start_or_die({}, parked.handler());
  ASSERT_TRUE(server);
  const uint16_t port = server->port();
  TestConnection client(port);
  TestConnection idle(port);
  client.send(TestConnection::format("GET", "/in-progress"));
  ASSERT_TRUE(parked.wait_for(1));

  auto stopped = std::async(std::launch::async, [&] { server->stop(10s); });
  EXPECT_TRUE(idle.closed_by_server());  // nothing in progress there: closed right away
  EXPECT_EQ(stopped.wait_for(50ms), std::future_status::timeout);
  parked.answer(0);
  HttpResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.body(), "/in-progress");
  EXPECT_FALSE(response.keep_alive());  // the server is going away
  stopped.get();

  EXPECT_THROW(TestConnection late(port), boost::system::system_error);
  server->stop(1s);  // idempotent
}

TEST(HttpServer, StopGivesUpAfterGraceAndLateAnswersAreHarmless) {
  Parked parked;
  auto server = start_or_die({}, parked.handler());
  ASSERT_TRUE(server);
  TestConnection client(server->port());
  client.send(TestConnection::format("GET", "/never"));
  ASSERT_TRUE(parked.wait_for(1));
  server->stop(100ms);
  EXPECT_TRUE(client.closed_by_server());
  parked.answer(0);  // after stop: dropped
  server.reset();
  parked.answer(0);  // after destruction: still dropped, no crash
}

TEST(HttpServer, ManyClientsOnSeveralThreads) {
  ServerOptions options;
  options.threads = 3;
  std::atomic<int> handled{0};
  auto server = start_or_die(options, [&](Request&& request, Respond respond) {
    ++handled;
    // Half the answers come from another thread, as a real handler's would.
    if (request.target.back() % 2 == 0) {
      std::thread([r = std::move(respond), t = request.target]() mutable {
        Response response;
        response.body = t;
        r(std::move(response));
      }).detach();
    } else {
      Response response;
      response.body = request.target;
      respond(std::move(response));
    }
  });
  ASSERT_TRUE(server);
  constexpr int kClients = 6;
  constexpr int kRequests = 100;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      TestConnection client(server->port());
      for (int i = 0; i < kRequests; i += 4) {
        std::string burst;
        for (int k = 0; k < 4; ++k) burst += TestConnection::format("GET", "/" + std::to_string(c * 1000 + i + k));
        client.send(burst);
        for (int k = 0; k < 4; ++k) {
          HttpResponse response;
          if (!client.read(response) && response.body() == "/" + std::to_string(c * 1000 + i + k)) ++good;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
  EXPECT_EQ(handled.load(), kClients * kRequests);
}

}  // namespace
}  // namespace fanout::net
