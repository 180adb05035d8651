#include "delivery/curl_client.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "delivery_test_util.h"

namespace fanout::delivery {
namespace {
using testing::FakePlatform;
using testing::Reply;

struct Done {
  bool done = false;
  dest::HttpRequest request;
  dest::HttpResponse response;
};

CurlClient::Completion into(Done& d) {
  return [&d](dest::HttpRequest&& req, dest::HttpResponse&& resp, double) {
    d.done = true;
    d.request = std::move(req);
    d.response = std::move(resp);
  };
}

void run_until(CurlClient& client, const std::function<bool()>& done) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done() && std::chrono::steady_clock::now() < until) client.run(100);
}

TEST(CurlClient, PostsAndCapturesStatusBodyAndLowercasedHeaders) {
  FakePlatform platform;
  platform.script("/x", [](const testing::Seen&) {
    return testing::answer(201, "created", {{"X-Trace-Id", "abc"}, {"Retry-After", "7"}});
  });
  CurlClient client;
  Done d;
  dest::HttpRequest req;
  req.url = platform.url("/x?q=1");
  req.headers = {{"content-type", "text/plain"}, {"x-test", "yes"}};
  req.body = "a,b,c";
  client.start(req, 5000, into(d));
  EXPECT_EQ(client.in_flight(), 1u);
  run_until(client, [&] { return d.done; });
  ASSERT_TRUE(d.done);
  EXPECT_EQ(client.in_flight(), 0u);
  EXPECT_EQ(d.response.status, 201);
  EXPECT_EQ(d.response.body, "created");
  EXPECT_EQ(d.response.headers["x-trace-id"], "abc");
  EXPECT_EQ(d.response.headers["retry-after"], "7");
  EXPECT_EQ(d.request.body, "a,b,c");  // handed back for classify()
  auto seen = platform.requests("/x");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/x?q=1");
  EXPECT_EQ(seen[0].body, "a,b,c");
  EXPECT_EQ(seen[0].headers["x-test"], "yes");
  EXPECT_EQ(seen[0].headers.count("expect"), 0u);
}

// Requests offer the encodings libcurl decodes, once, and a compressed answer arrives decoded.
TEST(CurlClient, AnswersAreOfferedCompressedAndDecoded) {
  FakePlatform platform;
  const std::string gzipped("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff\xab\x56\xca\xcf\x56\xb2\x2a\x29\x2a\x4d\xad\x05"
                            "\x00\x90\x5f\xd4\xa7\x0b\x00\x00\x00",
                            31);  // {"ok":true}
  platform.script("/z", [&](const testing::Seen&) { return testing::answer(200, gzipped, {{"Content-Encoding", "gzip"}}); });
  CurlClient client;
  Done d;
  dest::HttpRequest req;
  req.url = platform.url("/z");
  req.headers = {{"content-type", "application/json"}};
  req.body = "{}";
  client.start(req, 5000, into(d));
  run_until(client, [&] { return d.done; });
  EXPECT_EQ(d.response.status, 200);
  EXPECT_EQ(d.response.body, R"({"ok":true})");
  auto seen = platform.requests("/z");
  ASSERT_EQ(seen.size(), 1u);
  const std::string offered = seen[0].headers["accept-encoding"];
  EXPECT_NE(offered.find("gzip"), std::string::npos) << offered;
  EXPECT_EQ(offered.find("gzip"), offered.rfind("gzip")) << "offered twice: " << offered;
  EXPECT_EQ(seen[0].headers["content-type"], "application/json");
}

