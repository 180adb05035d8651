// Golden files: testdata/destinations/google_ads/<case>.event.json (an Event in the codec format) must build
// exactly the request in <case>.expected.json ({"method", "url", "headers", "body"}), with <case>.config.toml
// when there is one, else the folder's config.toml. Adding a case is adding two (or three) files.
// FANOUT_UPDATE_GOLDEN=1 rewrites the expected files (review the diff).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config_table.h"
#include "core/event_codec.h"
#include "destinations/google_ads/google_ads.h"

namespace fanout::dest {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(FANOUT_SOURCE_DIR) / "testdata/destinations/google_ads";
constexpr int64_t kNow = 1763899200 + 60;  // a minute after the cases' event_time

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string pretty(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  v.Accept(w);
  return std::string(buf.GetString()) + "\n";
}

// The request as the expected files spell it; the body is embedded as JSON, not as a string.
std::string request_json(const HttpRequest& r) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("method", rapidjson::Value(r.method.c_str(), a), a);
  d.AddMember("url", rapidjson::Value(r.url.c_str(), a), a);
  rapidjson::Value headers(rapidjson::kObjectType);
  for (const auto& [k, v] : r.headers)
    headers.AddMember(rapidjson::Value(k.c_str(), a), rapidjson::Value(v.c_str(), a), a);
  d.AddMember("headers", headers, a);
  rapidjson::Document body(&a);
  body.Parse(r.body.c_str());
  EXPECT_FALSE(body.HasParseError()) << "body is not JSON: " << r.body;
  d.AddMember("body", rapidjson::Value(body, a), a);
  return pretty(d);
}

struct GoogleAdsCase : ::testing::TestWithParam<std::string> {};

TEST_P(GoogleAdsCase, BuildsExpectedRequest) {
  setenv("FANOUT_TEST_GADS_REFRESH", "refresh", 1);
  setenv("FANOUT_TEST_GADS_CLIENT_ID", "client", 1);
  setenv("FANOUT_TEST_GADS_CLIENT_SECRET", "client-secret", 1);
  setenv("FANOUT_TEST_GADS_DEVELOPER_TOKEN", "dev-token", 1);
  fs::path config = kDir / (GetParam() + ".config.toml");
  if (!fs::exists(config)) config = kDir / "config.toml";
  toml::table root = toml::parse(read(config));
  EventNameMap names;
  if (const toml::table* events = root["events"].as_table())
    for (const auto& [canonical, t] : *events)
      if (auto n = t.as_table()->get_as<std::string>("google_ads")) names[std::string(canonical.str())] = n->get();
  ConfigErrors errors;
  ConfigTable table(root["destinations"]["google_ads"].as_table(), "destinations.google_ads", errors);
  auto ads = make_google_ads(table, names);
  ASSERT_TRUE(errors.ok()) << errors.items.front();

  auto event = decode_event(read(kDir / (GetParam() + ".event.json")));
  ASSERT_TRUE(event.has_value()) << event.error().message;
  ASSERT_EQ(ads->skip_reason(*event, kNow), "");
  const Event* ptr = &*event;
  auto requests = ads->build(std::span<const Event* const>(&ptr, 1), Auth{"test-access-token"});
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].indices, std::vector<size_t>{0});
  std::string actual = request_json(requests[0].http);

  fs::path expected_path = kDir / (GetParam() + ".expected.json");
  if (std::getenv("FANOUT_UPDATE_GOLDEN")) std::ofstream(expected_path) << actual;
  rapidjson::Document expected;
  expected.Parse(read(expected_path).c_str());
  ASSERT_FALSE(expected.HasParseError()) << expected_path << " is missing or not JSON";
  // Compared after re-printing both: key order and number forms (125 vs 125.0) count, whitespace does not.
  EXPECT_EQ(actual, pretty(expected));
}

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(kDir)) {
    std::string name = entry.path().filename().string();
    const std::string suffix = ".event.json";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(name.substr(0, name.size() - suffix.size()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Golden, GoogleAdsCase, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(GoogleAdsGolden, EveryCaseHasExpectedFile) {
  auto all = cases();
  ASSERT_GE(all.size(), 4u);
  for (const auto& c : all) EXPECT_TRUE(fs::exists(kDir / (c + ".expected.json"))) << c;
}

}  // namespace
}  // namespace fanout::dest
