// Golden files for every destination's request builder (Meta, TikTok, Microsoft Ads, GA4, Google Ads). Each case in
// testdata/destinations/<platform>/ is:
//   <case>.event.json     one event, or an array of events, in the event codec format (core/event_codec.h)
//   <case>.config.toml    optional; else config.toml of that folder ([destinations.<platform>] + [events.*])
//   <case>.expected.json  [{"indices":[..],"method":..,"url":..,"headers":{..},"body":{..}}, ...] from build()
// Bodies must match byte for byte once the expected JSON is written compactly (key order and number
// forms included). Adding a case is adding files. FANOUT_UPDATE_GOLDEN=1 rewrites the expected files
// (review the diff before keeping it).
#include <gtest/gtest.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/event_codec.h"
#include "destination_testing.h"

namespace fanout::dest::testing {
namespace {

namespace fs = std::filesystem;

struct GoldenCase {
  std::string platform;
  std::string name;
  fs::path dir;
};

std::vector<GoldenCase> discover() {
  std::vector<GoldenCase> out;
  for (const char* platform : {"meta", "tiktok", "microsoft_ads", "ga4", "google_ads"}) {
    fs::path dir = fs::path(FANOUT_SOURCE_DIR) / "testdata" / "destinations" / platform;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::string file = entry.path().filename().string();
      const std::string suffix = ".event.json";
      if (file.size() > suffix.size() && file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0)
        out.push_back({platform, file.substr(0, file.size() - suffix.size()), dir});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.platform + a.name < b.platform + b.name; });
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

class Golden : public ::testing::TestWithParam<GoldenCase> {
 protected:
  void SetUp() override {
    setenv("FANOUT_GOLDEN_META_TOKEN", "meta-token", 1);
    setenv("FANOUT_GOLDEN_TIKTOK_TOKEN", "tiktok-token", 1);
    setenv("FANOUT_GOLDEN_MS_CAPI_TOKEN", "ms-capi-token", 1);
    setenv("FANOUT_GOLDEN_MS_DEVELOPER_TOKEN", "ms-developer-token", 1);
    setenv("FANOUT_GOLDEN_MS_REFRESH_TOKEN", "ms-refresh-token", 1);
    setenv("FANOUT_GOLDEN_MS_CLIENT_ID", "ms-client-id", 1);
    setenv("FANOUT_TEST_GA4_API_SECRET", "s3cr3t/+=", 1);
    setenv("FANOUT_TEST_GADS_REFRESH", "refresh", 1);
    setenv("FANOUT_TEST_GADS_CLIENT_ID", "client", 1);
    setenv("FANOUT_TEST_GADS_CLIENT_SECRET", "client-secret", 1);
    setenv("FANOUT_TEST_GADS_DEVELOPER_TOKEN", "dev-token", 1);
  }
};

TEST_P(Golden, BuildMatchesExpectedRequests) {
  const GoldenCase& gc = GetParam();
  fs::path config = gc.dir / (gc.name + ".config.toml");
  if (!fs::exists(config)) config = gc.dir / "config.toml";
  auto loaded = load(read_file(config), gc.platform);
  ASSERT_TRUE(loaded->errors.ok()) << loaded->errors.items.front();

  rapidjson::Document input = parse(read_file(gc.dir / (gc.name + ".event.json")));
  ASSERT_FALSE(input.HasParseError()) << gc.name << ".event.json is not JSON";
  std::vector<Event> events;
  auto add = [&](const rapidjson::Value& v) {
    auto e = decode_event(compact(v));
    ASSERT_TRUE(e.has_value()) << e.error().field << ": " << e.error().message;
    events.push_back(*e);
  };
  if (input.IsArray())
    for (const auto& v : input.GetArray()) add(v);
  else
    add(input);
  ASSERT_FALSE(events.empty());

  // Golden cases show events that are sent: each must pass skip_reason shortly after its own time.
  for (const Event& e : events) EXPECT_EQ(loaded->dest->skip_reason(e, e.event_time + 60), "") << e.event_id;

  auto requests = build_all(*loaded->dest, events, Auth{"test-access-token"});
  rapidjson::Document actual(rapidjson::kArrayType);
  auto& alloc = actual.GetAllocator();
  for (const Request& r : requests) {
    rapidjson::Value req(rapidjson::kObjectType), indices(rapidjson::kArrayType), headers(rapidjson::kObjectType);
    for (size_t i : r.indices) indices.PushBack(static_cast<uint64_t>(i), alloc);
    for (const auto& [k, v] : r.http.headers)
      headers.AddMember(rapidjson::Value(k.c_str(), alloc), rapidjson::Value(v.c_str(), alloc), alloc);
    rapidjson::Document body(&alloc);
    body.Parse(r.http.body.data(), r.http.body.size());
    ASSERT_FALSE(body.HasParseError()) << "body is not JSON: " << r.http.body;
    req.AddMember("indices", indices, alloc);
    req.AddMember("method", rapidjson::Value(r.http.method.c_str(), alloc), alloc);
    req.AddMember("url", rapidjson::Value(r.http.url.c_str(), alloc), alloc);
    req.AddMember("headers", headers, alloc);
    req.AddMember("body", rapidjson::Value(body, alloc), alloc);
    actual.PushBack(req, alloc);
  }

  const fs::path expected_path = gc.dir / (gc.name + ".expected.json");
  if (std::getenv("FANOUT_UPDATE_GOLDEN")) {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    actual.Accept(w);
    std::ofstream(expected_path) << buf.GetString() << "\n";
  }
  rapidjson::Document expected = parse(read_file(expected_path));
  ASSERT_FALSE(expected.HasParseError()) << expected_path << " is missing or not JSON";
  ASSERT_TRUE(expected.IsArray());
  ASSERT_EQ(expected.Size(), requests.size()) << "number of requests";
  for (size_t i = 0; i < requests.size(); ++i) {
    // The body exactly as sent: the expected body written compactly keeps its key order and number forms.
    EXPECT_EQ(requests[i].http.body, compact(expected[i]["body"])) << "request " << i;
  }
  EXPECT_EQ(compact(actual), compact(expected));
}

INSTANTIATE_TEST_SUITE_P(Destinations, Golden, ::testing::ValuesIn(discover()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) {
                           std::string n = info.param.platform + "_" + info.param.name;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(GoldenCases, EveryPlatformHasCases) {
  auto cases = discover();
  for (const char* platform : {"meta", "tiktok", "microsoft_ads", "ga4", "google_ads"})
    EXPECT_GE(std::count_if(cases.begin(), cases.end(), [&](const auto& c) { return c.platform == platform; }), 3)
        << platform;
}

}  // namespace
}  // namespace fanout::dest::testing
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Golden);