// A URL with a query is sent with curl's own request target, byte for byte, also when a pooled handle
// goes back and forth between URLs with and without a query, and when curl normalises the path.
TEST(CurlClient, RequestTargetsAreTheUrlsPathAndQuery) {
  FakePlatform platform;
  for (const char* path : {"/q", "/plain", "/a/b"})
    platform.script(path, [](const testing::Seen&) { return testing::answer(200, "{}"); });
  CurlClient client;
  const std::vector<std::string> targets = {
      "/q?measurement_id=G-1&api_secret=s%2Bx",
      "/plain",
      "/q?measurement_id=G-2&api_secret=t",
      "/q?measurement_id=G-1&api_secret=s%2Bx",  // the prepared URL again
      "/a/./c/../b?x=1&y=a%20b",
      "/plain",
  };
  for (const std::string& target : targets) {
    Done d;
    dest::HttpRequest req;
    req.url = platform.url(target);
    req.body = "{}";
    client.start(req, 5000, into(d));
    run_until(client, [&] { return d.done; });
    ASSERT_EQ(d.response.status, 200) << target;
    EXPECT_EQ(d.request.url, platform.url(target));  // handed back as given
  }
  auto q = platform.requests("/q");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].target, "/q?measurement_id=G-1&api_secret=s%2Bx");
  EXPECT_EQ(q[1].target, "/q?measurement_id=G-2&api_secret=t");
  EXPECT_EQ(q[2].target, "/q?measurement_id=G-1&api_secret=s%2Bx");
  auto plain = platform.requests("/plain");
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(plain[0].target, "/plain");
  EXPECT_EQ(plain[1].target, "/plain");
  auto ab = platform.requests("/a/b");
  ASSERT_EQ(ab.size(), 1u);
  EXPECT_EQ(ab[0].target, "/a/b?x=1&y=a%20b");
}

TEST(CurlClient, BodyIsTruncatedAtTheCap) {
  FakePlatform platform;
  platform.script("/big", [](const testing::Seen&) { return testing::answer(200, std::string(5000, 'x')); });
  CurlClient client(1000);
  Done d;
  dest::HttpRequest req;
  req.url = platform.url("/big");
  client.start(req, 5000, into(d));
  run_until(client, [&] { return d.done; });
  EXPECT_EQ(d.response.status, 200);
  EXPECT_EQ(d.response.body.size(), 1000u);
}

TEST(CurlClient, TimeoutAndRefusedConnectionAreStatusZeroWithAReason) {
  FakePlatform platform;
  platform.script("/hang", [](const testing::Seen&) { return testing::hang(); });
  CurlClient client;
  Done slow, refused;
  dest::HttpRequest req;
  req.url = platform.url("/hang");
  client.start(req, 200, into(slow));
  req.url = "http://127.0.0.1:1/nothing-listens-here";
  client.start(req, 2000, into(refused));
  run_until(client, [&] { return slow.done && refused.done; });
  EXPECT_EQ(slow.response.status, 0);
  EXPECT_FALSE(slow.response.transport_error.empty());
  EXPECT_EQ(refused.response.status, 0);
  EXPECT_FALSE(refused.response.transport_error.empty());
}

TEST(CurlClient, OneClientServesSequentialRequests) {
  FakePlatform platform;
  CurlClient client;
  for (int i = 0; i < 5; ++i) {
    Done d;
    dest::HttpRequest req;
    req.url = platform.url("/k");
    client.start(req, 5000, into(d));
    run_until(client, [&] { return d.done; });
    EXPECT_EQ(d.response.status, 200);
  }
  EXPECT_EQ(platform.requests("/k").size(), 5u);
  EXPECT_EQ(client.connections_opened(), 1u);  // keep-alive: one connection for all five
}

