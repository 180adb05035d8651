// The command line (docs/operations.md), run as a user would: preview on every example shipped in examples/
// (the README points at them), check-config, --version and usage errors.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace {

struct CliRun {
  int code = -1;
  std::string out;
};

// Runs `fanout <args>` through the shell with `env` prefixed; captures stdout (stderr to /dev/null
// unless `with_stderr`).
CliRun fanout(const std::string& args, const std::string& env = "", bool with_stderr = false) {
  std::string cmd = env + " " + FANOUT_BINARY + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

const std::string kExamples = std::string(FANOUT_SOURCE_DIR) + "/examples";
const std::string kSecrets =
    "CRM_WEBHOOK_SECRET=s META_CAPI_ACCESS_TOKEN=EXAMPLE-SECRET GA4_API_SECRET=EXAMPLE-SECRET "
    "GOOGLE_ADS_REFRESH_TOKEN=EXAMPLE-SECRET GOOGLE_ADS_CLIENT_ID=id GOOGLE_ADS_CLIENT_SECRET=EXAMPLE-SECRET "
    "MS_ADS_CAPI_TOKEN=EXAMPLE-SECRET TIKTOK_EVENTS_ACCESS_TOKEN=EXAMPLE-SECRET";

TEST(Cli, PreviewWorksOnEveryExample) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".json") continue;
    ++seen;
    // With and without the secrets in the environment: preview never needs or shows them.
    for (const std::string& env : {kSecrets, std::string()}) {
      CliRun r = fanout("preview --config " + kExamples + "/fanout.toml " + entry.path().string(), env);
      EXPECT_EQ(r.code, 0) << entry.path() << "\n" << r.out;
      rapidjson::Document d;
      d.Parse(r.out.c_str());
      ASSERT_FALSE(d.HasParseError()) << entry.path() << "\n" << r.out;
      EXPECT_TRUE(d["event_id"].IsString());
      EXPECT_EQ(d["destinations"].Size(), 5u) << entry.path();
      EXPECT_EQ(r.out.find("EXAMPLE-SECRET"), std::string::npos) << entry.path();
      for (const auto& dest : d["destinations"].GetArray()) {
        std::string action = dest["action"].GetString();
        EXPECT_TRUE(action == "send" || (action == "skip" && dest["reason"].IsString())) << entry.path();
      }
    }
  }
  EXPECT_GE(seen, 5);
}

TEST(Cli, PreviewReadsStandardInputAndRejectsBadEvents) {
  CliRun ok = fanout("preview --config " + kExamples + "/fanout.toml - < " + kExamples + "/lead.json");
  EXPECT_EQ(ok.code, 0);
  CliRun bad = fanout("preview --config " + kExamples + "/fanout.toml - ", "printf '{\"event_id\":\"x\"}' | ");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("event_name"), std::string::npos);
}

TEST(Cli, CheckConfigNamesEveryProblem) {
  EXPECT_EQ(fanout("check-config --config " + kExamples + "/fanout.toml", kSecrets).code, 0);
  CliRun missing = fanout("check-config --config " + kExamples + "/fanout.toml", "", true);
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("ingest.secret_env"), std::string::npos) << missing.out;
  EXPECT_NE(missing.out.find("destinations.meta.access_token_env"), std::string::npos) << missing.out;
  std::string dir = std::filesystem::temp_directory_path() / "fanout-cli-test";
  std::filesystem::create_directories(dir);
  FILE* f = std::fopen((dir + "/bad.toml").c_str(), "w");
  std::fputs("[ingest]\nsecret_env = \"S\"\nmax_events_per_requests = 5\n[destinations.meta]\npixel_id = 1\n", f);
  std::fclose(f);
  CliRun bad = fanout("check-config --config " + dir + "/bad.toml", "S=x", true);
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("ingest.max_events_per_requests: unknown key"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("destinations.meta.pixel_id"), std::string::npos) << bad.out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, VersionAndUsage) {
  CliRun v = fanout("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("fanout"), std::string::npos);
  EXPECT_EQ(fanout("no-such-command").code, 2);
  EXPECT_EQ(fanout("send").code, 2);  // --url is required
}

}  // namespace