// Each URL is parsed once and kept; a pooled handle that last sent to one URL must send the next request
// to that request's own URL, query included.
TEST(CurlClient, ReusedHandlesSendEachRequestToItsOwnUrl) {
  FakePlatform platform;
  CurlClient client;
  const std::vector<std::string> targets = {"/a?x=1", "/b", "/a?x=1", "/c?y=2&z=3", "/b", "/a?x=2"};
  for (const std::string& target : targets) {
    Done d;
    dest::HttpRequest req;
    req.url = platform.url(target);
    client.start(req, 5000, into(d));
    run_until(client, [&] { return d.done; });
    EXPECT_EQ(d.response.status, 200) << target;
  }
  std::vector<std::string> seen;
  for (const char* path : {"/a", "/b", "/c"})
    for (const auto& r : platform.requests(path)) seen.push_back(r.target);
  std::sort(seen.begin(), seen.end());
  std::vector<std::string> expected = targets;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(CurlClient, AnUnparsableUrlIsStatusZeroWithAReason) {
  CurlClient client;
  Done d;
  dest::HttpRequest req;
  req.url = "http://[::1/unclosed";
  client.start(req, 2000, into(d));
  run_until(client, [&] { return d.done; });
  ASSERT_TRUE(d.done);
  EXPECT_EQ(d.response.status, 0);
  EXPECT_FALSE(d.response.transport_error.empty());
}

// A proxy named in the environment is still used (the client only skips curl's per-request lookups when
// there is none).
TEST(CurlClient, AProxyInTheEnvironmentIsUsed) {
  FakePlatform proxy;
  ::setenv("http_proxy", proxy.url().c_str(), 1);
  CurlClient client;
  Done d;
  dest::HttpRequest req;
  req.url = "http://platform.invalid/via-proxy?x=1";
  client.start(req, 5000, into(d));
  run_until(client, [&] { return d.done; });
  ::unsetenv("http_proxy");
  EXPECT_EQ(d.response.status, 200) << d.response.transport_error;
  auto seen = proxy.requests("http://platform.invalid/");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "http://platform.invalid/via-proxy?x=1");
}

// Three bursts of `width` concurrent requests to `path`, each burst run to its end.
void bursts(CurlClient& client, FakePlatform& platform, const std::string& path, size_t width) {
  for (int burst = 0; burst < 3; ++burst) {
    std::vector<Done> done(width);
    for (Done& d : done) {
      dest::HttpRequest req;
      req.url = platform.url(path);
      req.body = "x";
      client.start(req, 5000, into(d));
    }
    run_until(client, [&] { return std::all_of(done.begin(), done.end(), [](const Done& d) { return d.done; }); });
    for (const Done& d : done) EXPECT_EQ(d.response.status, 200);
  }
}

TEST(CurlClient, ConcurrentBurstsReuseTheirConnections) {
  FakePlatform platform;
  CurlClient client;
  bursts(client, platform, "/burst", 4);
  EXPECT_EQ(platform.requests("/burst").size(), 12u);
  // At most one connection per concurrent transfer, opened by the first burst and kept for the others.
  EXPECT_GE(client.connections_opened(), 1u);
  EXPECT_LE(client.connections_opened(), 4u);
}

// Bursts wider than 4: libcurl on its own keeps 4 idle connections per transfer still running when one
// ends, so the last transfers of a burst close most of the connections the next burst needs.
// keep_connections() keeps as many as can be in flight.
TEST(CurlClient, KeptConnectionsServeEveryBurst) {
  FakePlatform platform;
  CurlClient client;
  client.keep_connections(16);
  bursts(client, platform, "/wide", 16);
  EXPECT_EQ(platform.requests("/wide").size(), 48u);
  EXPECT_LE(client.connections_opened(), 16u);
}

TEST(CurlClient, WakeupFromAnotherThreadEndsAWait) {
  CurlClient client;
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    client.wakeup();
  });
  auto start = std::chrono::steady_clock::now();
  client.run(60000);  // would wait a minute without the wakeup
  waker.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST(CurlClient, AbortAllDropsTransfersWithoutCompletions) {
  FakePlatform platform;
  platform.script("/hang", [](const testing::Seen&) { return testing::hang(); });
  CurlClient client;
  Done d;
  dest::HttpRequest req;
  req.url = platform.url("/hang");
  client.start(req, 10000, into(d));
  run_until(client, [&] { return !platform.requests("/hang").empty(); });
  client.abort_all();
  EXPECT_EQ(client.in_flight(), 0u);
  client.run(10);
  EXPECT_FALSE(d.done);
}

}  // namespace
}  // namespace fanout::delivery
